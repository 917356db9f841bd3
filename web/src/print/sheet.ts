// The print sheet: one page with the title, the date, the map as it is on
// screen (an image of the canvas), its scale bar and north arrow, the legend
// of the layers shown and the data credits. Shown only when printing
// (print.css); the browser's print or "Save as PDF" makes the page.

import { el } from '../dom';
import { formatDate, formatNumber } from '../format';
import { t } from '../i18n';
import { fittedSize, pageBox, scaleBarMetres, scaleRatio, type Orientation, type Paper } from './paper';

export interface LegendItem {
  title: string;
  swatchClass: string;
  colour: string;
  entries: { title: string; colour: string }[];
}

export interface SheetContent {
  title: string;
  paper: Paper;
  orientation: Orientation;
  /** The map canvas as a PNG data URL, and its size in pixels. */
  image: { url: string; width: number; height: number };
  /** Metres on the ground across the image's width. */
  groundWidthM: number;
  bearingDeg: number;
  legend: LegendItem[];
  credits: string[];
  /** ISO date of the print. */
  date: string;
}

function northArrow(bearingDeg: number): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '-12 -16 24 32');
  svg.setAttribute('class', 'print-north');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t().print.north);
  svg.innerHTML =
    `<g transform="rotate(${-bearingDeg})"><path d="M0 -13 L7 7 L0 3 L-7 7 Z" fill="#17324d"/>` +
    '<text x="0" y="15" text-anchor="middle" font-size="8" font-weight="700" fill="#17324d">N</text></g>';
  return svg;
}

function metresText(metres: number): string {
  return metres >= 1000 ? `${formatNumber(metres / 1000, t(), 1)} km` : `${metres} m`;
}

/** Fill `sheet` with the page for `content`. */
export function renderSheet(sheet: HTMLElement, content: SheetContent): void {
  const dictionary = t();
  const box = pageBox(content.paper, content.orientation);
  const printed = fittedSize(box, content.image.width, content.image.height);
  sheet.replaceChildren();
  sheet.dataset.paper = content.paper;
  sheet.dataset.orientation = content.orientation;
  sheet.style.setProperty('--page-width', `${box.pageWidthMm}mm`);
  sheet.style.setProperty('--page-height', `${box.pageHeightMm}mm`);

  const header = el('header', 'print-header');
  header.append(el('h1', 'print-title', content.title));
  const ratio = scaleRatio(content.groundWidthM, printed.widthMm);
  header.append(el('p', 'print-subtitle', `${dictionary.print.printedOn(formatDate(content.date))} · ${dictionary.print.scale(formatNumber(ratio, dictionary, 0), content.paper)}`));

  const figure = el('figure', 'print-map');
  figure.style.width = `${printed.widthMm}mm`;
  figure.style.height = `${printed.heightMm}mm`;
  const image = el('img');
  image.src = content.image.url;
  image.alt = content.title;
  figure.append(image, northArrow(content.bearingDeg));
  const barMetres = scaleBarMetres(content.groundWidthM);
  const bar = el('div', 'print-scale');
  const line = el('span', 'print-scale-bar');
  line.style.width = `${(barMetres / content.groundWidthM) * printed.widthMm}mm`;
  bar.append(line, el('span', 'print-scale-label', metresText(barMetres)));
  figure.append(bar);

  const legend = el('section', 'print-legend');
  legend.append(el('h2', undefined, dictionary.print.legend));
  const list = el('ul');
  for (const item of content.legend) {
    const row = el('li');
    const swatch = el('span', item.swatchClass);
    swatch.style.setProperty('--swatch', item.colour);
    row.append(swatch, el('span', 'print-legend-title', item.title));
    if (item.entries.length > 0) {
      const entries = el('ul', 'print-legend-entries');
      for (const entry of item.entries) {
        const entryRow = el('li');
        const dot = el('span', 'swatch swatch--point');
        dot.style.setProperty('--swatch', entry.colour);
        entryRow.append(dot, el('span', undefined, entry.title));
        entries.append(entryRow);
      }
      row.append(entries);
    }
    list.append(row);
  }
  legend.append(list);

  const body = el('div', 'print-body');
  body.append(figure, legend);
  const footer = el('footer', 'print-credits');
  footer.append(el('p', undefined, `${dictionary.print.sources}: ${content.credits.join(' · ')}`), el('p', undefined, dictionary.print.madeWith));
  sheet.append(header, body, footer);
}
