// The Buurtaanbod (neighbourhood shop coverage) task: who lives within walking
// distance of daily shops, per neighbourhood, and what changes when a shop
// opens or closes.
//
// The planner picks a kind of shop and a walking distance; the panel fetches
// `/api/coverage` and shows the city's share, a legend, a choropleth of the
// share per neighbourhood (polygons from the `neighbourhoods` layer, joined by
// code) and a sortable table. Options: the residents beyond reach (gaps), a
// shop's walking isochrones (click a ringed shop), and a what-if mode where
// clicks on the map add imagined shops or remove existing ones; the map and
// table then show the shares after the change and a list says what changed.
// Nothing is fetched until the panel is first opened; a server without the
// coverage routes (404) gets a quiet message, not an error.

import './coverage-panel.css';
import type { Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { ApiError, fetchAllFeatures, geometryBbox, type Feature } from '../api';
import { formatDate, formatNumber } from '../format';
import { bindText, onLang, t, type Dictionary } from '../i18n';
import {
  fetchCoverage,
  fetchGaps,
  fetchIsochrones,
  fetchWhatIf,
  kindsCounted,
  SHOP_KINDS,
  SINGLE_KINDS,
  THRESHOLDS,
  type AddedShop,
  type CoverageAnswer,
  type CoverageQuery,
  type ShopKind,
  type Threshold,
  type WhatIfAnswer,
} from './coverage-api';
import { CoverageMap, GAP_COLOUR, ISOCHRONE_COLOURS, NO_RESIDENTS_COLOUR, SHARE_CLASSES } from './coverage-map';
import { pickMode } from './coverage-pick';
import { formatMetres, formatPoints, formatShare, renderCoverageTable, type TableRow } from './coverage-table';

type Status = { kind: 'idle' | 'loading' } | { kind: 'unavailable'; text: (dictionary: Dictionary) => string } | { kind: 'error'; message: string };

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  return created;
}

function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501);
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** A segmented radio group (`role=radiogroup` through a fieldset). */
function radioGroup<T extends string | number>(
  name: string,
  legendText: (dictionary: Dictionary) => string,
  values: T[],
  label: (dictionary: Dictionary, value: T) => string,
  selected: T,
  onChange: (value: T) => void,
): HTMLFieldSetElement {
  const fieldset = element('fieldset', 'segmented');
  const legend = element('legend', 'field-label');
  bindText(legend, legendText);
  fieldset.append(legend);
  const options = element('div', 'segmented-options');
  for (const value of values) {
    const option = element('label', 'segmented-option');
    const input = element('input');
    input.type = 'radio';
    input.name = name;
    input.value = String(value);
    input.checked = value === selected;
    input.addEventListener('change', () => {
      if (input.checked) onChange(value);
    });
    const text = element('span');
    bindText(text, (dictionary) => label(dictionary, value));
    option.append(input, text);
    options.append(option);
  }
  fieldset.append(options);
  return fieldset;
}

export function renderCoveragePanel(container: HTMLElement, map: MapLibreMap, mapReady: Promise<unknown>): void {
  container.replaceChildren();
  container.classList.add('coverage-panel');

  const query: CoverageQuery = { kind: 'daily', threshold: 800, date: '' };
  let base: CoverageAnswer | null = null;
  let status: Status = { kind: 'idle' };
  let neighbourhoods: Map<string, Feature> = new Map();
  const added: AddedShop[] = [];
  const removed: { id: string; lon: number; lat: number; name: string }[] = [];
  let whatIf: WhatIfAnswer | null = null;
  let whatIfStatus: Status = { kind: 'idle' };
  let addKind: AddedShop['kind'] = 'supermarket';
  let started = false;
  let abortFigures: AbortController | null = null;
  let abortWhatIf: AbortController | null = null;
  let abortGaps: AbortController | null = null;
  let abortIsochrones: AbortController | null = null;
  const coverageMap = new CoverageMap(map);
  const pick = pickMode(map);
  let mapInstalled = false;

  // ---- the controls ----
  const header = element('div', 'panel-header');
  const title = element('h2', 'panel-title');
  bindText(title, (dictionary) => dictionary.coverage.title);
  const intro = element('p', 'panel-intro');
  bindText(intro, (dictionary) => dictionary.coverage.intro);
  header.append(title, intro);

  const controls = element('form', 'coverage-controls');
  controls.addEventListener('submit', (event) => event.preventDefault());
  const kindGroup = radioGroup<ShopKind>('coverage-kind', (d) => d.coverage.kindLabel, SHOP_KINDS, (d, kind) => d.coverage.kinds[kind], query.kind, (kind) => {
    query.kind = kind;
    if (kind !== 'daily') addKind = kind;
    refresh();
  });
  const dailyRule = element('p', 'field-hint');
  bindText(dailyRule, (dictionary) => dictionary.coverage.dailyRule);
  const thresholdGroup = radioGroup<string>(
    'coverage-threshold',
    (d) => d.coverage.thresholdLabel,
    THRESHOLDS.map(String),
    (d, value) => d.coverage.thresholds[value],
    String(query.threshold),
    (value) => {
      query.threshold = (value === 'any' ? 'any' : Number(value)) as Threshold;
      refresh();
    },
  );
  const dateLabel = element('label', 'field');
  const dateText = element('span', 'field-label');
  bindText(dateText, (dictionary) => dictionary.coverage.dateLabel);
  const dateInput = element('input');
  dateInput.type = 'date';
  dateInput.name = 'coverage-date';
  dateInput.addEventListener('change', () => {
    query.date = dateInput.value;
    refresh();
  });
  dateLabel.append(dateText, dateInput);
  controls.append(kindGroup, dailyRule, thresholdGroup, dateLabel);

  const statusBox = element('div', 'coverage-status');
  statusBox.setAttribute('role', 'status');
  statusBox.setAttribute('aria-live', 'polite');

  // ---- the figures ----
  const headline = element('section', 'coverage-headline');
  headline.hidden = true;
  const headlineShare = element('p', 'coverage-big');
  const headlineText = element('p', 'coverage-sentence');
  const headlineFacts = element('dl', 'coverage-facts');
  const headlineDate = element('p', 'field-hint');
  headline.append(headlineShare, headlineText, headlineFacts, headlineDate);

  const legend = element('section', 'coverage-legend');
  legend.hidden = true;
  const legendTitle = element('h3', 'section-title');
  bindText(legendTitle, (dictionary) => dictionary.coverage.legendTitle);
  const legendList = element('ul', 'coverage-legend-list');
  legend.append(legendTitle, legendList);
  onLang((dictionary) => {
    legendList.replaceChildren(
      ...SHARE_CLASSES.map((entry) => {
        const item = element('li');
        const swatch = element('span', 'swatch swatch--polygon');
        swatch.style.setProperty('--swatch', entry.colour);
        const upper = Math.min(entry.to, 1);
        item.append(swatch, document.createTextNode(`${formatShare(entry.from, dictionary)} – ${formatShare(upper, dictionary)}`));
        return item;
      }),
      (() => {
        const item = element('li');
        const swatch = element('span', 'swatch swatch--polygon');
        swatch.style.setProperty('--swatch', NO_RESIDENTS_COLOUR);
        item.append(swatch, document.createTextNode(dictionary.coverage.noResidents));
        return item;
      })(),
    );
  });

  // ---- gaps ----
  const gapsRow = element('div', 'coverage-option');
  const gapsLabel = element('label', 'check');
  const gapsInput = element('input');
  gapsInput.type = 'checkbox';
  gapsInput.name = 'coverage-gaps';
  const gapsSwatch = element('span', 'swatch swatch--point');
  gapsSwatch.style.setProperty('--swatch', GAP_COLOUR);
  const gapsText = element('span');
  bindText(gapsText, (dictionary) => dictionary.coverage.gaps);
  gapsLabel.append(gapsInput, gapsSwatch, gapsText);
  const gapsNote = element('p', 'field-hint');
  gapsNote.setAttribute('aria-live', 'polite');
  gapsRow.append(gapsLabel, gapsNote);
  gapsInput.addEventListener('change', () => loadGaps());

  // ---- isochrones ----
  const isochrones = element('section', 'coverage-isochrones');
  const isochronesTitle = element('h3', 'section-title');
  const isochronesText = element('p', 'field-hint');
  const isochronesLegend = element('ul', 'coverage-legend-list coverage-legend-list--row');
  isochronesLegend.hidden = true;
  for (const distance of [400, 800, 1200]) {
    const item = element('li');
    const swatch = element('span', 'swatch swatch--polygon');
    swatch.style.setProperty('--swatch', ISOCHRONE_COLOURS[distance]);
    const text = element('span');
    bindText(text, (dictionary) => dictionary.coverage.thresholds[String(distance)]);
    item.append(swatch, text);
    isochronesLegend.append(item);
  }
  const isochronesClear = element('button', 'button button--quiet button--small');
  isochronesClear.type = 'button';
  isochronesClear.hidden = true;
  bindText(isochronesClear, (dictionary) => dictionary.coverage.isochrones.clear);
  isochrones.append(isochronesTitle, isochronesText, isochronesLegend, isochronesClear);
  let isochroneShop: { id: string; name: string } | null = null;
  let isochroneState: 'none' | 'loading' | 'shown' | 'unavailable' = 'none';
  function renderIsochrones(): void {
    const dictionary = t();
    isochronesTitle.textContent = isochroneShop ? dictionary.coverage.isochrones.of(isochroneShop.name) : dictionary.coverage.isochrones.title;
    isochronesText.textContent =
      isochroneState === 'loading' ? dictionary.coverage.isochrones.loading
      : isochroneState === 'unavailable' ? dictionary.coverage.isochrones.unavailable
      : isochroneState === 'shown' ? ''
      : dictionary.coverage.isochrones.hint;
    isochronesText.hidden = isochronesText.textContent === '';
    isochronesLegend.hidden = isochroneState !== 'shown';
    isochronesClear.hidden = isochroneState === 'none';
  }
  isochronesClear.addEventListener('click', () => {
    abortIsochrones?.abort();
    isochroneShop = null;
    isochroneState = 'none';
    coverageMap.setIsochrones(null);
    renderIsochrones();
  });
  onLang(() => renderIsochrones());

  // ---- what-if ----
  const whatIfBox = element('section', 'coverage-whatif');
  const whatIfTitle = element('h3', 'section-title');
  bindText(whatIfTitle, (dictionary) => dictionary.coverage.whatIf.title);
  const whatIfToggle = element('button', 'button button--toggle');
  whatIfToggle.type = 'button';
  whatIfToggle.setAttribute('aria-pressed', 'false');
  const whatIfHint = element('p', 'field-hint');
  bindText(whatIfHint, (dictionary) => dictionary.coverage.whatIf.hint);
  whatIfHint.hidden = true;
  const addKindLabel = element('label', 'field');
  const addKindText = element('span', 'field-label');
  bindText(addKindText, (dictionary) => dictionary.coverage.whatIf.addedKind);
  const addKindSelect = element('select');
  addKindSelect.name = 'coverage-added-kind';
  addKindSelect.addEventListener('change', () => {
    addKind = addKindSelect.value as AddedShop['kind'];
  });
  addKindLabel.append(addKindText, addKindSelect);
  const editsList = element('ul', 'coverage-edits');
  const resetButton = element('button', 'button button--quiet button--small');
  resetButton.type = 'button';
  bindText(resetButton, (dictionary) => dictionary.coverage.whatIf.reset);
  const whatIfStatusBox = element('p', 'field-hint');
  whatIfStatusBox.setAttribute('aria-live', 'polite');
  const changesTitle = element('h4', 'subsection-title');
  bindText(changesTitle, (dictionary) => dictionary.coverage.whatIf.changes);
  const changesList = element('ul', 'coverage-changes');
  changesList.setAttribute('aria-live', 'polite');
  const changesBox = element('div', 'coverage-changes-box');
  changesBox.append(changesTitle, changesList);
  whatIfBox.append(whatIfTitle, whatIfToggle, whatIfHint, addKindLabel, editsList, resetButton, whatIfStatusBox, changesBox);

  function setPicking(on: boolean): void {
    whatIfToggle.setAttribute('aria-pressed', String(on));
    whatIfHint.hidden = !on;
    if (on) pick.start((lon, lat, point) => onMapPick(lon, lat, point));
    else pick.stop();
    renderWhatIf();
  }
  whatIfToggle.addEventListener('click', () => setPicking(!pick.active));
  resetButton.addEventListener('click', () => {
    added.length = 0;
    removed.length = 0;
    whatIf = null;
    abortWhatIf?.abort();
    whatIfStatus = { kind: 'idle' };
    renderAll();
  });

  function onMapPick(lon: number, lat: number, point: { x: number; y: number }): void {
    const shop = coverageMap.shopAt(point);
    if (shop) {
      const at = removed.findIndex((entry) => entry.id === shop.id);
      if (at >= 0) removed.splice(at, 1);
      else removed.push({ id: shop.id, lon: shop.lon, lat: shop.lat, name: String(shop.properties.address ?? shop.id) });
    } else {
      added.push({ lon, lat, kind: query.kind === 'daily' ? addKind : (query.kind as AddedShop['kind']) });
    }
    runWhatIf();
  }

  function renderWhatIf(): void {
    const dictionary = t();
    container.dataset.whatif = whatIfStatus.kind === 'idle' ? (whatIf ? 'ready' : 'none') : whatIfStatus.kind;
    whatIfToggle.textContent = pick.active ? dictionary.coverage.whatIf.stop : dictionary.coverage.whatIf.start;
    addKindLabel.hidden = query.kind !== 'daily' || !pick.active;
    addKindSelect.replaceChildren(
      ...SINGLE_KINDS.filter((kind) => kind !== 'pharmacy').map((kind) => {
        const option = element('option');
        option.value = kind;
        option.textContent = dictionary.coverage.kinds[kind];
        option.selected = kind === addKind;
        return option;
      }),
    );
    const edits: HTMLLIElement[] = [];
    added.forEach((shop, index) => {
      const name = dictionary.coverage.whatIf.added(dictionary.coverage.kinds[shop.kind], index + 1);
      edits.push(editItem(name, 'added', () => {
        added.splice(index, 1);
        runWhatIf();
      }));
    });
    removed.forEach((shop, index) => {
      edits.push(editItem(dictionary.coverage.whatIf.removed(shop.name), 'removed', () => {
        removed.splice(index, 1);
        runWhatIf();
      }));
    });
    editsList.replaceChildren(...edits);
    editsList.hidden = edits.length === 0;
    resetButton.hidden = edits.length === 0;
    whatIfStatusBox.textContent =
      whatIfStatus.kind === 'loading' ? dictionary.coverage.whatIf.computing
      : whatIfStatus.kind === 'unavailable' ? whatIfStatus.text(dictionary)
      : whatIfStatus.kind === 'error' ? dictionary.coverage.failed(whatIfStatus.message)
      : '';
    whatIfStatusBox.hidden = whatIfStatusBox.textContent === '';
    renderChanges(dictionary);
  }

  function editItem(name: string, role: 'added' | 'removed', undo: () => void): HTMLLIElement {
    const item = element('li', `coverage-edit is-${role}`);
    const text = element('span');
    text.textContent = name;
    const button = element('button', 'icon-button');
    button.type = 'button';
    button.textContent = '×';
    button.setAttribute('aria-label', t().coverage.whatIf.undo(name));
    button.addEventListener('click', undo);
    item.append(text, button);
    return item;
  }

  function renderChanges(dictionary: Dictionary): void {
    changesBox.hidden = whatIf === null;
    if (!whatIf) return;
    const before = new Map(whatIf.before.neighbourhoods.map((entry) => [entry.code, entry]));
    const rows = whatIf.after.neighbourhoods
      .map((after) => ({ after, before: before.get(after.code) }))
      .filter(({ after, before }) => before && after.share !== null && before.share !== null && (Math.abs(after.share - before.share) > 1e-9 || after.covered !== before.covered))
      .sort((a, b) => b.after.share! - b.before!.share! - (a.after.share! - a.before!.share!) || a.after.name.localeCompare(b.after.name));
    const items: HTMLLIElement[] = [];
    const cityBefore = whatIf.before.city.share;
    const cityAfter = whatIf.after.city.share;
    if (cityBefore !== null && cityAfter !== null) {
      const item = element('li', 'coverage-change is-city');
      item.dataset.code = 'city';
      item.textContent = dictionary.coverage.whatIf.change(dictionary.coverage.whatIf.city, formatShare(cityBefore, dictionary, 1), formatShare(cityAfter, dictionary, 1), formatPoints(cityAfter - cityBefore, dictionary));
      items.push(item);
    }
    for (const { after, before } of rows) {
      const item = element('li', 'coverage-change');
      item.dataset.code = after.code;
      const difference = after.share! - before!.share!;
      item.classList.add(difference >= 0 ? 'is-up' : 'is-down');
      item.textContent = dictionary.coverage.whatIf.change(after.name, formatShare(before!.share, dictionary, 1), formatShare(after.share, dictionary, 1), formatPoints(difference, dictionary));
      items.push(item);
    }
    if (rows.length === 0) {
      const item = element('li', 'coverage-change is-none');
      item.textContent = dictionary.coverage.whatIf.noChanges;
      items.push(item);
    }
    changesList.replaceChildren(...items);
  }

  // ---- the table ----
  const table = renderCoverageTable((code) => selectNeighbourhood(code));
  table.element.hidden = true;

  container.append(header, controls, statusBox, headline, legend, gapsRow, isochrones, whatIfBox, table.element);

  function shown(): CoverageAnswer | null {
    return whatIf?.after ?? base;
  }

  function renderStatus(): void {
    const dictionary = t();
    statusBox.replaceChildren();
    statusBox.dataset.kind = status.kind;
    // For the browser tests (and styling): what the panel shows now.
    container.dataset.state = status.kind === 'idle' ? (base ? 'ready' : 'idle') : status.kind;
    if (status.kind === 'idle') return;
    const message = element('p');
    const now = status;
    message.textContent =
      now.kind === 'unavailable' ? now.text(dictionary)
      : now.kind === 'error' ? dictionary.coverage.failed(now.message)
      : dictionary.coverage.loading;
    statusBox.append(message);
    if (status.kind === 'error') {
      const retry = element('button', 'button button--small');
      retry.type = 'button';
      retry.textContent = dictionary.coverage.retry;
      retry.addEventListener('click', () => refresh());
      statusBox.append(retry);
    }
  }

  function renderFigures(): void {
    const dictionary = t();
    const answer = shown();
    headline.hidden = answer === null;
    legend.hidden = answer === null;
    table.element.hidden = answer === null;
    if (!answer) return;
    const city = answer.city;
    headlineShare.textContent = formatShare(city.share, dictionary);
    headlineShare.style.color = city.share === null ? '' : 'inherit';
    const threshold = answer.threshold_m === 'any' ? 'any' : dictionary.coverage.thresholds[String(answer.threshold_m)];
    headlineText.textContent = dictionary.coverage.headline(formatNumber(city.population, dictionary, 0), dictionary.coverage.kindPhrase[answer.kind] ?? answer.kind, threshold);
    const facts: [string, string, string?][] = [
      [dictionary.coverage.median, formatMetres(city.median_m, dictionary)],
      [dictionary.coverage.p90, formatMetres(city.p90_m, dictionary)],
      [dictionary.coverage.unreachable, formatNumber(city.unreachable, dictionary, 0), dictionary.coverage.unreachableHint],
    ];
    headlineFacts.replaceChildren(
      ...facts.flatMap(([term, value, hint]) => {
        const dt = element('dt');
        dt.textContent = term;
        if (hint) dt.title = hint;
        const dd = element('dd');
        dd.textContent = value;
        return [dt, dd];
      }),
    );
    headlineDate.textContent = answer.date ? dictionary.coverage.onDate(formatDate(answer.date)) : '';

    const before = whatIf ? new Map(whatIf.before.neighbourhoods.map((entry) => [entry.code, entry.share])) : null;
    const rows: TableRow[] = answer.neighbourhoods.map((figures) => ({ figures, before: before ? (before.get(figures.code) ?? null) : undefined }));
    table.update(rows, whatIf !== null);
    drawChoropleth(answer);
  }

  function drawChoropleth(answer: CoverageAnswer): void {
    if (!mapInstalled) return;
    const byCode = new Map(answer.neighbourhoods.map((entry) => [entry.code, entry]));
    const before = whatIf ? new Map(whatIf.before.neighbourhoods.map((entry) => [entry.code, entry.share])) : null;
    const features: GeoJSON.Feature[] = [];
    for (const [code, feature] of neighbourhoods) {
      if (!feature.geometry) continue;
      const figures = byCode.get(code);
      features.push({
        type: 'Feature',
        geometry: feature.geometry as GeoJSON.Geometry,
        properties: { code, name: figures?.name ?? feature.properties.name, share: figures?.share ?? null, before: before?.get(code) ?? null, population: figures?.population ?? 0 },
      });
    }
    coverageMap.setChoropleth(features);
  }

  function renderAll(): void {
    renderStatus();
    renderFigures();
    renderWhatIf();
    coverageMap.setShopKinds(kindsCounted(query.kind));
    coverageMap.setWhatIf(added, removed);
  }
  onLang(() => renderAll());

  function selectNeighbourhood(code: string): void {
    const feature = neighbourhoods.get(code);
    if (!feature?.geometry) return;
    coverageMap.setSelected(feature.geometry);
    const box = geometryBbox(feature.geometry);
    if (box) map.fitBounds([box[0], box[1], box[2], box[3]], { padding: 60, maxZoom: 16, duration: 600 });
  }

  // ---- loading ----
  function refresh(): void {
    abortFigures?.abort();
    const controller = new AbortController();
    abortFigures = controller;
    status = { kind: 'loading' };
    renderAll();
    fetchCoverage({ ...query }, controller.signal)
      .then((answer) => {
        if (controller.signal.aborted) return;
        base = answer;
        status = { kind: 'idle' };
        // Show which day the figures speak about when none was chosen.
        if (!query.date && answer.date) dateInput.value = answer.date.slice(0, 10);
        if (added.length > 0 || removed.length > 0) runWhatIf();
        else whatIf = null;
        renderAll();
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        base = null;
        whatIf = null;
        status = isUnavailable(error) ? { kind: 'unavailable', text: (d) => d.coverage.unavailable } : { kind: 'error', message: error instanceof ApiError ? error.reason || String(error.status) : String(error) };
        if (!isUnavailable(error)) console.warn('genk atlas: coverage', error);
        renderAll();
      });
    if (gapsInput.checked) loadGaps();
  }

  let whatIfTimer: ReturnType<typeof setTimeout> | null = null;
  function runWhatIf(): void {
    abortWhatIf?.abort();
    if (whatIfTimer) clearTimeout(whatIfTimer);
    coverageMap.setWhatIf(added, removed);
    if (added.length === 0 && removed.length === 0) {
      whatIf = null;
      whatIfStatus = { kind: 'idle' };
      renderAll();
      return;
    }
    const controller = new AbortController();
    abortWhatIf = controller;
    whatIfStatus = { kind: 'loading' };
    renderWhatIf();
    // A short pause so quick successive clicks make one request.
    whatIfTimer = setTimeout(() => {
      fetchWhatIf({ ...query }, [...added], removed.map((entry) => entry.id), controller.signal)
        .then((answer) => {
          if (controller.signal.aborted) return;
          whatIf = answer;
          whatIfStatus = { kind: 'idle' };
          renderAll();
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted || isAbort(error)) return;
          whatIf = null;
          whatIfStatus = isUnavailable(error) ? { kind: 'unavailable', text: (d) => d.coverage.whatIf.unavailable } : { kind: 'error', message: error instanceof ApiError ? error.reason || String(error.status) : String(error) };
          if (!isUnavailable(error)) console.warn('genk atlas: coverage what-if', error);
          renderAll();
        });
    }, 120);
  }

  function loadGaps(): void {
    abortGaps?.abort();
    if (!gapsInput.checked) {
      coverageMap.setGaps(null);
      gapsNote.textContent = '';
      return;
    }
    const controller = new AbortController();
    abortGaps = controller;
    gapsNote.textContent = t().coverage.gapsLoading;
    fetchGaps({ ...query }, controller.signal)
      .then((collection) => {
        if (controller.signal.aborted) return;
        coverageMap.setGaps(collection);
        gapsNote.textContent = t().coverage.gapsCount(collection.features.length, formatNumber(collection.features.length, t(), 0));
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        coverageMap.setGaps(null);
        gapsNote.textContent = isUnavailable(error) ? t().coverage.gapsUnavailable : t().coverage.failed(String(error instanceof ApiError ? error.reason || error.status : error));
      });
  }

  function showIsochrones(shop: { id: string; properties: Record<string, unknown> }): void {
    abortIsochrones?.abort();
    const controller = new AbortController();
    abortIsochrones = controller;
    isochroneShop = { id: shop.id, name: String(shop.properties.address ?? shop.id) };
    isochroneState = 'loading';
    renderIsochrones();
    fetchIsochrones(shop.id, controller.signal)
      .then((collection) => {
        if (controller.signal.aborted) return;
        coverageMap.setIsochrones(collection);
        isochroneState = 'shown';
        renderIsochrones();
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        coverageMap.setIsochrones(null);
        isochroneState = 'unavailable';
        if (!isUnavailable(error)) console.warn('genk atlas: isochrones', error);
        renderIsochrones();
      });
  }

  // A click on a ringed shop (outside what-if mode) shows its walking reach.
  map.on('click', (event: MapMouseEvent) => {
    if (container.hidden || pick.active) return;
    const shop = coverageMap.shopAt(event.point);
    if (shop) showIsochrones(shop);
  });

  function start(): void {
    if (started) return;
    started = true;
    refresh();
    Promise.all([mapReady, fetchAllFeatures('neighbourhoods')])
      .then(([, features]) => {
        neighbourhoods = new Map(features.map((feature) => [String(feature.properties.code ?? feature.id), feature]));
        coverageMap.install();
        mapInstalled = true;
        container.dataset.map = 'ready';
        coverageMap.setVisible(!container.hidden);
        renderAll();
      })
      .catch((error: unknown) => console.warn('genk atlas: coverage map', error));
  }

  // The panel's map layers show only while the panel does; data loads on first view.
  const onShown = (): void => {
    if (!container.hidden) start();
    else if (pick.active) setPicking(false);
    if (mapInstalled) coverageMap.setVisible(!container.hidden);
  };
  new MutationObserver(onShown).observe(container, { attributes: true, attributeFilter: ['hidden'] });
  onShown();
  renderAll();
  renderIsochrones();
}
