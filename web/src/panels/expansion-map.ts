// What the Uitbreiding panel draws on the map: the listed sites (each one
// outline, an assembled group of parcels outlined as one), a numbered marker
// per site in rank order, the selected site emphasised, and the point the
// company wants to be near. GeoJSON sources and style layers named
// `expansion-*`, above the atlas's area layers; the rank markers are HTML
// (no glyphs are served, so no text is drawn by the map itself), kept apart
// on the screen (`marker-layout.ts`).

import * as maplibregl from 'maplibre-gl';
import type { GeoJSONSource, Map as MapLibreMap } from 'maplibre-gl';
import { geometryBbox, type Bbox } from '../api';
import type { Site } from './expansion-api';
import { spreadApart } from './marker-layout';

const SITES = 'expansion-sites';
const NEAR = 'expansion-near';
export const SITES_FILL_LAYER = `${SITES}-fill`;
export const SITES_LINE_LAYER = `${SITES}-line`;
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

export const SITE_COLOUR = '#d9480f';
/** Markers closer than this (px, centre to centre) are moved apart. */
const MARKER_GAP = 30;
/** The marker's foot sits this far (px) above its point. */
const MARKER_LIFT = 4;
export const SELECTED_COLOUR = '#7a1f00';

function firstPointLayer(map: MapLibreMap): string | undefined {
  return map.getStyle().layers.find((layer) => layer.type === 'circle' && !layer.id.startsWith('coverage-') && !layer.id.startsWith('expansion-'))?.id;
}

/** Where a site's rank marker sits: the middle of its bounding box. */
export function labelPoint(site: Site): [number, number] | null {
  const box = geometryBbox(site.geometry);
  if (!box) return null;
  return [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
}

export class ExpansionMap {
  private installed = false;
  private visible = true;
  private markers: maplibregl.Marker[] = [];

  constructor(
    private readonly map: MapLibreMap,
    private readonly onMarker: (siteId: string) => void,
  ) {
    // Screen distances change with the zoom and the rotation, not with a pan.
    for (const event of ['zoomend', 'rotateend', 'pitchend', 'resize'] as const) map.on(event, () => this.spreadMarkers());
  }

  /** Keep the numbered markers from covering each other (rank 1 stays put). */
  private spreadMarkers(): void {
    const points = this.markers.map((marker) => this.map.project(marker.getLngLat()));
    const offsets = spreadApart(points, MARKER_GAP);
    this.markers.forEach((marker, index) => {
      const { x, y } = offsets[index];
      marker.setOffset([x, y - MARKER_LIFT]);
      marker.getElement().classList.toggle('is-moved', x !== 0 || y !== 0);
    });
  }

  install(): void {
    if (this.installed && this.map.getSource(SITES)) return;
    const map = this.map;
    const before = firstPointLayer(map);
    if (!map.getSource(SITES)) map.addSource(SITES, { type: 'geojson', data: EMPTY });
    if (!map.getSource(NEAR)) map.addSource(NEAR, { type: 'geojson', data: EMPTY });
    map.addLayer({ id: SITES_FILL_LAYER, type: 'fill', source: SITES, paint: { 'fill-color': SITE_COLOUR, 'fill-opacity': ['case', ['get', 'selected'], 0.42, 0.26] } }, before);
    map.addLayer({ id: `${SITES}-casing`, type: 'line', source: SITES, paint: { 'line-color': '#ffffff', 'line-width': ['case', ['get', 'selected'], 7, 5], 'line-opacity': 0.9 } }, before);
    map.addLayer({ id: SITES_LINE_LAYER, type: 'line', source: SITES, paint: { 'line-color': ['case', ['get', 'selected'], SELECTED_COLOUR, SITE_COLOUR], 'line-width': ['case', ['get', 'selected'], 3.5, 2.2] } }, before);
    map.addLayer({ id: `${NEAR}-circle`, type: 'circle', source: NEAR, paint: { 'circle-radius': 7, 'circle-color': '#17324d', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 3 } });
    this.installed = true;
    this.applyVisibility();
  }

  private applyVisibility(): void {
    if (!this.installed) return;
    for (const id of [SITES_FILL_LAYER, `${SITES}-casing`, SITES_LINE_LAYER, `${NEAR}-circle`]) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, 'visibility', this.visible ? 'visible' : 'none');
    }
    for (const marker of this.markers) marker.getElement().hidden = !this.visible;
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.applyVisibility();
  }

  /** Draw `sites` in rank order (rank = index + 1), `selected` emphasised. */
  setSites(sites: Site[], selected: string | null, label: (rank: number, site: Site) => string): void {
    const features: GeoJSON.Feature[] = sites
      .filter((site) => site.geometry)
      .map((site, index) => ({ type: 'Feature', geometry: site.geometry as GeoJSON.Geometry, properties: { id: site.id, rank: index + 1, selected: site.id === selected } }));
    (this.map.getSource(SITES) as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features });
    for (const marker of this.markers) marker.remove();
    this.markers = [];
    sites.forEach((site, index) => {
      const at = labelPoint(site);
      if (!at) return;
      const element = document.createElement('button');
      element.type = 'button';
      element.className = `site-marker${site.id === selected ? ' is-selected' : ''}`;
      element.textContent = String(index + 1);
      element.dataset.siteId = site.id;
      element.setAttribute('aria-label', label(index + 1, site));
      element.addEventListener('click', (event) => {
        event.stopPropagation();
        this.onMarker(site.id);
      });
      element.hidden = !this.visible;
      // Anchored at its foot, so the marker stands over the site rather than hiding it.
      this.markers.push(new maplibregl.Marker({ element, anchor: 'bottom', offset: [0, -MARKER_LIFT] }).setLngLat(at).addTo(this.map));
    });
    this.spreadMarkers();
  }

  setNear(point: { lon: number; lat: number } | null): void {
    const data: GeoJSON.FeatureCollection = point ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [point.lon, point.lat] }, properties: {} }] } : EMPTY;
    (this.map.getSource(NEAR) as GeoJSONSource | undefined)?.setData(data);
  }

  /** Fit the map to one bbox (a site, or all the sites). */
  fit(box: Bbox | null, maxZoom = 17): void {
    if (!box) return;
    this.map.fitBounds([box[0], box[1], box[2], box[3]], { padding: 80, maxZoom, duration: 600 });
  }
}
