// The map panel: MapLibre with the atlas's own style, controls and the URL hash.
//
// The style comes from the server (`/tiles/style.json`): one vector source per
// atlas layer and style layers tagged with `metadata["atlas:layer"]`. Nothing
// is loaded from outside the atlas: no basemap, sprites or fonts from the web;
// the labels' glyphs come from the atlas (`/fonts/{fontstack}/{range}.pbf`). The
// map position lives in the URL hash as `#zoom/lat/lon`, so a link reopens the
// same view.

import * as maplibregl from 'maplibre-gl';
import type { Map as MapLibreMap, StyleSpecification, LayerSpecification, ErrorEvent } from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { fetchStyle } from './api';
import { AttributionControl } from './attribution';
import { bindText, onLang, t } from './i18n';

maplibregl.setWorkerUrl(workerUrl);

/** Before the style is in: the whole world (the style names the city). */
const WORLD_VIEW = { center: [0, 0] as [number, number], zoom: 1 };

/** The city's box `[west, south, east, north]` from the style, if it has one. */
function cityBounds(style: StyleSpecification): [number, number, number, number] | null {
  const bounds = (style.metadata as Record<string, unknown> | undefined)?.['atlas:bounds'];
  return Array.isArray(bounds) && bounds.length === 4 && bounds.every(Number.isFinite)
    ? (bounds as [number, number, number, number])
    : null;
}

/** Where the style lists which atlas layer a style layer draws, and how to name it. */
export interface AtlasLayerMetadata {
  'atlas:layer': string;
  'atlas:title_nl'?: string;
  'atlas:title_en'?: string;
  /** The legend colour, or the entries of a layer coloured by a field. */
  'atlas:legend'?: string | LegendEntry[];
  'atlas:legend_color'?: string;
  'atlas:legend_field'?: string | null;
  'atlas:geometry_type'?: string;
  /** Points: `dot` (the data's points) or `ring` (a known place, a white dot in a ring). */
  'atlas:marker'?: string | null;
}

/** One class of a layer coloured by a field (e.g. shop units by status). */
export interface LegendEntry {
  value: string;
  color: string;
  title_nl?: string;
  title_en?: string;
}

export function atlasMetadata(layer: { metadata?: unknown }): AtlasLayerMetadata | null {
  const metadata = layer.metadata as Partial<AtlasLayerMetadata> | undefined;
  return metadata && typeof metadata['atlas:layer'] === 'string' ? (metadata as AtlasLayerMetadata) : null;
}

/** Relative URLs (`/tiles/...`) made absolute, since tiles are fetched in a worker. */
function absolute(url: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : new URL(url, location.origin).href;
}

/**
 * Layers the city map opens with switched off: the residents are the weights
 * of the coverage analysis, thousands of address points that would bury the
 * map. A view choice of the front end; every layer keeps its toggle.
 */
export const INITIALLY_HIDDEN = new Set(['residents']);

/** A URL template (`{fontstack}`, `{range}`) made absolute without encoding its braces. */
function absoluteTemplate(template: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(template) ? template : `${location.origin}${template.startsWith('/') ? '' : '/'}${template}`;
}

function prepareStyle(style: StyleSpecification): StyleSpecification {
  const sources = Object.fromEntries(
    Object.entries(style.sources).map(([id, source]) => {
      const copy = { ...source } as Record<string, unknown>;
      if (typeof copy.url === 'string') copy.url = absolute(copy.url);
      if (Array.isArray(copy.tiles)) copy.tiles = (copy.tiles as string[]).map(absolute);
      return [id, copy];
    }),
  ) as StyleSpecification['sources'];
  const layers: LayerSpecification[] = style.layers.map((layer) => {
    const metadata = atlasMetadata(layer);
    if (!metadata || !INITIALLY_HIDDEN.has(metadata['atlas:layer'])) return layer;
    return { ...layer, layout: { ...(layer.layout ?? {}), visibility: 'none' } } as LayerSpecification;
  });
  if (!layers.some((layer) => layer.type === 'background')) {
    // The atlas has no basemap tiles: a quiet paper colour under its own layers.
    layers.unshift({ id: 'atlas-background', type: 'background', paint: { 'background-color': '#f3f2ee' } });
  }
  const prepared: StyleSpecification = { ...style, sources, layers };
  if (typeof prepared.glyphs === 'string') prepared.glyphs = absoluteTemplate(prepared.glyphs);
  delete prepared.sprite;
  return prepared;
}

function controlLocale(dictionary = t()): Record<string, string> {
  return {
    'NavigationControl.ZoomIn': dictionary.map.zoomIn,
    'NavigationControl.ZoomOut': dictionary.map.zoomOut,
    'NavigationControl.ResetBearing': dictionary.map.resetBearing,
    'Popup.Close': dictionary.popup.close,
  };
}

/** MapLibre reads its control labels once; set them again when the language changes. */
function relabelControls(container: HTMLElement): void {
  const dictionary = t();
  const labels: [string, string][] = [
    ['.maplibregl-ctrl-zoom-in', dictionary.map.zoomIn],
    ['.maplibregl-ctrl-zoom-out', dictionary.map.zoomOut],
    ['.maplibregl-ctrl-compass', dictionary.map.resetBearing],
  ];
  for (const [selector, label] of labels) {
    for (const button of container.querySelectorAll<HTMLElement>(selector)) {
      button.title = label;
      button.setAttribute('aria-label', label);
    }
  }
}

export interface MapPanel {
  map: MapLibreMap;
  /** Resolves when the style has loaded; rejects when it cannot. */
  ready: Promise<void>;
  /** The credits in the corner; given the sources once `/api/layers` is in. */
  credits: AttributionControl;
}

/** Build the map in `container` with a status overlay in `status`. */
export function createMap(container: HTMLElement, status: HTMLElement): MapPanel {
  const hashAtStart = /^#\d+(\.\d+)?\/-?\d+(\.\d+)?\/-?\d+(\.\d+)?/.test(location.hash);
  const map = new maplibregl.Map({
    container,
    style: { version: 8, sources: {}, layers: [{ id: 'atlas-background', type: 'background', paint: { 'background-color': '#f3f2ee' } }] },
    center: WORLD_VIEW.center,
    zoom: WORLD_VIEW.zoom,
    hash: true,
    maxZoom: 20,
    // The atlas's own credits control (attribution.ts) instead of MapLibre's.
    attributionControl: false,
    locale: controlLocale(),
    cooperativeGestures: false,
    // TileJSON may list tile URLs as paths; tiles are fetched in a worker, so make them absolute.
    transformRequest: (url) => ({ url: absolute(url) }),
  });
  map.getCanvas().setAttribute('aria-label', t().map.label);
  bindText(map.getCanvas(), (dictionary) => dictionary.map.label, 'aria-label');

  map.addControl(new maplibregl.NavigationControl({ visualizePitch: false, showCompass: true }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');
  const credits = new AttributionControl();
  map.addControl(credits, 'bottom-right');
  onLang(() => relabelControls(container));

  const showStatus = (kind: 'loading' | 'error' | 'none'): void => {
    status.hidden = kind === 'none';
    status.dataset.kind = kind;
    status.replaceChildren();
    if (kind === 'none') return;
    const message = document.createElement('p');
    bindText(message, (dictionary) => (kind === 'loading' ? dictionary.map.loading : dictionary.map.error));
    status.append(message);
    if (kind === 'error') {
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'button';
      bindText(retry, (dictionary) => dictionary.map.retry);
      retry.addEventListener('click', () => location.reload());
      status.append(retry);
    }
  };
  showStatus('loading');

  const ready = (async () => {
    try {
      const style = prepareStyle(await fetchStyle());
      await new Promise<void>((resolve, reject) => {
        map.once('style.load', () => resolve());
        map.once('error', (event: ErrorEvent) => reject(event.error));
        map.setStyle(style, { diff: false });
      });
      // The atlas opens on the whole city (the style's bounds, from the
      // data), unless a link names a view.
      if (!hashAtStart) {
        const bounds = cityBounds(style);
        if (bounds) map.fitBounds(bounds, { padding: 16, animate: false });
        else map.jumpTo({ center: style.center as [number, number], zoom: style.zoom ?? WORLD_VIEW.zoom });
      }
      map.once('idle', () => showStatus('none'));
      relabelControls(container);
    } catch (error) {
      console.error('genk atlas: the style could not be loaded', error);
      showStatus('error');
      throw error;
    }
  })();
  return { map, ready, credits };
}
