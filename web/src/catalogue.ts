// The atlas layers as the front end knows them: the style's layers grouped by
// `metadata["atlas:layer"]`, joined with `/api/layers` (titles, fields, counts).
//
// Either side may name a layer the other does not: a style-only layer still
// gets a toggle (titled from the style metadata), an API-only layer is listed
// without a toggle. So a layer added on the server shows up here unchanged.

import type { Map as MapLibreMap } from 'maplibre-gl';
import type { FieldInfo, LayerInfo } from './api';
import { atlasMetadata, type AtlasLayerMetadata, type LegendEntry } from './map';
import { pickTitle } from './i18n';

export type LegendShape = 'point' | 'line' | 'polygon';

export interface AtlasLayer {
  id: string;
  title_nl: string;
  title_en: string;
  /** A CSS colour for the legend swatch. */
  legend: string;
  /** Classes with their own colour, when the layer is coloured by a field. */
  legendEntries: LegendEntry[];
  /** The field whose value picks the colour, if any. */
  legendField: string | null;
  shape: LegendShape;
  /** Points drawn as a ring (the known places) rather than a dot. */
  ring: boolean;
  /** Style layer ids that draw this atlas layer, bottom to top. */
  styleLayerIds: string[];
  /** The lowest zoom at which any of its style layers draws. */
  minzoom: number;
  count: number | null;
  fields: FieldInfo[];
}

function shapeOf(geometryType: string | undefined, styleTypes: string[]): LegendShape {
  const type = (geometryType ?? '').toLowerCase();
  if (type.includes('point')) return 'point';
  if (type.includes('line')) return 'line';
  if (type.includes('polygon')) return 'polygon';
  if (styleTypes.includes('fill')) return 'polygon';
  if (styleTypes.includes('line')) return 'line';
  return 'point';
}

function legendColour(metadata: AtlasLayerMetadata): string {
  const legend = metadata['atlas:legend'];
  if (typeof legend === 'string' && legend) return legend;
  return metadata['atlas:legend_color'] ?? '';
}

function legendEntries(metadata: AtlasLayerMetadata): LegendEntry[] {
  const legend = metadata['atlas:legend'];
  if (!Array.isArray(legend)) return [];
  return legend.filter((entry) => entry && typeof entry.value === 'string' && typeof entry.color === 'string');
}

function paintColour(map: MapLibreMap, styleLayerId: string): string | null {
  const layer = map.getLayer(styleLayerId);
  if (!layer) return null;
  const property = ({ fill: 'fill-color', line: 'line-color', circle: 'circle-color' } as const)[layer.type as 'fill' | 'line' | 'circle'];
  if (!property) return null;
  const value = map.getPaintProperty(styleLayerId, property);
  return typeof value === 'string' ? value : null;
}

/** The atlas layers, topmost on the map first (as a layer list reads). */
export function buildCatalogue(map: MapLibreMap, apiLayers: LayerInfo[]): AtlasLayer[] {
  const byId = new Map<string, AtlasLayer>();
  const styleTypes = new Map<string, string[]>();
  const drawOrder: string[] = [];
  const geometryTypes = new Map<string, string>();
  for (const styleLayer of map.getStyle().layers) {
    const metadata = atlasMetadata(styleLayer);
    if (!metadata) continue;
    const id = metadata['atlas:layer'];
    let layer = byId.get(id);
    if (!layer) {
      layer = {
        id,
        title_nl: metadata['atlas:title_nl'] ?? id,
        title_en: metadata['atlas:title_en'] ?? metadata['atlas:title_nl'] ?? id,
        legend: legendColour(metadata),
        legendEntries: legendEntries(metadata),
        legendField: metadata['atlas:legend_field'] ?? null,
        shape: 'point',
        ring: metadata['atlas:marker'] === 'ring',
        styleLayerIds: [],
        minzoom: 24,
        count: null,
        fields: [],
      };
      byId.set(id, layer);
      styleTypes.set(id, []);
    }
    if (!layer.legend) layer.legend = legendColour(metadata);
    if (layer.legendEntries.length === 0) layer.legendEntries = legendEntries(metadata);
    if (metadata['atlas:geometry_type']) geometryTypes.set(id, metadata['atlas:geometry_type']);
    layer.styleLayerIds.push(styleLayer.id);
    layer.minzoom = Math.min(layer.minzoom, styleLayer.minzoom ?? 0);
    styleTypes.get(id)!.push(styleLayer.type);
    const at = drawOrder.indexOf(id);
    if (at >= 0) drawOrder.splice(at, 1);
    drawOrder.push(id);
  }
  for (const info of apiLayers) {
    let layer = byId.get(info.id);
    if (!layer) {
      layer = { id: info.id, title_nl: info.title_nl, title_en: info.title_en, legend: '', legendEntries: [], legendField: null, shape: 'point', ring: false, styleLayerIds: [], minzoom: 0, count: null, fields: [] };
      byId.set(info.id, layer);
      styleTypes.set(info.id, []);
      drawOrder.unshift(info.id);
    }
    layer.title_nl = info.title_nl || layer.title_nl;
    layer.title_en = info.title_en || layer.title_en;
    layer.count = info.count;
    layer.fields = info.fields ?? [];
  }
  for (const layer of byId.values()) {
    const types = styleTypes.get(layer.id) ?? [];
    const info = apiLayers.find((candidate) => candidate.id === layer.id);
    layer.shape = shapeOf(info?.geometry_type ?? geometryTypes.get(layer.id), types);
    if (!layer.legend) layer.legend = layer.styleLayerIds.map((id) => paintColour(map, id)).find(Boolean) ?? '#7b8794';
    if (layer.styleLayerIds.length === 0) layer.minzoom = 0;
  }
  return drawOrder.reverse().map((id) => byId.get(id)!);
}

/** The CSS classes of a layer's legend swatch. */
export function swatchClass(layer: AtlasLayer): string {
  return `swatch swatch--${layer.shape}${layer.shape === 'point' && layer.ring ? ' swatch--ring' : ''}`;
}

export function layerTitle(layer: AtlasLayer): string {
  return pickTitle(layer, layer.id);
}

/** Which atlas layer draws a style layer. */
export function atlasLayerOf(catalogue: AtlasLayer[], styleLayerId: string): AtlasLayer | undefined {
  return catalogue.find((layer) => layer.styleLayerIds.includes(styleLayerId));
}
