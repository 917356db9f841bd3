// The search box: find a street, shopping area, business park or neighbourhood
// by name and fly there.
//
// Names are fetched once from `/api/layers/{id}/features` for those four layers
// and searched in the browser (accents and case ignored). A street is many
// segments: its entry is the distinct name, its extent the union of its
// segments. The box follows the ARIA combobox pattern (arrows, Enter, Escape).

import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchAllFeatures, geometryBbox, unionBbox, type Bbox, type Geometry } from '../api';
import { highlight } from '../highlight';
import { bindText, onLang, t } from '../i18n';

/** The searchable layers, in the order results of equal quality are listed. */
export const SEARCH_LAYERS = ['shopping_areas', 'business_parks', 'neighbourhoods', 'streets'] as const;
const MAX_RESULTS = 8;

export interface Place {
  layerId: string;
  name: string;
  key: string;
  bbox: Bbox;
  geometries: Geometry[];
  ids: string[];
}

function normalise(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** Build the places of one layer; streets are merged by name. */
export function placesOf(layerId: string, features: Awaited<ReturnType<typeof fetchAllFeatures>>): Place[] {
  const byName = new Map<string, Place>();
  for (const feature of features) {
    const name = feature.properties.name;
    if (typeof name !== 'string' || !name.trim()) continue;
    const bbox = geometryBbox(feature.geometry);
    if (!bbox) continue;
    const merge = layerId === 'streets';
    const key = merge ? `${layerId}/${normalise(name)}` : `${layerId}/${feature.id}`;
    const existing = byName.get(key);
    if (existing) {
      existing.bbox = unionBbox(existing.bbox, bbox)!;
      if (feature.geometry) existing.geometries.push(feature.geometry);
      existing.ids.push(String(feature.id));
    } else {
      byName.set(key, { layerId, name: name.trim(), key: normalise(name), bbox, geometries: feature.geometry ? [feature.geometry] : [], ids: [String(feature.id)] });
    }
  }
  return [...byName.values()];
}

/** Rank: whole name, then name start, then a word start, then anywhere. */
export function findPlaces(places: Place[], query: string): Place[] {
  const wanted = normalise(query);
  if (!wanted) return [];
  const scored: { place: Place; score: number }[] = [];
  for (const place of places) {
    let score: number;
    if (place.key === wanted) score = 0;
    else if (place.key.startsWith(wanted)) score = 1;
    else if (place.key.includes(` ${wanted}`)) score = 2;
    else if (place.key.includes(wanted)) score = 3;
    else continue;
    scored.push({ place, score });
  }
  const order = (layerId: string) => {
    const at = (SEARCH_LAYERS as readonly string[]).indexOf(layerId);
    return at < 0 ? SEARCH_LAYERS.length : at;
  };
  scored.sort((a, b) => a.score - b.score || order(a.place.layerId) - order(b.place.layerId) || a.place.name.localeCompare(b.place.name, 'nl'));
  return scored.slice(0, MAX_RESULTS).map(({ place }) => place);
}

export interface SearchBox {
  /** Start fetching names (idempotent); resolves when they are in. */
  load(): Promise<void>;
  /** id → name for the search layers, for popups that refer to a park or area. */
  nameOf(layerId: string, featureId: string): string | undefined;
}

export function renderSearch(container: HTMLElement, map: MapLibreMap, onFound?: (place: Place) => void): SearchBox {
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

  let places: Place[] = [];
  const names = new Map<string, string>();
  let loading: Promise<void> | null = null;
  let loaded = false;
  let results: Place[] = [];
  let active = -1;

  function load(): Promise<void> {
    loading ??= (async () => {
      const layers = await Promise.all(
        SEARCH_LAYERS.map(async (layerId) => {
          try {
            const features = await fetchAllFeatures(layerId);
            for (const feature of features) {
              if (typeof feature.properties.name === 'string') names.set(`${layerId}/${feature.id}`, feature.properties.name);
            }
            return placesOf(layerId, features);
          } catch (error) {
            console.warn(`genk atlas: names of ${layerId}`, error);
            return [];
          }
        }),
      );
      places = layers.flat();
      loaded = true;
      if (input.value) update();
    })();
    return loading;
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
    if (!loaded) {
      const item = document.createElement('li');
      item.className = 'search-message';
      item.textContent = dictionary.search.loading;
      list.append(item);
    } else if (results.length === 0) {
      const item = document.createElement('li');
      item.className = 'search-message';
      item.textContent = dictionary.search.noResults;
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
    live.textContent = loaded ? dictionary.search.results(results.length) : dictionary.search.loading;
  }

  function update(): void {
    results = loaded ? findPlaces(places, input.value) : [];
    active = -1;
    renderResults();
  }

  function choose(index: number): void {
    const place = results[index];
    if (!place) return;
    input.value = place.name;
    close();
    const [minLon, minLat, maxLon, maxLat] = place.bbox;
    map.fitBounds(
      [
        [minLon, minLat],
        [maxLon, maxLat],
      ],
      { padding: 80, maxZoom: 17, duration: 1600 },
    );
    highlight(map, place.geometries);
    onFound?.(place);
  }

  input.addEventListener('focus', () => void load());
  input.addEventListener('input', () => {
    void load();
    update();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      if (results.length === 0) return;
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      active = (active + step + results.length) % results.length;
      renderResults();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (!loaded) {
        void load().then(() => {
          update();
          choose(0);
        });
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
