// A development stand-in for `atlas serve`, speaking the same contract:
//
//   GET /api/health, /api/layers, /api/layers/{id}/features[?bbox&limit&offset],
//   GET /api/layers/{id}/features/{feature_id}
//   GET /tiles/style.json, /tiles/{layer}.json, /tiles/{layer}/{z}/{x}/{y}.mvt
//   everything else: web/dist with an index.html fallback
//
// Usage: node dev/mock-server.mjs [--port 8090] [--web-dir dist]
// Only for working on the front end while the server is being built; the
// browser tests run against the real binary.

import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import GeoJSONVT from 'geojson-vt';
import vtpbf from 'vt-pbf';
import { mockLayers } from './mock-data.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : fallback;
};
const port = Number(option('--port', '8090'));
const webDir = path.resolve(here, '..', option('--web-dir', 'dist'));

const T = 'text', I = 'integer', R = 'real', B = 'boolean', D = 'date';
const f = (name, type, title_nl, title_en) => ({ name, type, title_nl, title_en });
const SCHEMAS = [
  ['neighbourhoods', 'Wijken', 'Neighbourhoods', 'MultiPolygon', [f('code', T, 'Code', 'Code'), f('name', T, 'Naam', 'Name'), f('population', I, 'Inwoners', 'Population')]],
  ['residents', 'Inwoners', 'Residents', 'Point', [f('population', I, 'Inwoners', 'Population')]],
  ['parcels', 'Percelen', 'Parcels', 'Polygon', [
    f('capakey', T, 'Capakey', 'Cadastral id'), f('area_m2', R, 'Oppervlakte (m²)', 'Area (m²)'), f('zoning', T, 'Bestemming', 'Zoning'),
    f('owner_kind', T, 'Eigenaar', 'Owner'), f('park_id', T, 'Bedrijventerrein', 'Business park'), f('availability', T, 'Beschikbaarheid', 'Availability'),
    f('available_from', D, 'Beschikbaar vanaf', 'Available from'), f('price_eur_m2', R, 'Prijs (€/m²)', 'Price (€/m²)'),
    f('ready_to_build', B, 'Bouwrijp', 'Ready to build'), f('max_height_m', R, 'Max. bouwhoogte (m)', 'Max. height (m)')]],
  ['business_parks', 'Bedrijventerreinen', 'Business parks', 'MultiPolygon', [f('name', T, 'Naam', 'Name'), f('kind', T, 'Type', 'Kind'), f('focus', T, 'Focus', 'Focus'), f('manager', T, 'Beheerder', 'Manager')]],
  ['shop_units', 'Handelspanden', 'Shop units', 'Point', [
    f('address', T, 'Adres', 'Address'), f('street', T, 'Straat', 'Street'), f('floor_area_m2', R, 'Winkelvloeroppervlakte (m²)', 'Sales floor (m²)'),
    f('category', T, 'Branche', 'Category'), f('kind', T, 'Soort', 'Kind'), f('status', T, 'Status', 'Status'), f('status_since', D, 'Status sinds', 'Status since'),
    f('area_id', T, 'Winkelgebied', 'Shopping area')]],
  ['shopping_areas', 'Winkelgebieden', 'Shopping areas', 'MultiPolygon', [f('name', T, 'Naam', 'Name'), f('kind', T, 'Type', 'Kind')]],
  ['streets', 'Straten', 'Streets', 'LineString', [f('name', T, 'Naam', 'Name'), f('walkable', B, 'Beloopbaar', 'Walkable'), f('class', T, 'Wegcategorie', 'Class')]],
  ['companies', 'Bedrijven', 'Companies', 'Point', [f('name', T, 'Naam', 'Name'), f('nace', T, 'NACE-code', 'NACE code'), f('employees', I, 'Werknemers', 'Employees')]],
  ['access_points', 'Toegangspunten', 'Access points', 'Point', [f('kind', T, 'Type', 'Kind'), f('name', T, 'Naam', 'Name')]],
];

const data = mockLayers();
const tileIndexes = {};
for (const [id] of SCHEMAS) {
  const features = data[id].map((feature) => ({ ...feature, properties: { ...feature.properties, id: feature.id } }));
  tileIndexes[id] = new GeoJSONVT({ type: 'FeatureCollection', features }, { maxZoom: 16, indexMaxZoom: 5, buffer: 64, extent: 4096 });
}

function bboxOf(geometry) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const visit = (coords) => {
    if (typeof coords[0] === 'number') {
      minX = Math.min(minX, coords[0]); maxX = Math.max(maxX, coords[0]);
      minY = Math.min(minY, coords[1]); maxY = Math.max(maxY, coords[1]);
    } else coords.forEach(visit);
  };
  visit(geometry.coordinates);
  return [minX, minY, maxX, maxY];
}

function layerBbox(features) {
  return features.map((feature) => bboxOf(feature.geometry)).reduce(
    (a, b) => [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
}

const LEGEND = {
  neighbourhoods: '#8a94a6', residents: '#b07aa1', parcels: '#a3a89c', business_parks: '#6f8fb3', shop_units: '#d1495b',
  shopping_areas: '#e8a33d', streets: '#9aa1ab', companies: '#3f6e9e', access_points: '#2a9d8f',
};

// Like src/tiles/style.rs: a layer coloured by a field lists its classes in `atlas:legend`.
const STATUSES = [['occupied', '#2a9d8f', 'In gebruik', 'Occupied'], ['vacant', '#d62839', 'Leegstaand', 'Vacant'], ['renovation', '#f4a261', 'In renovatie', 'Under renovation'], ['non_commercial', '#8d99ae', 'Niet-commercieel', 'Non-commercial']];
const STATUS_LEGEND = {
  'atlas:legend_color': '#2a9d8f',
  'atlas:legend_field': 'status',
  'atlas:legend': STATUSES.map(([value, color, title_nl, title_en]) => ({ value, color, title_nl, title_en })),
};

function styleJson() {
  const meta = (id, title_nl, title_en) => ({ 'atlas:layer': id, 'atlas:title_nl': title_nl, 'atlas:title_en': title_en, 'atlas:legend': LEGEND[id] });
  const titles = Object.fromEntries(SCHEMAS.map(([id, nl, en]) => [id, [nl, en]]));
  const m = (id) => ({ ...meta(id, ...titles[id]), ...(id === 'shop_units' ? STATUS_LEGEND : {}) });
  const sources = Object.fromEntries(SCHEMAS.map(([id]) => [id, { type: 'vector', url: `/tiles/${id}.json` }]));
  return {
    version: 8,
    name: 'Genk Atlas',
    center: [5.5, 50.965],
    zoom: 12.5,
    sources,
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f4f3ef' } },
      { id: 'neighbourhoods-fill', type: 'fill', source: 'neighbourhoods', 'source-layer': 'neighbourhoods', metadata: m('neighbourhoods'), paint: { 'fill-color': '#eceae4', 'fill-opacity': 0.6 } },
      { id: 'neighbourhoods-line', type: 'line', source: 'neighbourhoods', 'source-layer': 'neighbourhoods', metadata: m('neighbourhoods'), paint: { 'line-color': LEGEND.neighbourhoods, 'line-width': 1.2, 'line-dasharray': [3, 2] } },
      { id: 'business_parks-fill', type: 'fill', source: 'business_parks', 'source-layer': 'business_parks', metadata: m('business_parks'), paint: { 'fill-color': LEGEND.business_parks, 'fill-opacity': 0.18 } },
      { id: 'business_parks-line', type: 'line', source: 'business_parks', 'source-layer': 'business_parks', metadata: m('business_parks'), paint: { 'line-color': LEGEND.business_parks, 'line-width': 1.5 } },
      { id: 'parcels-fill', type: 'fill', source: 'parcels', 'source-layer': 'parcels', minzoom: 13, metadata: m('parcels'), paint: { 'fill-color': '#ffffff', 'fill-opacity': 0.4, 'fill-outline-color': LEGEND.parcels } },
      { id: 'shopping_areas-fill', type: 'fill', source: 'shopping_areas', 'source-layer': 'shopping_areas', metadata: m('shopping_areas'), paint: { 'fill-color': LEGEND.shopping_areas, 'fill-opacity': 0.2 } },
      { id: 'shopping_areas-line', type: 'line', source: 'shopping_areas', 'source-layer': 'shopping_areas', metadata: m('shopping_areas'), paint: { 'line-color': LEGEND.shopping_areas, 'line-width': 1.5 } },
      { id: 'streets-line', type: 'line', source: 'streets', 'source-layer': 'streets', metadata: m('streets'), paint: { 'line-color': '#ffffff', 'line-width': ['interpolate', ['linear'], ['zoom'], 11, 1, 16, 6] } },
      { id: 'residents-circle', type: 'circle', source: 'residents', 'source-layer': 'residents', metadata: m('residents'), layout: { visibility: 'none' }, paint: { 'circle-color': LEGEND.residents, 'circle-radius': 2 } },
      { id: 'companies-circle', type: 'circle', source: 'companies', 'source-layer': 'companies', metadata: m('companies'), paint: { 'circle-color': LEGEND.companies, 'circle-radius': 4, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
      { id: 'shop_units-circle', type: 'circle', source: 'shop_units', 'source-layer': 'shop_units', metadata: m('shop_units'), paint: { 'circle-color': ['match', ['get', 'status'], ...STATUSES.flatMap(([value, color]) => [value, color]), '#2a9d8f'], 'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 2.5, 17, 7], 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
      { id: 'access_points-circle', type: 'circle', source: 'access_points', 'source-layer': 'access_points', metadata: m('access_points'), paint: { 'circle-color': LEGEND.access_points, 'circle-radius': 6, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
    ],
  };
}

function json(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon' };

async function serveStatic(res, pathname) {
  let file = path.join(webDir, decodeURIComponent(pathname));
  if (!file.startsWith(webDir) || !existsSync(file) || statSync(file).isDirectory()) file = path.join(webDir, 'index.html');
  if (!existsSync(file)) return json(res, 404, { error: 'web/dist is not built; run npm run build' });
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
  res.end(await readFile(file));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const parts = url.pathname.split('/').filter(Boolean);
  const layerIds = SCHEMAS.map(([id]) => id);
  try {
    if (url.pathname === '/api/health') {
      return json(res, 200, { status: 'ok', store: 'mock', layers: Object.fromEntries(layerIds.map((id) => [id, data[id].length])) });
    }
    if (url.pathname === '/api/layers') {
      return json(res, 200, {
        layers: SCHEMAS.map(([id, title_nl, title_en, geometry_type, fields]) => ({
          id, title: title_nl, title_nl, title_en, geometry_type, count: data[id].length, bbox: layerBbox(data[id]), fields,
        })),
      });
    }
    if (parts[0] === 'api' && parts[1] === 'layers' && parts[3] === 'features') {
      const id = parts[2];
      if (!layerIds.includes(id)) return json(res, 404, { error: 'not found', detail: `unknown layer '${id}'` });
      if (parts[4]) {
        const feature = data[id].find((candidate) => candidate.id === decodeURIComponent(parts[4]));
        return feature ? json(res, 200, feature, 'application/geo+json') : json(res, 404, { error: 'not found' });
      }
      let features = data[id];
      const bbox = url.searchParams.get('bbox');
      if (bbox) {
        const [minX, minY, maxX, maxY] = bbox.split(',').map(Number);
        features = features.filter((feature) => {
          const [a, b, c, d] = bboxOf(feature.geometry);
          return a <= maxX && c >= minX && b <= maxY && d >= minY;
        });
      }
      const limit = Number(url.searchParams.get('limit') ?? 1000);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const page = features.slice(offset, offset + limit);
      return json(res, 200, { type: 'FeatureCollection', numberMatched: features.length, numberReturned: page.length, features: page }, 'application/geo+json');
    }
    if (url.pathname === '/tiles/style.json') return json(res, 200, styleJson());
    if (parts[0] === 'tiles' && parts.length === 2 && parts[1].endsWith('.json')) {
      const id = parts[1].slice(0, -5);
      if (!layerIds.includes(id)) return json(res, 404, { error: 'not found' });
      const schema = SCHEMAS.find(([candidate]) => candidate === id);
      return json(res, 200, {
        tilejson: '3.0.0', name: id, tiles: [`/tiles/${id}/{z}/{x}/{y}.mvt`], minzoom: 0, maxzoom: 16, bounds: layerBbox(data[id]),
        vector_layers: [{ id, fields: Object.fromEntries([['id', 'String'], ...schema[4].map((field) => [field.name, field.type === 'text' || field.type === 'date' ? 'String' : field.type === 'boolean' ? 'Boolean' : 'Number'])]) }],
      });
    }
    if (parts[0] === 'tiles' && parts.length === 5 && parts[4].endsWith('.mvt')) {
      const [, id, z, x, y] = parts;
      if (!layerIds.includes(id)) return json(res, 404, { error: 'not found' });
      const tile = tileIndexes[id].getTile(Number(z), Number(x), Number(y.slice(0, -4)));
      if (!tile || tile.features.length === 0) {
        res.writeHead(204);
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/vnd.mapbox-vector-tile' });
      return res.end(Buffer.from(vtpbf.fromGeojsonVt({ [id]: tile }, { version: 2 })));
    }
    if (parts[0] === 'api' || parts[0] === 'tiles') return json(res, 404, { error: 'not found' });
    return serveStatic(res, url.pathname);
  } catch (error) {
    console.error(error);
    return json(res, 500, { error: 'internal error' });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`mock atlas on http://127.0.0.1:${port} (web dir ${webDir})`);
});
