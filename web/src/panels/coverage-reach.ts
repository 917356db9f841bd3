// Two map options of the Buurtaanbod panel: the residents beyond reach
// (`/api/coverage/gaps`, a checkbox; unreachable residents in grey) and a
// shop's walking isochrones (`/api/coverage/isochrones?unit=`, drawn when a
// ringed shop is clicked: what 400, 800 and 1,200 m along the streets reach).

import { formatNumber } from '../format';
import { bindText, onLang, t } from '../i18n';
import { fetchGaps, fetchIsochrones, isAbort, isUnavailable, reasonOf, type CoverageQuery } from './coverage-api';
import { GAP_COLOUR, ISOCHRONE_COLOURS, type CoverageMap } from './coverage-map';

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  return created;
}

export interface GapsOption {
  element: HTMLElement;
  /** Fetch again for the current question (when shown). */
  reload(): void;
}

export function renderGapsOption(coverageMap: CoverageMap, query: () => CoverageQuery): GapsOption {
  const row = element('div', 'coverage-option');
  const label = element('label', 'check');
  const input = element('input');
  input.type = 'checkbox';
  input.name = 'coverage-gaps';
  const swatch = element('span', 'swatch swatch--point');
  swatch.style.setProperty('--swatch', GAP_COLOUR);
  const text = element('span');
  bindText(text, (dictionary) => dictionary.coverage.gaps);
  label.append(input, swatch, text);
  const note = element('p', 'field-hint');
  note.setAttribute('aria-live', 'polite');
  row.append(label, note);
  let abort: AbortController | null = null;

  function reload(): void {
    abort?.abort();
    if (!input.checked) {
      coverageMap.setGaps(null);
      note.textContent = '';
      return;
    }
    const controller = new AbortController();
    abort = controller;
    note.textContent = t().coverage.gapsLoading;
    fetchGaps({ ...query() }, controller.signal)
      .then((collection) => {
        if (controller.signal.aborted) return;
        coverageMap.setGaps(collection);
        const count = collection.features.length;
        note.textContent = t().coverage.gapsCount(count, formatNumber(count, t(), 0));
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        coverageMap.setGaps(null);
        note.textContent = isUnavailable(error) ? t().coverage.gapsUnavailable : t().coverage.failed(reasonOf(error));
      });
  }
  input.addEventListener('change', () => reload());
  return { element: row, reload };
}

export interface IsochroneSection {
  element: HTMLElement;
  show(shop: { id: string; properties: Record<string, unknown> }): void;
}

export function renderIsochrones(coverageMap: CoverageMap): IsochroneSection {
  const section = element('section', 'coverage-isochrones');
  const title = element('h3', 'section-title');
  const text = element('p', 'field-hint');
  const legend = element('ul', 'coverage-legend-list coverage-legend-list--row');
  for (const distance of [400, 800, 1200]) {
    const item = element('li');
    const swatch = element('span', 'swatch swatch--polygon');
    swatch.style.setProperty('--swatch', ISOCHRONE_COLOURS[distance]);
    const label = element('span');
    bindText(label, (dictionary) => dictionary.coverage.thresholds[String(distance)]);
    item.append(swatch, label);
    legend.append(item);
  }
  const clear = element('button', 'button button--quiet button--small');
  clear.type = 'button';
  bindText(clear, (dictionary) => dictionary.coverage.isochrones.clear);
  section.append(title, text, legend, clear);
  let shop: { id: string; name: string } | null = null;
  let state: 'none' | 'loading' | 'shown' | 'unavailable' | 'failed' = 'none';
  let failure = '';
  let abort: AbortController | null = null;

  function render(): void {
    const dictionary = t();
    title.textContent = shop ? dictionary.coverage.isochrones.of(shop.name) : dictionary.coverage.isochrones.title;
    text.textContent =
      state === 'loading' ? dictionary.coverage.isochrones.loading
      : state === 'unavailable' ? dictionary.coverage.isochrones.unavailable
      : state === 'failed' ? dictionary.coverage.failed(failure)
      : state === 'shown' ? ''
      : dictionary.coverage.isochrones.hint;
    text.hidden = text.textContent === '';
    legend.hidden = state !== 'shown';
    clear.hidden = state === 'none';
  }
  clear.addEventListener('click', () => {
    abort?.abort();
    shop = null;
    state = 'none';
    coverageMap.setIsochrones(null);
    render();
  });
  onLang(() => render());

  return {
    element: section,
    show(clicked) {
      abort?.abort();
      const controller = new AbortController();
      abort = controller;
      shop = { id: clicked.id, name: String(clicked.properties.address ?? clicked.id) };
      state = 'loading';
      render();
      fetchIsochrones(clicked.id, controller.signal)
        .then((collection) => {
          if (controller.signal.aborted) return;
          coverageMap.setIsochrones(collection);
          state = 'shown';
          render();
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted || isAbort(error)) return;
          coverageMap.setIsochrones(null);
          state = isUnavailable(error) ? 'unavailable' : 'failed';
          failure = reasonOf(error);
          if (state === 'failed') console.warn('genk atlas: isochrones', error);
          render();
        });
    },
  };
}
