// The search box: find a place by name (a known place such as EnergyVille or
// the ZOL, also by its other names; a shopping area, business park,
// neighbourhood, access point, company, street or shop-unit address) and fly
// there, its outline highlighted.
//
// The server searches (`GET /api/search?q=`, tolerant of accents, spacing and
// one slip of the keyboard), so no name list is sent to the page; the box
// asks as the person types (a short pause, the previous question cancelled).
// The names of the areas, parks and neighbourhoods are also fetched once, for
// popups that refer to one by id. The box follows the ARIA combobox pattern
// (arrows, Enter, Escape).

import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchAllFeatures, getJson, type Bbox, type Geometry } from '../api';
import { highlight } from '../highlight';
import { bindText, onLang, t } from '../i18n';

/** The layers whose names popups show for an id (`park_id`, `area_id`). */
const NAMED_LAYERS = ['shopping_areas', 'business_parks', 'neighbourhoods'] as const;
const MAX_RESULTS = 8;
/** How long typing pauses before the server is asked. */
const PAUSE_MS = 120;

export interface Place {
  layerId: string;
  name: string;
  bbox: Bbox;
  geometries: Geometry[];
  ids: string[];
}

interface SearchAnswer {
  results: { layer: string; name: string; bbox: Bbox; geometries: Geometry[]; ids: string[] }[];
}

/** The places the server finds for `query`, best first. */
async function findPlaces(query: string, signal: AbortSignal): Promise<Place[]> {
  const answer = await getJson<SearchAnswer>(`/api/search?q=${encodeURIComponent(query)}&limit=${MAX_RESULTS}`, signal);
  return answer.results.map((hit) => ({ layerId: hit.layer, name: hit.name, bbox: hit.bbox, geometries: hit.geometries, ids: hit.ids }));
}

export interface SearchBox {
  /** Start fetching the names popups refer to (idempotent); resolves when they are in. */
  load(): Promise<void>;
  /** id → name for the areas, parks and neighbourhoods, for popups that refer to one. */
  nameOf(layerId: string, featureId: string): string | undefined;
}

export function renderSearch(container: HTMLElement, map: MapLibreMap): SearchBox {
  container.classList.add('search');
  container.setAttribute('role', 'search');

  const label = document.createElement('label');
  label.className = 'visually-hidden';
  label.htmlFor = 'search-input';
  bindText(label, (dictionary) => dictionary.search.label);

  const field = document.createElement('div');
  field.className = 'search-field';
  const icon = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  icon.setAttribute('viewBox', '0 0 20 20');
  icon.setAttribute('aria-hidden', 'true');
  icon.classList.add('search-icon');
  icon.innerHTML = '<circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M13 13l4.5 4.5" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>';

  const input = document.createElement('input');
  input.id = 'search-input';
  input.type = 'search';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', 'search-results');
  bindText(input, (dictionary) => dictionary.search.placeholder, 'placeholder');

  const list = document.createElement('ul');
  list.id = 'search-results';
  list.className = 'search-results';
  list.setAttribute('role', 'listbox');
  bindText(list, (dictionary) => dictionary.search.label, 'aria-label');
  list.hidden = true;

  const live = document.createElement('p');
  live.className = 'visually-hidden';
  live.setAttribute('aria-live', 'polite');

  field.append(icon, input);
  container.append(label, field, list, live);

  const names = new Map<string, string>();
  let loading: Promise<void> | null = null;
  let results: Place[] = [];
  let active = -1;
  /** The question now with the server, if any. */
  let asking: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let answered = '';
  let failed = false;

  function load(): Promise<void> {
    loading ??= (async () => {
      await Promise.all(
        NAMED_LAYERS.map(async (layerId) => {
          try {
            for (const feature of await fetchAllFeatures(layerId)) {
              if (typeof feature.properties.name === 'string') names.set(`${layerId}/${feature.id}`, feature.properties.name);
            }
          } catch (error) {
            console.warn(`genk atlas: names of ${layerId}`, error);
          }
        }),
      );
    })();
    return loading;
  }

  /** Ask the server about what is typed now; resolves when its answer is shown. */
  function ask(): Promise<void> {
    const query = input.value.trim();
    asking?.abort();
    if (!query) {
      results = [];
      answered = '';
      renderResults();
      return Promise.resolve();
    }
    const controller = new AbortController();
    asking = controller;
    return findPlaces(query, controller.signal)
      .then((places) => {
        if (controller.signal.aborted) return;
        results = places;
        failed = false;
        answered = query;
        active = -1;
        renderResults();
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        console.warn('genk atlas: search', error);
        results = [];
        failed = true;
        answered = query;
        renderResults();
      });
  }

  function close(): void {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }

  function renderResults(): void {
    const dictionary = t();
    list.replaceChildren();
    if (!input.value.trim()) {
      close();
      return;
    }
    const waiting = answered !== input.value.trim();
    if (waiting || failed || results.length === 0) {
      const item = document.createElement('li');
      item.className = 'search-message';
      item.textContent = waiting ? dictionary.search.loading : failed ? dictionary.search.failed : dictionary.search.noResults;
      list.append(item);
    }
    results.forEach((place, index) => {
      const item = document.createElement('li');
      item.id = `search-result-${index}`;
      item.className = 'search-result';
      item.setAttribute('role', 'option');
      item.setAttribute('aria-selected', String(index === active));
      item.dataset.layer = place.layerId;
      const name = document.createElement('span');
      name.className = 'search-result-name';
      name.textContent = place.name;
      const kind = document.createElement('span');
      kind.className = 'search-result-kind';
      kind.textContent = dictionary.search.kinds[place.layerId] ?? place.layerId;
      item.append(name, kind);
      // mousedown, not click: the input keeps focus and does not close the list first.
      item.addEventListener('mousedown', (event) => {
        event.preventDefault();
        choose(index);
      });
      list.append(item);
    });
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) input.setAttribute('aria-activedescendant', `search-result-${active}`);
    else input.removeAttribute('aria-activedescendant');
    live.textContent = waiting ? dictionary.search.loading : dictionary.search.results(results.length);
  }

  /** After a keystroke: show that the answer is coming, and ask once typing pauses. */
  function update(): void {
    active = -1;
    renderResults();
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void ask(), PAUSE_MS);
  }

  function choose(index: number): void {
    const place = results[index];
    if (!place) return;
    input.value = place.name;
    close();
    const [minLon, minLat, maxLon, maxLat] = place.bbox;
    // A point (an address, a company) close enough for shop units to be drawn one by one.
    const point = minLon === maxLon && minLat === maxLat;
    map.fitBounds(
      [
        [minLon, minLat],
        [maxLon, maxLat],
      ],
      { padding: 80, maxZoom: point ? 18 : 17, duration: 1600 },
    );
    highlight(map, place.geometries);
  }

  input.addEventListener('input', () => update());
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (results.length === 0) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      active = (active + step + results.length) % results.length;
      renderResults();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (answered !== input.value.trim()) {
        // Enter before the answer: ask now and take the best place.
        if (timer) clearTimeout(timer);
        void ask().then(() => choose(0));
        return;
      }
      choose(active >= 0 ? active : 0);
    } else if (event.key === 'Escape') {
      if (!list.hidden) close();
      else input.value = '';
    }
  });
  input.addEventListener('blur', () => close());
  onLang(() => {
    if (!list.hidden) renderResults();
  });

  return { load, nameOf: (layerId, featureId) => names.get(`${layerId}/${featureId}`) };
}
