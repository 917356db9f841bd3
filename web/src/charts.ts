// Small charts drawn as plain SVG (no chart library): a line chart of rates
// over dates, used by the Leegstand panel for the five-year trend.
//
// The chart is a pure function of its options: it returns a new <svg> that
// scales with its box (viewBox), with a <title> on every point so a pointer
// reads the exact value, and a vertical marker at the chosen date.

const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  /** The name shown in the legend and in each point's tooltip. */
  label: string;
  colour: string;
  /** One value per date of the chart; null where there is none (no stock). */
  values: (number | null)[];
  dashed?: boolean;
}

export interface LineChartOptions {
  /** ISO dates (yyyy-mm-dd), in order: the x axis. */
  dates: string[];
  series: Series[];
  /** The accessible name of the chart. */
  title: string;
  /** A date of `dates` to mark with a vertical line. */
  marker?: string;
  /** How a y value reads (e.g. a fraction as a percentage). */
  formatY: (value: number) => string;
  /** How a date reads in a tooltip. */
  formatDate: (date: string) => string;
  width?: number;
  height?: number;
}

function node<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** A step for about four gridlines up to `max`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(max: number, targetLines = 4): number {
  if (!(max > 0)) return 1;
  const rough = max / targetLines;
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 2.5, 5, 10]) {
    if (factor * power >= rough) return factor * power;
  }
  return 10 * power;
}

/** A line chart of `series` over `dates`, y from 0 to a round maximum. */
export function lineChart(options: LineChartOptions): SVGSVGElement {
  const width = options.width ?? 440;
  const height = options.height ?? 190;
  const margin = { top: 10, right: 10, bottom: 24, left: 44 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;

  const svg = node('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', 'aria-label': options.title });
  const title = node('title', {});
  title.textContent = options.title;
  svg.append(title);

  const all = options.series.flatMap((series) => series.values.filter((value): value is number => value !== null && Number.isFinite(value)));
  const maxValue = Math.max(0, ...all);
  const step = niceStep(maxValue || 0.05);
  const top = Math.max(step, Math.ceil(maxValue / step - 1e-9) * step);
  const n = options.dates.length;
  const x = (index: number) => margin.left + (n <= 1 ? plotWidth / 2 : (index / (n - 1)) * plotWidth);
  const y = (value: number) => margin.top + plotHeight - (value / top) * plotHeight;

  // Gridlines and y labels.
  for (let value = 0; value <= top + step / 2; value += step) {
    svg.append(node('line', { x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value), class: value === 0 ? 'chart-axis' : 'chart-grid' }));
    const label = node('text', { x: margin.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'chart-label' });
    label.textContent = options.formatY(value);
    svg.append(label);
  }
  // A year label at every January (at the first date when the range has none).
  const januaries = options.dates.map((date, index) => ({ date, index })).filter(({ date }) => date.slice(5, 7) === '01');
  const labelled = januaries.length > 0 ? januaries : options.dates.slice(0, 1).map((date) => ({ date, index: 0 }));
  for (const { date, index } of labelled) {
    svg.append(node('line', { x1: x(index), x2: x(index), y1: margin.top + plotHeight, y2: margin.top + plotHeight + 4, class: 'chart-axis' }));
    const label = node('text', { x: x(index), y: height - 6, 'text-anchor': 'middle', class: 'chart-label' });
    label.textContent = date.slice(0, 4);
    svg.append(label);
  }

  if (options.marker) {
    const index = options.dates.indexOf(options.marker);
    if (index >= 0) {
      svg.append(node('line', { x1: x(index), x2: x(index), y1: margin.top, y2: margin.top + plotHeight, class: 'chart-marker' }));
    }
  }

  for (const series of options.series) {
    // Break the line where a value is missing.
    let path = '';
    let pen = false;
    series.values.forEach((value, index) => {
      if (value === null || !Number.isFinite(value)) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${x(index).toFixed(1)},${y(value).toFixed(1)}`;
      pen = true;
    });
    const line = node('path', { d: path, fill: 'none', stroke: series.colour, 'stroke-width': 2, 'stroke-linejoin': 'round', class: 'chart-line' });
    if (series.dashed) line.setAttribute('stroke-dasharray', '5 3');
    line.dataset.series = series.label;
    svg.append(line);
    const points = node('g', { class: 'chart-points' });
    series.values.forEach((value, index) => {
      if (value === null || !Number.isFinite(value)) return;
      const point = node('circle', { cx: x(index), cy: y(value), r: 3.5, fill: series.colour });
      const tip = node('title', {});
      tip.textContent = `${series.label}, ${options.formatDate(options.dates[index])}: ${options.formatY(value)}`;
      point.append(tip);
      points.append(point);
    });
    svg.append(points);
  }
  return svg;
}
