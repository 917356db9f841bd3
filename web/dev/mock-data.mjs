// Mock data for developing the front end before the server's tiles exist.
//
// A small, deterministic stand-in for the atlas demo: the 31 real wijken of
// Genk (read from ../shared/data/genk when it is there) plus synthetic streets,
// shop units, shopping areas, business parks, parcels, companies and access
// points placed where their real counterparts are. Coordinates are EPSG:4326,
// [longitude, latitude]. Only the dev mock server uses this; the browser tests
// run against the real `atlas serve`.

import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import proj4 from 'proj4';

const here = path.dirname(fileURLToPath(import.meta.url));

proj4.defs(
  'EPSG:31370',
  '+proj=lcc +lat_0=90 +lon_0=4.36748666666667 +lat_1=51.1666672333333 +lat_2=49.8333339 ' +
    '+x_0=150000.013 +y_0=5400088.438 +ellps=intl ' +
    '+towgs84=-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747 +units=m +no_defs',
);
const toWgs84 = proj4('EPSG:31370', 'EPSG:4326');

/** A seeded pseudo-random generator (mulberry32), so the mock is the same every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(71016);
const pick = (list) => list[Math.floor(rand() * list.length)];
const round6 = (n) => Math.round(n * 1e6) / 1e6;

function neighbourhoods() {
  const file = path.resolve(here, '../../../shared/data/genk/genk_wijken_ggw7_epsg31370.geojson');
  if (!existsSync(file)) return [];
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const ring = (coords) => coords.map(([x, y]) => toWgs84.forward([x, y]).map(round6));
  return data.features.map((feature) => {
    const geometry = feature.geometry;
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
    return {
      type: 'Feature',
      id: feature.properties.geoitem,
      geometry: { type: 'MultiPolygon', coordinates: polygons.map((polygon) => polygon.map(ring)) },
      properties: {
        code: feature.properties.geoitem,
        name: feature.properties.naam.replace(/ \(Genk\)$/, ''),
        population: 800 + Math.floor(rand() * 3500),
      },
    };
  });
}

/** Named streets as polylines (lon, lat); a long street is cut into segments like a real network. */
const STREETS = [
  ['Vennestraat', 'secondary', [[5.4800, 50.9755], [5.4808, 50.9775], [5.4818, 50.9795], [5.4829, 50.9815], [5.4838, 50.9832]]],
  ['Stalenstraat', 'secondary', [[5.4905, 50.9875], [5.4930, 50.9900], [5.4955, 50.9925]]],
  ['Hoevenzavellaan', 'secondary', [[5.5280, 50.9870], [5.5330, 50.9895], [5.5385, 50.9915]]],
  ['Europalaan', 'primary', [[5.4975, 50.9605], [5.4985, 50.9640], [5.4996, 50.9675], [5.5005, 50.9705]]],
  ['Stadsplein', 'pedestrian', [[5.4990, 50.9655], [5.5010, 50.9662]]],
  ['Hasseltweg', 'primary', [[5.4990, 50.9600], [5.4850, 50.9520], [5.4700, 50.9440]]],
  ['Weg naar As', 'primary', [[5.5005, 50.9705], [5.5030, 50.9850], [5.5060, 51.0000], [5.5090, 51.0150]]],
  ['Molenstraat', 'residential', [[5.5010, 50.9620], [5.5100, 50.9635], [5.5190, 50.9650]]],
  ['Rootenstraat', 'residential', [[5.5070, 50.9560], [5.5110, 50.9600], [5.5150, 50.9640]]],
  ['Grotestraat', 'residential', [[5.4950, 50.9700], [5.4900, 50.9720]]],
  ['Noordlaan', 'secondary', [[5.5100, 50.9750], [5.5200, 50.9790], [5.5300, 50.9830]]],
  ['André Dumontlaan', 'secondary', [[5.4890, 50.9930], [5.4860, 50.9980], [5.4830, 51.0030]]],
  ['Thorpark', 'residential', [[5.4850, 50.9990], [5.4920, 51.0010]]],
  ['Henry Fordlaan', 'primary', [[5.4700, 50.9440], [5.4550, 50.9380], [5.4400, 50.9320]]],
  ['Guillaume Lambertlaan', 'secondary', [[5.4700, 50.9840], [5.4780, 50.9850], [5.4860, 50.9860]]],
  ['Hoogstraat', 'residential', [[5.4955, 50.9630], [5.4930, 50.9600]]],
  ['Genkerweg', 'residential', [[5.5200, 50.9400], [5.5300, 50.9450]]],
  ['E314', 'motorway', [[5.4200, 51.0050], [5.4800, 51.0120], [5.5400, 51.0180], [5.6000, 51.0220]]],
  ['E313', 'motorway', [[5.4000, 50.9350], [5.4400, 50.9280], [5.4800, 50.9220]]],
];

function streets() {
  const features = [];
  for (const [name, streetClass, points] of STREETS) {
    for (let index = 0; index + 1 < points.length; index++) {
      features.push({
        type: 'Feature',
        id: `street-${features.length + 1}`,
        geometry: { type: 'LineString', coordinates: [points[index], points[index + 1]] },
        properties: { name, walkable: streetClass !== 'motorway', class: streetClass },
      });
    }
  }
  return features;
}

function box(minLon, minLat, maxLon, maxLat) {
  return [[[minLon, minLat], [maxLon, minLat], [maxLon, maxLat], [minLon, maxLat], [minLon, minLat]]];
}

const PARKS = [
  ['park-thor', 'Thor Park', 'science_park', 'energie, smart manufacturing', 'Stad Genk', [5.4800, 50.9960, 5.4990, 51.0060]],
  ['park-zuid', 'Genk-Zuid', 'industrial', 'industrie, logistiek', 'POM Limburg', [5.4300, 50.9300, 5.5000, 50.9480]],
  ['park-noord', 'Genk-Noord', 'sme', 'KMO', 'POM Limburg', [5.5150, 51.0000, 5.5450, 51.0120]],
  ['park-synaps', 'Synapspark', 'care_campus', 'zorg en gezondheid', 'Stad Genk', [5.5180, 50.9640, 5.5280, 50.9700]],
  ['park-cmine', 'C-Mine', 'mixed', 'creatieve economie', 'C-Mine cvba', [5.4850, 50.9735, 5.4920, 50.9775]],
];

function businessParks() {
  return PARKS.map(([id, name, kind, focus, manager, bbox]) => ({
    type: 'Feature',
    id,
    geometry: { type: 'MultiPolygon', coordinates: [box(...bbox)] },
    properties: { name, kind, focus, manager },
  }));
}

function parcels() {
  const features = [];
  for (const [parkId, , kind, , , [minLon, minLat, maxLon, maxLat]] of PARKS) {
    const columns = 6;
    const rows = 4;
    const width = (maxLon - minLon) / columns;
    const height = (maxLat - minLat) / rows;
    for (let row = 0; row < rows; row++) {
      for (let column = 0; column < columns; column++) {
        const x = minLon + column * width;
        const y = minLat + row * height;
        const inset = 0.00008;
        const widthM = (width - 2 * inset) * 70_000;
        const heightM = (height - 2 * inset) * 111_200;
        const availability = pick(['not_offered', 'not_offered', 'for_sale', 'for_lease', 'under_option', 'reserved']);
        features.push({
          type: 'Feature',
          id: `parcel-${features.length + 1}`,
          geometry: { type: 'Polygon', coordinates: box(x + inset, y + inset, x + width - inset, y + height - inset) },
          properties: {
            capakey: `71016A${String(1000 + features.length).padStart(4, '0')}/00A000`,
            area_m2: Math.round(widthM * heightM * 10) / 10,
            zoning: kind === 'science_park' ? 'research' : kind === 'care_campus' ? 'care' : pick(['industrial', 'sme', 'mixed']),
            owner_kind: pick(['public', 'development_agency', 'private']),
            park_id: parkId,
            availability,
            available_from: availability === 'not_offered' ? null : `202${5 + Math.floor(rand() * 3)}-0${1 + Math.floor(rand() * 9)}-01`,
            price_eur_m2: availability === 'not_offered' ? null : Math.round(40 + rand() * 120),
            ready_to_build: rand() > 0.4,
            max_height_m: rand() > 0.3 ? 12 + Math.floor(rand() * 4) * 6 : null,
          },
        });
      }
    }
  }
  return features;
}

const AREAS = [
  ['area-centrum', 'Centrum Genk', 'main_shopping_area', [5.4960, 50.9610, 5.5030, 50.9690]],
  ['area-venne', 'Vennestraat', 'district_shopping_street', [5.4790, 50.9760, 5.4845, 50.9830]],
  ['area-stalen', 'Stalenstraat', 'district_shopping_street', [5.4900, 50.9870, 5.4960, 50.9930]],
  ['area-hoeven', 'Hoevenzavellaan', 'district_shopping_street', [5.5275, 50.9862, 5.5390, 50.9922]],
];

function shoppingAreas() {
  return AREAS.map(([id, name, kind, bbox]) => ({
    type: 'Feature',
    id,
    geometry: { type: 'MultiPolygon', coordinates: [box(...bbox)] },
    properties: { name, kind },
  }));
}

function along(points, share) {
  const lengths = [];
  let total = 0;
  for (let index = 0; index + 1 < points.length; index++) {
    const [x0, y0] = points[index];
    const [x1, y1] = points[index + 1];
    const length = Math.hypot((x1 - x0) * 0.63, y1 - y0);
    lengths.push(length);
    total += length;
  }
  let remaining = share * total;
  for (let index = 0; index < lengths.length; index++) {
    if (remaining <= lengths[index] || index === lengths.length - 1) {
      const t = Math.min(1, remaining / lengths[index]);
      const [x0, y0] = points[index];
      const [x1, y1] = points[index + 1];
      return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
    }
    remaining -= lengths[index];
  }
  return points[0];
}

function shopUnits() {
  const features = [];
  const plan = [['Vennestraat', 'area-venne', 70], ['Europalaan', 'area-centrum', 60], ['Stadsplein', 'area-centrum', 16], ['Stalenstraat', 'area-stalen', 40], ['Hoevenzavellaan', 'area-hoeven', 30]];
  for (const [street, areaId, count] of plan) {
    const points = STREETS.find(([name]) => name === street)[2];
    for (let number = 1; number <= count; number++) {
      const [lon, lat] = along(points, (number - 0.5) / count);
      const side = number % 2 === 0 ? 1 : -1;
      const category = pick(['daily', 'periodic', 'periodic', 'exceptional', 'leisure', 'horeca', 'horeca', 'services', 'other']);
      const status = pick(['occupied', 'occupied', 'occupied', 'occupied', 'occupied', 'vacant', 'vacant', 'renovation']);
      features.push({
        type: 'Feature',
        id: `unit-${features.length + 1}`,
        geometry: { type: 'Point', coordinates: [round6(lon + side * 0.00012), round6(lat)] },
        properties: {
          address: `${street} ${number * 2 - (side < 0 ? 1 : 0)}`,
          street,
          floor_area_m2: Math.round(40 + rand() * 460),
          category,
          kind: category === 'daily' ? pick(['supermarket', 'bakery', 'butcher', 'grocery', 'pharmacy']) : null,
          status,
          status_since: `20${18 + Math.floor(rand() * 7)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`,
          area_id: areaId,
        },
      });
    }
  }
  return features;
}

function companies() {
  const features = [];
  const names = ['EnergyVille', 'Volvo Cars Logistics', 'Aperam Genk', 'Nippon Express', 'Ziekenhuis Oost-Limburg', 'Vlaamse Energiebeurs', 'Limburg Hout', 'Genkse Metaalbouw'];
  for (const [, , , , , [minLon, minLat, maxLon, maxLat]] of PARKS) {
    for (let index = 0; index < 6; index++) {
      features.push({
        type: 'Feature',
        id: `company-${features.length + 1}`,
        geometry: { type: 'Point', coordinates: [round6(minLon + rand() * (maxLon - minLon)), round6(minLat + rand() * (maxLat - minLat))] },
        properties: { name: `${pick(names)} ${features.length + 1}`, nace: pick(['25110', '52100', '72190', '86101', '49410']), employees: Math.floor(5 + rand() * 400) },
      });
    }
  }
  return features;
}

function accessPoints() {
  const points = [
    ['motorway_exit', 'E314 afrit 32 Genk-Oost', [5.5400, 51.0180]],
    ['motorway_exit', 'E314 afrit 31 Genk-West', [5.4800, 51.0120]],
    ['motorway_exit', 'E313 afrit 30 Genk-Zuid', [5.4400, 50.9280]],
    ['railway_station', 'Station Genk', [5.4933, 50.9647]],
    ['quay', 'Kaai Albertkanaal Genk-Zuid', [5.4700, 50.9330]],
  ];
  return points.map(([kind, name, coordinates], index) => ({
    type: 'Feature',
    id: `access-${index + 1}`,
    geometry: { type: 'Point', coordinates },
    properties: { kind, name },
  }));
}

function residents(hoods) {
  const features = [];
  for (let index = 0; index < 1200; index++) {
    features.push({
      type: 'Feature',
      id: `resident-${index + 1}`,
      geometry: { type: 'Point', coordinates: [round6(5.43 + rand() * 0.13), round6(50.935 + rand() * 0.08)] },
      properties: { population: 1 + Math.floor(rand() * 6) },
    });
  }
  return features;
}

export function mockLayers() {
  const hoods = neighbourhoods();
  return {
    neighbourhoods: hoods,
    residents: residents(hoods),
    parcels: parcels(),
    business_parks: businessParks(),
    shop_units: shopUnits(),
    shopping_areas: shoppingAreas(),
    streets: streets(),
    companies: companies(),
    access_points: accessPoints(),
  };
}
