// The Buurtaanbod (neighbourhood shop coverage) task: who lives within walking
// distance of daily shops, per neighbourhood, and what changes when a shop
// opens or closes.
//
// The planner picks a kind of shop and a walking distance
// (coverage-controls.ts); the panel fetches `/api/coverage` and shows the
// city's share (coverage-figures.ts), a choropleth of the share per
// neighbourhood with its legend (polygons from the `neighbourhoods` layer,
// joined by code; coverage-map.ts) and a sortable table (coverage-table.ts).
// Options: the residents beyond reach and a clicked shop's walking isochrones
// (coverage-reach.ts), and a what-if mode where clicks on the map add
// imagined shops or remove existing ones (coverage-whatif.ts); the map,
// headline and table then show the shares after the change.
// Nothing is fetched until the panel is first opened; a server without the
// coverage routes (404) gets a quiet message, not an error.

import './coverage-panel.css';
import type { Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { fetchAllFeatures, geometryBbox, type Feature } from '../api';
import { bindText, onLang, t } from '../i18n';
import { fetchCoverage, isAbort, isUnavailable, kindsCounted, reasonOf, SHOP_KINDS, THRESHOLDS, type CoverageAnswer, type CoverageQuery } from './coverage-api';
import { linked } from '../link';
import { renderCoverageControls } from './coverage-controls';
import { renderHeadline, renderLegend } from './coverage-figures';
import { CoverageMap } from './coverage-map';
import { renderGapsOption, renderIsochrones } from './coverage-reach';
import { formatMetres, formatShare, renderCoverageTable, type TableRow } from './coverage-table';
import { addPopupAction, claimClick } from './popup';
import { renderWhatIf } from './coverage-whatif';

type Status = { kind: 'idle' | 'loading' | 'unavailable' } | { kind: 'error'; message: string };

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  return created;
}

export function renderCoveragePanel(container: HTMLElement, map: MapLibreMap, mapReady: Promise<unknown>): void {
  container.replaceChildren();
  container.classList.add('coverage-panel');

  // A link may name the question (`?kind=bakery&threshold=400`); otherwise the daily basket at 800 m.
  const linkedKind = SHOP_KINDS.find((kind) => kind === linked('kind'));
  const linkedThreshold = THRESHOLDS.find((threshold) => String(threshold) === linked('threshold'));
  const query: CoverageQuery = { kind: linkedKind ?? 'daily', threshold: linkedThreshold ?? 800, date: '' };
  let base: CoverageAnswer | null = null;
  let status: Status = { kind: 'idle' };
  let neighbourhoods = new Map<string, Feature>();
  let abort: AbortController | null = null;
  let started = false;
  let mapInstalled = false;
  const coverageMap = new CoverageMap(map);

  const header = element('div', 'panel-header');
  const title = element('h2', 'panel-title');
  bindText(title, (dictionary) => dictionary.coverage.title);
  const intro = element('p', 'panel-intro');
  bindText(intro, (dictionary) => dictionary.coverage.intro);
  header.append(title, intro);

  const controls = renderCoverageControls(query, () => {
    refresh();
    whatIf.rerun();
  });
  const statusBox = element('div', 'coverage-status');
  statusBox.setAttribute('role', 'status');
  statusBox.setAttribute('aria-live', 'polite');
  const headline = renderHeadline();
  const legend = renderLegend();
  const gaps = renderGapsOption(coverageMap, () => query);
  const isochrones = renderIsochrones(coverageMap);
  const whatIf = renderWhatIf(map, coverageMap, () => query, () => renderAll());
  const table = renderCoverageTable((code) => selectNeighbourhood(code));
  table.element.hidden = true;
  container.append(header, controls.element, statusBox, headline.element, legend, gaps.element, isochrones.element, whatIf.element, table.element);

  function renderStatus(): void {
    const dictionary = t();
    statusBox.replaceChildren();
    // For the browser tests (and styling): what the panel shows now.
    container.dataset.state = status.kind === 'idle' ? (base ? 'ready' : 'idle') : status.kind;
    container.dataset.whatif = whatIf.state();
    if (status.kind === 'idle') return;
    const message = element('p');
    const now = status;
    message.textContent =
      now.kind === 'unavailable' ? dictionary.coverage.unavailable
      : now.kind === 'error' ? dictionary.coverage.failed(now.message)
      : dictionary.coverage.loading;
    statusBox.append(message);
    if (now.kind === 'error') {
      const retry = element('button', 'button button--small');
      retry.type = 'button';
      retry.textContent = dictionary.coverage.retry;
      retry.addEventListener('click', () => refresh());
      statusBox.append(retry);
    }
  }

  /** The figures shown: after the what-if edits when there is an answer for them, else today's. */
  function renderFigures(): void {
    const after = whatIf.answer();
    const answer = after?.after ?? base;
    headline.update(answer);
    legend.hidden = answer === null;
    table.element.hidden = answer === null;
    if (!answer) return;
    const before = after ? new Map(after.before.neighbourhoods.map((entry) => [entry.code, entry.share])) : null;
    const rows: TableRow[] = answer.neighbourhoods.map((figures) => ({ figures, before: before ? (before.get(figures.code) ?? null) : undefined }));
    table.update(rows, before !== null);
    if (!mapInstalled) return;
    const byCode = new Map(answer.neighbourhoods.map((entry) => [entry.code, entry]));
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
    coverageMap.setShopKinds(kindsCounted(query.kind));
  }
  onLang(() => renderAll());

  function selectNeighbourhood(code: string): void {
    const feature = neighbourhoods.get(code);
    if (!feature?.geometry) return;
    coverageMap.setSelected(feature.geometry);
    const box = geometryBbox(feature.geometry);
    if (box) map.fitBounds([box[0], box[1], box[2], box[3]], { padding: 60, maxZoom: 16, duration: 600 });
  }

  function refresh(): void {
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    status = { kind: 'loading' };
    renderAll();
    fetchCoverage({ ...query }, controller.signal)
      .then((answer) => {
        if (controller.signal.aborted) return;
        base = answer;
        status = { kind: 'idle' };
        if (answer.date) controls.showDate(answer.date);
        renderAll();
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || isAbort(error)) return;
        base = null;
        status = isUnavailable(error) ? { kind: 'unavailable' } : { kind: 'error', message: reasonOf(error) };
        if (!isUnavailable(error)) console.warn('genk atlas: coverage', error);
        renderAll();
      });
    gaps.reload();
  }

  // A neighbourhood's popup says its share while the panel is open.
  addPopupAction((layerId, _featureId, properties) => {
    const answer = whatIf.answer()?.after ?? base;
    if (layerId !== 'neighbourhoods' || container.hidden || !answer) return null;
    const figures = answer.neighbourhoods.find((entry) => entry.code === String(properties.code ?? ''));
    if (!figures) return null;
    const dictionary = t();
    const threshold = answer.threshold_m === 'any' ? 'any' : dictionary.coverage.thresholds[String(answer.threshold_m)];
    const line = element('p', 'popup-coverage');
    line.textContent = dictionary.coverage.popup(formatShare(figures.share, dictionary), dictionary.coverage.kindPhrase[answer.kind] ?? answer.kind, threshold, formatMetres(figures.median_m, dictionary));
    return line;
  });

  // A click on a ringed shop (outside what-if mode, which takes the clicks) shows its walking reach.
  map.on('click', (event: MapMouseEvent) => {
    if (container.hidden || whatIf.picking) return;
    const shop = coverageMap.shopAt(event.point);
    if (!shop) return;
    claimClick(event);
    isochrones.show(shop);
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
    else whatIf.stop();
    if (mapInstalled) coverageMap.setVisible(!container.hidden);
  };
  new MutationObserver(onShown).observe(container, { attributes: true, attributeFilter: ['hidden'] });
  onShown();
  renderAll();
}
