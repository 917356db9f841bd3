// The selection drawn on top of the map: the clicked or found feature, outlined.
//
// One GeoJSON source with a fill, a line and a circle layer, so any geometry
// type shows; it is re-added if the style is ever replaced.

import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import type { Geometry } from './api';

const SOURCE = 'atlas-selection';
const COLOUR = '#0b5cad';

function ensure(map: MapLibreMap): GeoJSONSource {
  if (!map.getSource(SOURCE)) {
    map.addSource(SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: `${SOURCE}-fill`, type: 'fill', source: SOURCE, filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': COLOUR, 'fill-opacity': 0.1 } });
    map.addLayer({ id: `${SOURCE}-casing`, type: 'line', source: SOURCE, filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#ffffff', 'line-width': 6, 'line-opacity': 0.9 } });
    map.addLayer({ id: `${SOURCE}-line`, type: 'line', source: SOURCE, filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': COLOUR, 'line-width': 3 } });
    map.addLayer({ id: `${SOURCE}-circle`, type: 'circle', source: SOURCE, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 9, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': COLOUR, 'circle-stroke-width': 3 } });
  }
  return map.getSource(SOURCE) as GeoJSONSource;
}

/** Outline `geometries` (EPSG:4326); an empty list clears the selection. */
export function highlight(map: MapLibreMap, geometries: Geometry[]): void {
  ensure(map).setData({
    type: 'FeatureCollection',
    features: geometries.map((geometry) => ({ type: 'Feature', geometry: geometry as GeoJSON.Geometry, properties: {} })),
  });
}

export function clearHighlight(map: MapLibreMap): void {
  if (map.getSource(SOURCE)) highlight(map, []);
}

export function isHighlightLayer(styleLayerId: string): boolean {
  return styleLayerId.startsWith(SOURCE);
}
