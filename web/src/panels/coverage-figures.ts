// The figures above the map's legend in the Buurtaanbod panel: the city's
// share in one sentence with the median and 90th percentile walking distance
// and the unreachable residents, and the legend of the choropleth classes.

import { formatDate, formatNumber } from '../format';
import { bindText, onLang, t } from '../i18n';
import type { CoverageAnswer } from './coverage-api';
import { NO_RESIDENTS_COLOUR, SHARE_CLASSES } from './coverage-map';
import { formatMetres, formatShare } from './coverage-table';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
}

export interface Headline {
  element: HTMLElement;
  update(answer: CoverageAnswer | null): void;
}

export function renderHeadline(): Headline {
  const box = element('section', 'coverage-headline');
  box.hidden = true;
  const share = element('p', 'coverage-big');
  const sentence = element('p', 'coverage-sentence');
  const facts = element('dl', 'coverage-facts');
  const date = element('p', 'field-hint');
  box.append(share, sentence, facts, date);
  return {
    element: box,
    update(answer) {
      box.hidden = answer === null;
      if (!answer) return;
      const dictionary = t();
      const city = answer.city;
      share.textContent = formatShare(city.share, dictionary);
      const threshold = answer.threshold_m === 'any' ? 'any' : dictionary.coverage.thresholds[String(answer.threshold_m)];
      sentence.textContent = dictionary.coverage.headline(formatNumber(city.population, dictionary, 0), dictionary.coverage.kindPhrase[answer.kind] ?? answer.kind, threshold);
      const rows: [string, string, string?][] = [
        [dictionary.coverage.median, formatMetres(city.median_m, dictionary)],
        [dictionary.coverage.p90, formatMetres(city.p90_m, dictionary)],
        [dictionary.coverage.unreachable, formatNumber(city.unreachable, dictionary, 0), dictionary.coverage.unreachableHint],
      ];
      facts.replaceChildren(
        ...rows.flatMap(([term, value, hint]) => {
          const dt = element('dt', undefined, term);
          if (hint) dt.title = hint;
          return [dt, element('dd', undefined, value)];
        }),
      );
      date.textContent = answer.date ? dictionary.coverage.onDate(formatDate(answer.date)) : '';
    },
  };
}

/** The choropleth's legend: five classes of share and "no residents". */
export function renderLegend(): HTMLElement {
  const legend = element('section', 'coverage-legend');
  legend.hidden = true;
  const title = element('h3', 'section-title');
  bindText(title, (dictionary) => dictionary.coverage.legendTitle);
  const list = element('ul', 'coverage-legend-list');
  legend.append(title, list);
  const item = (colour: string, text: string): HTMLLIElement => {
    const entry = element('li');
    const swatch = element('span', 'swatch swatch--polygon');
    swatch.style.setProperty('--swatch', colour);
    entry.append(swatch, document.createTextNode(text));
    return entry;
  };
  onLang((dictionary) => {
    list.replaceChildren(
      ...SHARE_CLASSES.map((entry) => item(entry.colour, `${formatShare(entry.from, dictionary)} – ${formatShare(Math.min(entry.to, 1), dictionary)}`)),
      item(NO_RESIDENTS_COLOUR, dictionary.coverage.noResidents),
    );
  });
  return legend;
}
