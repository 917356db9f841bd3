// The feature popup: click a feature, read its properties under the field
// titles from `/api/layers` (Dutch or English), formatted for people.
//
// The tile's properties show at once; the full feature is then fetched from
// `/api/layers/{layer}/features/{id}` for its complete geometry (outlined on the
// map) and properties. Points aggregated at low zoom (no `id`) get a short
// "zoom in" popup instead. Escape closes the popup.

import * as maplibregl from 'maplibre-gl';
import type { MapGeoJSONFeature, Map as MapLibreMap, MapMouseEvent } from 'maplibre-gl';
import { fetchFeature, geometryBbox, type FieldInfo, type Geometry } from '../api';
import { link, linked } from '../link';
import { atlasLayerOf, layerTitle, swatchClass, type AtlasLayer } from '../catalogue';
import { fieldLabel, formatNumber, formatValue } from '../format';
import { clearHighlight, highlight, isHighlightLayer } from '../highlight';
import { onLang, pickTitle, t } from '../i18n';

/** Properties that name a feature, in order of preference, for the popup heading. */
const NAME_FIELDS = ['name', 'address', 'capakey', 'code'];
/** Properties that hold an aggregate's size (clusters, H3 cells). */
const COUNT_FIELDS = ['count', 'point_count', 'n_features', 'n'];
/** Fields that refer to a feature of another layer by id, shown by that feature's name. */
const REFERENCES: Record<string, string> = { park_id: 'business_parks', area_id: 'shopping_areas' };

export type NameLookup = (layerId: string, featureId: string) => string | undefined;

interface Hit {
  layer: AtlasLayer;
  featureId: string | null;
  properties: Record<string, unknown>;
  geometry: Geometry | null;
}

/** How far from the map's centre Enter looks for a feature, nearest first, in pixels. */
const KEYBOARD_RADII_PX = [6, 24, 60];

function hitsAt(map: MapLibreMap, catalogue: AtlasLayer[], point: maplibregl.Point, radius = 5): Hit[] {
  const rendered: MapGeoJSONFeature[] = map.queryRenderedFeatures([
    [point.x - radius, point.y - radius],
    [point.x + radius, point.y + radius],
  ]);
  // Labels lie on top of everything: what they name comes after the features
  // under the pointer (a shop beneath a street's name is the one clicked), and
  // an area's label point gives way to the area itself.
  const isLabel = (feature: MapGeoJSONFeature) => (feature.layer.metadata as Record<string, unknown> | undefined)?.['atlas:role'] === 'label';
  const features = [...rendered.filter((feature) => !isLabel(feature)), ...rendered.filter(isLabel)];
  const hits: Hit[] = [];
  const seen = new Set<string>();
  for (const feature of features) {
    if (isHighlightLayer(feature.layer.id)) continue;
    const layer = atlasLayerOf(catalogue, feature.layer.id);
    if (!layer) continue;
    const properties = { ...(feature.properties ?? {}) } as Record<string, unknown>;
    const rawId = properties.id ?? null;
    const featureId = rawId === null || rawId === undefined ? null : String(rawId);
    const key = `${layer.id}/${featureId ?? JSON.stringify(properties)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    hits.push({ layer, featureId, properties, geometry: (feature.geometry as Geometry) ?? null });
  }
  return hits;
}

function headingOf(hit: Hit): string {
  for (const name of NAME_FIELDS) {
    const value = hit.properties[name];
    if (typeof value === 'string' && value) return value;
  }
  return hit.featureId ?? layerTitle(hit.layer);
}

function aggregateCount(hit: Hit): number | null {
  for (const name of COUNT_FIELDS) {
    const value = Number(hit.properties[name]);
    if (Number.isFinite(value) && hit.properties[name] !== undefined) return value;
  }
  return null;
}

function fieldsFor(hit: Hit): FieldInfo[] {
  if (hit.layer.fields.length > 0) {
    // `/api/layers` lists the public fields; the confidential ones a signed-in role gets follow them.
    const listed = new Set(hit.layer.fields.map((field) => field.name));
    const titles = t().session.confidentialFields;
    const extra = Object.keys(hit.properties).filter((name) => !listed.has(name) && titles[name]);
    return [...hit.layer.fields, ...extra.map((name) => ({ name, type: 'text', title_nl: titles[name], title_en: titles[name] }))];
  }
  // A layer the API does not describe: show what the tile carries, under its own names.
  return Object.keys(hit.properties)
    .filter((name) => name !== 'id')
    .map((name) => ({ name, type: typeof hit.properties[name] === 'number' ? 'real' : 'text', title_nl: name, title_en: name }));
}

/** Extra controls under a feature's properties (e.g. "Bewerken" for the retail team); null for none. */
export type PopupAction = (layerId: string, featureId: string, properties: Record<string, unknown>) => HTMLElement | null;
const popupActions: PopupAction[] = [];

export function addPopupAction(action: PopupAction): void {
  popupActions.push(action);
}

/** Clicks a panel has answered itself (a shop's isochrones): the popup stays closed for them. */
const claimedClicks = new WeakSet<Event>();

/** Claim a map click for a panel; the popup's listener runs after the panels' (it is installed last). */
export function claimClick(event: MapMouseEvent): void {
  claimedClicks.add(event.originalEvent);
}

export interface PopupPanel {
  /** Close the popup and clear the selection. */
  close(): void;
  /** Fetch the feature shown again (after an edit), so the popup shows its new state; other popups close. */
  refresh(layerId: string, featureId: string): void;
  /** Open the popup of a feature named by layer and id. */
  open(layerId: string, featureId: string): void;
}

export function installPopup(map: MapLibreMap, catalogue: AtlasLayer[], lookupName: NameLookup): PopupPanel {
  const popup = new maplibregl.Popup({ maxWidth: '360px', className: 'atlas-popup', focusAfterOpen: true, closeOnClick: false });
  let current: { hits: Hit[]; index: number; loading: boolean } | null = null;
  let abort: AbortController | null = null;

  function render(): void {
    if (!current) return;
    const dictionary = t();
    const hit = current.hits[current.index];
    const root = document.createElement('article');
    root.className = 'popup';
    root.dataset.layer = hit.layer.id;
    if (hit.featureId) root.dataset.featureId = hit.featureId;

    const kicker = document.createElement('p');
    kicker.className = 'popup-layer';
    const dot = document.createElement('span');
    dot.className = swatchClass(hit.layer);
    dot.style.setProperty('--swatch', hit.layer.legend);
    dot.setAttribute('aria-hidden', 'true');
    kicker.append(dot, document.createTextNode(layerTitle(hit.layer)));

    const heading = document.createElement('h3');
    heading.className = 'popup-title';
    root.append(kicker, heading);

    const count = hit.featureId === null ? aggregateCount(hit) : null;
    if (hit.featureId === null) {
      heading.textContent = count === null ? layerTitle(hit.layer) : dictionary.popup.aggregate(count, formatNumber(count, dictionary, 0));
      // Clusters carry totals of numeric fields (residents' population, companies' employees).
      const totals = hit.layer.fields.filter((field) => typeof hit.properties[field.name] === 'number');
      if (totals.length > 0) {
        const list = document.createElement('dl');
        list.className = 'popup-fields';
        for (const field of totals) {
          const term = document.createElement('dt');
          term.textContent = `${fieldLabel(field, pickTitle(field, field.name))} (${dictionary.popup.aggregateTotal.toLowerCase()})`;
          const value = document.createElement('dd');
          value.dataset.field = field.name;
          value.textContent = formatValue(field, hit.properties[field.name], dictionary) ?? dictionary.popup.empty;
          list.append(term, value);
        }
        root.append(list);
      }
      const zoom = document.createElement('button');
      zoom.type = 'button';
      zoom.className = 'button button--small';
      zoom.textContent = dictionary.popup.zoomForDetails;
      zoom.addEventListener('click', () => {
        const at = popup.getLngLat();
        popup.remove();
        map.easeTo({ center: at, zoom: Math.min(map.getZoom() + 2, map.getMaxZoom()) });
      });
      root.append(zoom);
    } else {
      heading.textContent = headingOf(hit);
      const list = document.createElement('dl');
      list.className = 'popup-fields';
      for (const field of fieldsFor(hit)) {
        const raw = hit.properties[field.name];
        let shown = formatValue(field, raw, dictionary);
        const referenced = REFERENCES[field.name];
        if (referenced && typeof raw === 'string' && raw) shown = lookupName(referenced, raw) ?? shown;
        const term = document.createElement('dt');
        term.textContent = fieldLabel(field, pickTitle(field, field.name));
        const value = document.createElement('dd');
        value.dataset.field = field.name;
        if (shown === null) {
          value.textContent = dictionary.popup.empty;
          value.classList.add('is-empty');
        } else {
          value.textContent = shown;
        }
        list.append(term, value);
      }
      root.append(list);
      for (const action of popupActions) {
        const control = action(hit.layer.id, hit.featureId, hit.properties);
        if (control) root.append(control);
      }
      if (current.loading) {
        const loading = document.createElement('p');
        loading.className = 'popup-status';
        loading.textContent = dictionary.popup.loading;
        root.append(loading);
      }
    }

    const distinct = new Set(current.hits.map((other) => `${other.layer.id}/${headingOf(other)}`));
    const others = distinct.size - 1;
    if (others > 0) {
      const more = document.createElement('div');
      more.className = 'popup-more';
      const label = document.createElement('p');
      label.textContent = dictionary.popup.more(others);
      const buttons = document.createElement('div');
      buttons.className = 'popup-more-list';
      const shown = new Set([`${hit.layer.id}/${headingOf(hit)}`]);
      current.hits.forEach((other, index) => {
        // Segments of the same street (same layer, same name) are one chip.
        const key = `${other.layer.id}/${headingOf(other)}`;
        if (index === current!.index || shown.has(key)) return;
        shown.add(key);
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'chip';
        button.textContent = `${layerTitle(other.layer)}: ${headingOf(other)}`;
        button.addEventListener('click', () => select(index));
        buttons.append(button);
      });
      more.append(label, buttons);
      root.append(more);
    }
    popup.setDOMContent(root);
    const close = popup.getElement()?.querySelector('.maplibregl-popup-close-button');
    close?.setAttribute('aria-label', dictionary.popup.close);
    close?.setAttribute('title', dictionary.popup.close);
  }

  /** Show hit `index`; with `fresh`, its properties are the fetched feature's alone (after an edit). */
  function select(index: number, fresh = false): void {
    if (!current) return;
    current.index = index;
    const hit = current.hits[index];
    link('feature', hit.featureId ? `${hit.layer.id}/${hit.featureId}` : null);
    abort?.abort();
    abort = null;
    highlight(map, hit.geometry && hit.featureId ? [hit.geometry] : []);
    current.loading = hit.featureId !== null;
    render();
    if (hit.featureId === null) return;
    const controller = new AbortController();
    abort = controller;
    const expected = current;
    fetchFeature(hit.layer.id, hit.featureId, controller.signal)
      .then((feature) => {
        if (current !== expected || controller.signal.aborted) return;
        hit.properties = fresh ? { id: hit.featureId, ...feature.properties } : { ...hit.properties, ...feature.properties };
        if (feature.geometry) {
          hit.geometry = feature.geometry;
          highlight(map, [feature.geometry]);
        }
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) console.warn('genk atlas: feature details', error);
      })
      .finally(() => {
        if (current !== expected || controller.signal.aborted) return;
        current.loading = false;
        render();
      });
  }

  function openAt(hits: Hit[], lngLat: maplibregl.LngLat): void {
    current = { hits, index: 0, loading: false };
    popup.setLngLat(lngLat);
    if (!popup.isOpen()) popup.addTo(map);
    select(0);
  }

  map.on('click', (event: MapMouseEvent) => {
    if (claimedClicks.has(event.originalEvent)) return;
    const hits = hitsAt(map, catalogue, event.point);
    if (hits.length === 0) {
      close();
      return;
    }
    openAt(hits, event.lngLat);
  });

  // From the keyboard: Enter on the focused map opens what lies nearest its centre
  // (the pick modes, when on, take Enter first). The popup's own list offers the others.
  const canvas = map.getCanvas();
  canvas.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    const centre = map.project(map.getCenter());
    for (const radius of KEYBOARD_RADII_PX) {
      const hits = hitsAt(map, catalogue, centre, radius).filter((hit) => hit.layer.id !== bottomLayer || radius === KEYBOARD_RADII_PX[KEYBOARD_RADII_PX.length - 1]);
      if (hits.length === 0) continue;
      event.preventDefault();
      openAt(hits, map.getCenter());
      return;
    }
  });

  // Tab past the popup's last control (or before its first) goes back to the map, where Escape
  // still closes it, not to the page. One listener on the map's container, which holds the popup.
  map.getContainer().addEventListener('keydown', (event) => {
    const element = popup.getElement();
    if (event.key !== 'Tab' || !popup.isOpen() || !element?.contains(event.target as Node)) return;
    const controls = [...element.querySelectorAll<HTMLElement>('button, a[href], input, select')];
    const edge = event.shiftKey ? controls[0] : controls[controls.length - 1];
    if (document.activeElement !== edge) return;
    event.preventDefault();
    canvas.focus();
  });

  popup.on('close', () => {
    abort?.abort();
    current = null;
    clearHighlight(map);
    link('feature', null);
  });

  /** Open the popup of one feature, fetched by id, at its centre (which must be on the map). */
  function openFeature(layerId: string, featureId: string): void {
    const layer = catalogue.find((candidate) => candidate.id === layerId);
    if (!layer) return;
    fetchFeature(layer.id, featureId)
      .then((feature) => {
        if (!feature.geometry) return;
        const [minLon, minLat, maxLon, maxLat] = geometryBbox(feature.geometry)!;
        openAt([{ layer, featureId, properties: { ...feature.properties, id: featureId }, geometry: feature.geometry }], new maplibregl.LngLat((minLon + maxLon) / 2, (minLat + maxLat) / 2));
      })
      .catch((error: unknown) => console.warn('genk atlas: open a feature', error));
  }

  // A link that names a feature (`?feature=shop_units/unit-0045`) opens its popup, on the map the link shows.
  const named = linked('feature');
  const slash = named?.indexOf('/') ?? -1;
  if (named && slash > 0) openFeature(named.slice(0, slash), named.slice(slash + 1));

  map.getContainer().addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && popup.isOpen()) popup.remove();
  });

  // A pointer over anything but the bottom (area-covering) layer says "click me".
  const bottomLayer = catalogue[catalogue.length - 1]?.id;
  map.on('mousemove', (event) => {
    const hits = hitsAt(map, catalogue, event.point);
    map.getCanvas().style.cursor = hits.some((hit) => hit.layer.id !== bottomLayer) ? 'pointer' : '';
  });

  onLang(() => render());

  function close(): void {
    if (popup.isOpen()) popup.remove();
    else clearHighlight(map);
  }
  function refresh(layerId: string, featureId: string): void {
    const hit = current?.hits[current.index];
    if (current && hit && hit.layer.id === layerId && hit.featureId === featureId) select(current.index, true);
    else close();
  }
  return { close, refresh, open: openFeature };
}
