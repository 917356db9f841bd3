// The layer panel: one switch per atlas layer with its legend swatch and count.
//
// Toggling a layer sets `visibility` on every style layer that draws it (and
// the link names the visible ones, `?layers=`). A layer whose style starts at
// a higher zoom says from which zoom it shows. A layer coloured by a field
// lists its classes, each a switch that filters the layer (only vacant units).

import type { FilterSpecification, Map as MapLibreMap } from 'maplibre-gl';
import { atlasMetadata } from '../map';
import { layerTitle, swatchClass, type AtlasLayer } from '../catalogue';
import { bindText, onLang, pickTitle, t } from '../i18n';
import { formatNumber } from '../format';
import { link, linked } from '../link';

/** Whether any style layer of `layer` is switched on. */
export function isLayerVisible(map: MapLibreMap, layer: AtlasLayer): boolean {
  return layer.styleLayerIds.some((id) => map.getLayoutProperty(id, 'visibility') !== 'none');
}

export function setLayerVisible(map: MapLibreMap, layer: AtlasLayer, visible: boolean): void {
  for (const id of layer.styleLayerIds) map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
}

/** Each style layer's own filter, before the legend added to it. */
const ownFilters = new Map<string, unknown>();

/**
 * Draw only the features of `layer` whose legend value is in `shown` (all of
 * them when every class is on). Aggregates without the field (clusters at low
 * zoom) stay: they count every class.
 */
function filterByLegend(map: MapLibreMap, layer: AtlasLayer, shown: Set<string>): void {
  const field = layer.legendField;
  if (!field) return;
  const everything = layer.legendEntries.every((entry) => shown.has(entry.value));
  for (const id of layer.styleLayerIds) {
    if (!ownFilters.has(id)) ownFilters.set(id, map.getFilter(id) ?? null);
    const own = ownFilters.get(id) as FilterSpecification | null;
    const legend: FilterSpecification = ['any', ['!', ['has', field]], ['in', ['get', field], ['literal', [...shown]]]];
    map.setFilter(id, (everything ? own : own ? ['all', own, legend] : legend) as FilterSpecification | null);
  }
}

/** What follows the layer switches: the panel's `sync` (and whoever else listens). */
const visibilityListeners = new Set<() => void>();

/**
 * Switch on the atlas layers `ids` (every style layer that draws them), for a
 * task that needs them on the map (the canal and the quays when a site must
 * lie on the quay); the layer panel follows.
 */
export function showAtlasLayers(map: MapLibreMap, ids: string[]): void {
  let changed = false;
  for (const styleLayer of map.getStyle()?.layers ?? []) {
    const layerId = atlasMetadata(styleLayer)?.['atlas:layer'];
    if (!layerId || !ids.includes(layerId) || map.getLayoutProperty(styleLayer.id, 'visibility') !== 'none') continue;
    map.setLayoutProperty(styleLayer.id, 'visibility', 'visible');
    changed = true;
  }
  if (changed) for (const listener of visibilityListeners) listener();
}

function swatch(layer: AtlasLayer, colour = layer.legend): HTMLElement {
  const element = document.createElement('span');
  element.className = swatchClass(layer);
  element.style.setProperty('--swatch', colour);
  element.setAttribute('aria-hidden', 'true');
  return element;
}

/** Fill `container` with the panel; returns a function that re-reads the map state. */
export function renderLayerPanel(container: HTMLElement, map: MapLibreMap, catalogue: AtlasLayer[]): () => void {
  container.replaceChildren();
  container.classList.add('layer-panel');

  const header = document.createElement('div');
  header.className = 'panel-header';
  const heading = document.createElement('h2');
  heading.id = 'layers-heading';
  heading.className = 'panel-title';
  bindText(heading, (dictionary) => dictionary.layers.heading);
  const intro = document.createElement('p');
  intro.className = 'panel-intro';
  bindText(intro, (dictionary) => dictionary.layers.intro);
  header.append(heading, intro);

  const list = document.createElement('ul');
  list.className = 'layer-list';
  list.setAttribute('aria-labelledby', heading.id);

  const rows: { layer: AtlasLayer; row: HTMLLIElement; input: HTMLInputElement; hint: HTMLElement }[] = [];
  for (const layer of catalogue) {
    const row = document.createElement('li');
    row.className = 'layer-row';
    row.dataset.layer = layer.id;

    const input = document.createElement('input');
    input.type = 'checkbox';
    input.className = 'layer-toggle';
    input.id = `layer-toggle-${layer.id}`;
    input.dataset.layer = layer.id;

    const label = document.createElement('label');
    label.className = 'layer-label';
    label.htmlFor = input.id;
    const title = document.createElement('span');
    title.className = 'layer-title';
    title.id = `layer-title-${layer.id}`;
    const count = document.createElement('span');
    count.className = 'layer-count';
    count.id = `layer-count-${layer.id}`;
    const hint = document.createElement('span');
    hint.className = 'layer-hint';
    hint.id = `layer-hint-${layer.id}`;
    const text = document.createElement('span');
    text.className = 'layer-text';
    text.append(title, hint);
    label.append(swatch(layer), text, count);
    // The switch is named by the layer title alone; count and hint describe it.
    input.setAttribute('aria-labelledby', title.id);
    input.setAttribute('aria-describedby', `${count.id} ${hint.id}`);

    onLang((dictionary) => {
      title.textContent = layerTitle(layer);
      count.textContent = layer.count === null ? '' : formatNumber(layer.count, dictionary, 0);
      count.title = layer.count === null ? '' : dictionary.layers.features(formatNumber(layer.count, dictionary, 0));
    });

    if (layer.styleLayerIds.length === 0) {
      input.disabled = true;
      row.classList.add('is-unstyled');
      bindText(hint, (dictionary) => dictionary.layers.noStyle);
    }
    input.addEventListener('change', () => {
      setLayerVisible(map, layer, input.checked);
      sync();
      linkVisible();
    });
    const main = document.createElement('div');
    main.className = 'layer-main';
    main.append(input, label);
    row.append(main);
    if (layer.legendEntries.length > 0) {
      // A layer coloured by a field (shop units by status, ...) lists its classes.
      const entries = document.createElement('ul');
      entries.className = 'legend-entries';
      bindText(entries, (dictionary) => `${dictionary.layers.legend}: ${layerTitle(layer)}`, 'aria-label');
      // Each class is a switch: switched off, its features leave the map (a filter on the layer).
      const shown = new Set(layer.legendEntries.map((entry) => entry.value));
      const buttons: HTMLButtonElement[] = [];
      for (const entry of layer.legendEntries) {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'legend-entry';
        button.dataset.value = entry.value;
        button.setAttribute('aria-pressed', 'true');
        const name = document.createElement('span');
        onLang((dictionary) => {
          const label = pickTitle(entry, dictionary.values[layer.legendField ?? '']?.[entry.value] ?? entry.value);
          name.textContent = label;
          button.title = dictionary.layers.filterEntry(label);
        });
        button.addEventListener('click', () => {
          if (shown.has(entry.value)) shown.delete(entry.value);
          else shown.add(entry.value);
          button.setAttribute('aria-pressed', String(shown.has(entry.value)));
          filterByLegend(map, layer, shown);
        });
        button.append(swatch(layer, entry.color), name);
        item.append(button);
        entries.append(item);
        buttons.push(button);
      }
      row.append(entries);
    }
    list.append(row);
    rows.push({ layer, row, input, hint });
  }

  container.append(header, list);

  // A link names the visible layers once one is switched (`?layers=shop_units,streets`).
  const styled = catalogue.filter((layer) => layer.styleLayerIds.length > 0);
  const linkVisible = () => link('layers', styled.filter((layer) => isLayerVisible(map, layer)).map((layer) => layer.id).join(',') || 'none');
  const opened = linked('layers');
  if (opened !== null) {
    const shown = new Set(opened.split(','));
    for (const layer of styled) setLayerVisible(map, layer, shown.has(layer.id));
  }

  function sync(): void {
    const zoom = map.getZoom();
    const dictionary = t();
    for (const { layer, row, input, hint } of rows) {
      if (layer.styleLayerIds.length === 0) continue;
      input.checked = isLayerVisible(map, layer);
      const outOfRange = zoom < layer.minzoom;
      row.classList.toggle('is-hidden', !input.checked);
      row.classList.toggle('is-out-of-range', input.checked && outOfRange);
      hint.textContent = input.checked && outOfRange ? dictionary.layers.zoomIn(formatNumber(layer.minzoom, dictionary, 1)) : '';
    }
  }
  map.on('zoomend', sync);
  onLang(sync);
  visibilityListeners.add(() => {
    sync();
    linkVisible();
  });
  return sync;
}
