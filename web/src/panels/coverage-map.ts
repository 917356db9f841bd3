// What the Buurtaanbod panel draws on the map: the choropleth of the share
// covered per neighbourhood, the residents beyond the threshold (gaps), a
// shop's walking isochrones, the shops of the chosen kind, and the what-if
// shops (added ones as markers, removed ones crossed out).
//
// All of it lives in GeoJSON sources and style layers named `coverage-*`,
// added once the server's style has loaded: the choropleth above the atlas's
// area layers (so parcels do not hide it) and under its lines and points; the
// points on top. The shops of the kind are drawn from the atlas's own
// `shop_units` vector tiles, so nothing is fetched twice.

import type { ExpressionSpecification, FilterSpecification, GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Geometry } from '../api';
import { isochroneDistance, type AddedShop } from './coverage-api';

/** The share classes of the legend: lower bounds and colours, poor coverage warm, good cool. */
export const SHARE_CLASSES: { from: number; to: number; colour: string }[] = [
  { from: 0, to: 0.2, colour: '#c2372b' },
  { from: 0.2, to: 0.4, colour: '#f08a52' },
  { from: 0.4, to: 0.6, colour: '#f6d77c' },
  { from: 0.6, to: 0.8, colour: '#8fbfdc' },
  { from: 0.8, to: 1.0001, colour: '#3a6fb0' },
];
export const NO_RESIDENTS_COLOUR = '#c4c9ce';
/** Isochrone colours from the nearest (400 m) to the farthest (1,200 m). */
export const ISOCHRONE_COLOURS: Record<number, string> = { 400: '#1f7a4d', 800: '#4fa36f', 1200: '#a3d4a8' };
export const GAP_COLOUR = '#c0267e';
export const UNREACHABLE_COLOUR = '#4b5563';
export const ADDED_COLOUR = '#0a7d3a';

export function shareColour(share: number | null): string {
  if (share === null) return NO_RESIDENTS_COLOUR;
  return (SHARE_CLASSES.find((entry) => share < entry.to) ?? SHARE_CLASSES[SHARE_CLASSES.length - 1]).colour;
}

const CHOROPLETH = 'coverage-choropleth';
const SELECTED = 'coverage-selected';
const ISOCHRONES = 'coverage-isochrones';
const GAPS = 'coverage-gaps';
const SHOPS = 'coverage-shops';
const WHATIF = 'coverage-whatif';

export const CHOROPLETH_LAYER = `${CHOROPLETH}-fill`;
export const SHOPS_LAYER = SHOPS;
export const GAPS_LAYER = GAPS;
export const ISOCHRONES_LAYER = `${ISOCHRONES}-fill`;
export const ADDED_LAYER = `${WHATIF}-added`;

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/** The id of the first style layer that draws lines or points of the atlas (above its area layers). */
function firstNonAreaLayer(map: MapLibreMap): string | undefined {
  const layers = map.getStyle().layers;
  const areaLayers = new Set<string>();
  for (const layer of layers) {
    const atlas = (layer.metadata as Record<string, unknown> | undefined)?.['atlas:layer'];
    if (typeof atlas === 'string' && layer.type === 'fill') areaLayers.add(atlas);
  }
  return layers.find((layer) => {
    const atlas = (layer.metadata as Record<string, unknown> | undefined)?.['atlas:layer'];
    return typeof atlas === 'string' && !areaLayers.has(atlas);
  })?.id;
}

function firstPointLayer(map: MapLibreMap): string | undefined {
  return map.getStyle().layers.find((layer) => layer.type === 'circle' && !layer.id.startsWith('coverage-'))?.id;
}

/** The vector source and source layer that draw an atlas layer, read from the style. */
function atlasSource(map: MapLibreMap, atlasLayer: string): { source: string; sourceLayer: string } | null {
  for (const layer of map.getStyle().layers) {
    const atlas = (layer.metadata as Record<string, unknown> | undefined)?.['atlas:layer'];
    if (atlas === atlasLayer && 'source' in layer && typeof layer.source === 'string') {
      return { source: layer.source, sourceLayer: ('source-layer' in layer && layer['source-layer']) || atlasLayer };
    }
  }
  return null;
}

function shareFill(): ExpressionSpecification {
  const steps: (string | number)[] = [SHARE_CLASSES[0].colour];
  for (const entry of SHARE_CLASSES.slice(1)) steps.push(entry.from, entry.colour);
  return ['case', ['==', ['typeof', ['get', 'share']], 'number'], ['step', ['get', 'share'], ...steps] as unknown as ExpressionSpecification, NO_RESIDENTS_COLOUR];
}

export class CoverageMap {
  private added = false;
  private visible = true;
  private shopSource: { source: string; sourceLayer: string } | null = null;

  constructor(private readonly map: MapLibreMap) {}

  /** Add the sources and layers (after the style has loaded); idempotent. */
  install(): void {
    if (this.added && this.map.getSource(CHOROPLETH)) return;
    const map = this.map;
    const areaTop = firstNonAreaLayer(map);
    const pointsBottom = firstPointLayer(map);
    for (const id of [CHOROPLETH, SELECTED, ISOCHRONES, GAPS, WHATIF]) {
      if (!map.getSource(id)) map.addSource(id, { type: 'geojson', data: EMPTY });
    }
    map.addLayer({ id: CHOROPLETH_LAYER, type: 'fill', source: CHOROPLETH, paint: { 'fill-color': shareFill(), 'fill-opacity': 0.62 } }, areaTop);
    map.addLayer({ id: `${CHOROPLETH}-line`, type: 'line', source: CHOROPLETH, paint: { 'line-color': '#ffffff', 'line-width': 1.2, 'line-opacity': 0.9 } }, areaTop);
    map.addLayer({ id: ISOCHRONES_LAYER, type: 'fill', source: ISOCHRONES, paint: { 'fill-color': this.isochroneColour(), 'fill-opacity': 0.45 } }, pointsBottom);
    map.addLayer({ id: `${ISOCHRONES}-line`, type: 'line', source: ISOCHRONES, paint: { 'line-color': this.isochroneColour(), 'line-width': 1.5 } }, pointsBottom);
    map.addLayer({ id: `${SELECTED}-line`, type: 'line', source: SELECTED, paint: { 'line-color': '#17324d', 'line-width': 3 } }, pointsBottom);
    map.addLayer({
      id: GAPS,
      type: 'circle',
      source: GAPS,
      paint: {
        // Residents with no walking route at all (unreachable) in grey.
        'circle-color': ['case', ['==', ['get', 'unreachable'], true], UNREACHABLE_COLOUR, GAP_COLOUR],
        'circle-opacity': 0.75,
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 2, 14, 3.6, 17, 7],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 11, 0, 14, 0.6],
      },
    });
    this.shopSource = atlasSource(map, 'shop_units');
    if (this.shopSource) {
      map.addLayer({
        id: SHOPS,
        type: 'circle',
        source: this.shopSource.source,
        'source-layer': this.shopSource.sourceLayer,
        filter: ['==', ['get', 'kind'], '__none__'],
        paint: {
          'circle-color': '#ffffff',
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 3.5, 16, 7],
          'circle-stroke-color': '#17324d',
          'circle-stroke-width': 2.5,
        },
      });
    }
    map.addLayer({
      id: `${WHATIF}-removed`,
      type: 'circle',
      source: WHATIF,
      filter: ['==', ['get', 'role'], 'removed'],
      paint: { 'circle-color': 'rgba(0,0,0,0)', 'circle-radius': 9, 'circle-stroke-color': '#b42318', 'circle-stroke-width': 3 },
    });
    map.addLayer({
      id: ADDED_LAYER,
      type: 'circle',
      source: WHATIF,
      filter: ['==', ['get', 'role'], 'added'],
      paint: { 'circle-color': ADDED_COLOUR, 'circle-radius': 8, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 },
    });
    this.added = true;
    this.applyVisibility();
  }

  private isochroneColour(): ExpressionSpecification {
    return ['match', ['get', 'band'], 400, ISOCHRONE_COLOURS[400], 800, ISOCHRONE_COLOURS[800], ISOCHRONE_COLOURS[1200]];
  }

  private layerIds(): string[] {
    return [CHOROPLETH_LAYER, `${CHOROPLETH}-line`, ISOCHRONES_LAYER, `${ISOCHRONES}-line`, `${SELECTED}-line`, GAPS, SHOPS, `${WHATIF}-removed`, ADDED_LAYER];
  }

  private applyVisibility(): void {
    if (!this.added) return;
    for (const id of this.layerIds()) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', this.visible ? 'visible' : 'none');
    }
  }

  /** Show or hide everything the panel draws (the panel is shown or put away). */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.applyVisibility();
  }

  private setData(source: string, data: GeoJSON.FeatureCollection): void {
    (this.map.getSource(source) as GeoJSONSource | undefined)?.setData(data);
  }

  /** Neighbourhood polygons with their `share` (and `code`, `name`) as properties. */
  setChoropleth(features: GeoJSON.Feature[]): void {
    this.setData(CHOROPLETH, { type: 'FeatureCollection', features });
  }

  setSelected(geometry: Geometry | null): void {
    this.setData(SELECTED, geometry ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: geometry as GeoJSON.Geometry, properties: {} }] } : EMPTY);
  }

  setGaps(collection: GeoJSON.FeatureCollection | null): void {
    this.setData(GAPS, collection ?? EMPTY);
  }

  /** Draw the isochrones, farthest first so the nearer bands lie on top. */
  setIsochrones(collection: GeoJSON.FeatureCollection | null): void {
    if (!collection) return this.setData(ISOCHRONES, EMPTY);
    const features = collection.features
      .map((feature, index) => {
        const band = isochroneDistance(feature.properties as Record<string, unknown> | null) ?? [400, 800, 1200][index] ?? 1200;
        return { ...feature, properties: { ...(feature.properties ?? {}), band } };
      })
      .sort((a, b) => b.properties.band - a.properties.band);
    this.setData(ISOCHRONES, { type: 'FeatureCollection', features });
  }

  /** Emphasise the shops that count for the kind (occupied, of those kinds). */
  setShopKinds(kinds: string[]): void {
    if (!this.map.getLayer(SHOPS)) return;
    const filter: FilterSpecification = ['all', ['in', ['get', 'kind'], ['literal', kinds]], ['==', ['get', 'status'], 'occupied']];
    this.map.setFilter(SHOPS, filter);
  }

  setWhatIf(added: AddedShop[], removed: { id: string; lon: number; lat: number }[]): void {
    const features: GeoJSON.Feature[] = [
      ...added.map((shop, index) => ({ type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [shop.lon, shop.lat] }, properties: { role: 'added', index, kind: shop.kind } })),
      ...removed.map((shop) => ({ type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [shop.lon, shop.lat] }, properties: { role: 'removed', id: shop.id } })),
    ];
    this.setData(WHATIF, { type: 'FeatureCollection', features });
  }

  /** The shop of the chosen kinds drawn nearest a screen point, if any within a few pixels. */
  shopAt(point: { x: number; y: number }): { id: string; lon: number; lat: number; properties: Record<string, unknown> } | null {
    if (!this.map.getLayer(SHOPS)) return null;
    const radius = 6;
    const hits = this.map.queryRenderedFeatures(
      [
        [point.x - radius, point.y - radius],
        [point.x + radius, point.y + radius],
      ],
      { layers: [SHOPS] },
    );
    let best: { id: string; lon: number; lat: number; properties: Record<string, unknown> } | null = null;
    let bestDistance = Infinity;
    for (const hit of hits) {
      const id = hit.properties?.id;
      if (id === undefined || id === null || hit.geometry.type !== 'Point') continue;
      const [lon, lat] = hit.geometry.coordinates;
      const at = this.map.project([lon, lat]);
      const distance = Math.hypot(at.x - point.x, at.y - point.y);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = { id: String(id), lon, lat, properties: (hit.properties ?? {}) as Record<string, unknown> };
      }
    }
    return best;
  }
}
