// The printable site sheet (vestigingsfiche) of one candidate site: a map
// extract, area, zoning, availability, price, access distances and the
// reasons of its score, in Dutch (or English), laid out for A4.
//
// It opens as a modal dialog over the atlas; "Afdrukken" prints it, and the
// print style (`@media print` in expansion-panel.css) hides everything but
// the sheet. The map extract is an SVG drawn here from the atlas's own data
// (the site, the parcels and streets around it, the access points), so it
// prints sharp and needs nothing from outside. Access distances are straight
// lines from the middle of the site (the score's reasons carry the network
// distances the server computed).

import { fetchFeature, getJson, geometryBbox, type Bbox, type Feature, type FeatureCollection, type Geometry } from '../api';
import { formatArea, formatDate, formatNumber, formatValue } from '../format';
import { t, type Dictionary } from '../i18n';
import type { Site } from './expansion-api';
import { SITE_COLOUR } from './expansion-map';
import { el } from '../dom';

export interface SheetContext {
  site: Site;
  rank: number;
  parkName: string;
  parkManager: string | null;
  accessPoints: Feature[];
  /** A one-line summary of the request, already in the current language. */
  requestSummary: string;
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres between two [lon, lat] points. */
export function distanceM(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function formatDistance(metres: number, dictionary: Dictionary): string {
  return metres < 1000 ? `${formatNumber(Math.round(metres / 10) * 10, dictionary, 0)} m` : `${formatNumber(metres / 1000, dictionary, 1)} km`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const created = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, String(value));
  return created;
}

const EXTRACT_WIDTH = 680;
const EXTRACT_HEIGHT = 400;

/**
 * The extent of the map extract: the site with room around it (at least
 * about 900 m tall), widened or heightened to the extract's shape, so what is
 * fetched is what is drawn.
 */
function extractBox(site: Bbox): Bbox {
  const cx = (site[0] + site[2]) / 2;
  const cy = (site[1] + site[3]) / 2;
  const cos = Math.cos(cy * (Math.PI / 180));
  let height = Math.max((site[3] - site[1]) * 2.4, 0.008);
  let width = Math.max((site[2] - site[0]) * 2.4, 0.008 / cos);
  // In a local equirectangular frame a degree of longitude is cos(lat) of one of latitude.
  const aspect = EXTRACT_WIDTH / EXTRACT_HEIGHT;
  if ((width * cos) / height < aspect) width = (height * aspect) / cos;
  else height = (width * cos) / aspect;
  return [cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2];
}

/** Rings (outer and holes) of a polygon or multipolygon, as [lon, lat] lists. */
function rings(geometry: Geometry | null): number[][][] {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

function lines(geometry: Geometry | null): number[][][] {
  if (!geometry) return [];
  if (geometry.type === 'LineString') return [geometry.coordinates];
  if (geometry.type === 'MultiLineString') return geometry.coordinates;
  return [];
}

/** The map extract: site, parcels, streets and access points in a local equirectangular frame. */
function mapExtract(site: Site, members: Feature[], parcels: Feature[], streets: Feature[], access: Feature[], dictionary: Dictionary, name: string): SVGSVGElement {
  const WIDTH = EXTRACT_WIDTH;
  const HEIGHT = EXTRACT_HEIGHT;
  const box = extractBox(geometryBbox(site.geometry) ?? [5.5, 50.96, 5.51, 50.97]);
  const midLat = ((box[1] + box[3]) / 2) * (Math.PI / 180);
  const spanX = (box[2] - box[0]) * Math.cos(midLat);
  const spanY = box[3] - box[1];
  const scale = Math.min(WIDTH / spanX, HEIGHT / spanY);
  const offsetX = (WIDTH - spanX * scale) / 2;
  const offsetY = (HEIGHT - spanY * scale) / 2;
  const project = ([lon, lat]: number[]): [number, number] => [offsetX + (lon - box[0]) * Math.cos(midLat) * scale, offsetY + (box[3] - lat) * scale];
  const path = (coordinateRings: number[][][], close: boolean): string =>
    coordinateRings.map((ring) => ring.map((point, index) => `${index === 0 ? 'M' : 'L'}${project(point).map((v) => v.toFixed(1)).join(',')}`).join('') + (close ? 'Z' : '')).join('');

  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'sheet-map', role: 'img' });
  root.setAttribute('aria-label', dictionary.sheet.mapAlt(name));
  root.append(svg('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT, fill: '#f3f2ee' }));
  const clip = svg('clipPath', { id: `sheet-clip-${site.id.replace(/[^a-z0-9_-]/gi, '')}` });
  clip.append(svg('rect', { x: 0, y: 0, width: WIDTH, height: HEIGHT }));
  root.append(clip);
  const body = svg('g', { 'clip-path': `url(#${clip.id})` });
  root.append(body);

  const siteParcels = new Set(site.parcels.map((parcel) => parcel.id));
  for (const parcel of parcels) {
    if (siteParcels.has(String(parcel.id))) continue;
    const offered = ['for_sale', 'for_lease'].includes(String(parcel.properties.availability));
    body.append(svg('path', { d: path(rings(parcel.geometry), true), fill: offered ? '#fde7d6' : '#e6e4dc', stroke: '#b9b4a6', 'stroke-width': 0.7, 'fill-rule': 'evenodd' }));
  }
  for (const street of streets) {
    const major = ['motorway', 'motorway_link', 'primary', 'secondary'].includes(String(street.properties.class));
    body.append(svg('path', { d: path(lines(street.geometry), false), fill: 'none', stroke: major ? '#c89b3c' : '#ffffff', 'stroke-width': major ? 3.2 : 2, 'stroke-linecap': 'round' }));
  }
  body.append(svg('path', { d: path(rings(site.geometry), true), fill: SITE_COLOUR, 'fill-opacity': 0.35, stroke: SITE_COLOUR, 'stroke-width': 3, 'fill-rule': 'evenodd' }));
  // An assembled site: its parcels' own boundaries, dashed, inside the one outline.
  if (members.length > 1) {
    for (const member of members) {
      body.append(svg('path', { d: path(rings(member.geometry), true), fill: 'none', stroke: SITE_COLOUR, 'stroke-width': 1.2, 'stroke-dasharray': '5 4' }));
    }
  }
  for (const point of access) {
    if (point.geometry?.type !== 'Point') continue;
    const [x, y] = project(point.geometry.coordinates);
    if (x < 0 || y < 0 || x > WIDTH || y > HEIGHT) continue;
    body.append(svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 6, fill: '#17324d', stroke: '#ffffff', 'stroke-width': 2 }));
    const label = svg('text', { x: (x + 9).toFixed(1), y: (y + 4).toFixed(1), 'font-size': 11, fill: '#17324d', 'paint-order': 'stroke', stroke: '#ffffff', 'stroke-width': 3 });
    label.textContent = String(point.properties.name ?? '');
    body.append(label);
  }

  // A scale bar of a round length about a fifth of the width, and a north arrow.
  const metresPerPixel = (Math.PI / 180) * EARTH_RADIUS_M / scale;
  const wanted = (WIDTH / 5) * metresPerPixel;
  const nice = [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000].reduce((best, value) => (Math.abs(value - wanted) < Math.abs(best - wanted) ? value : best));
  const barPx = nice / metresPerPixel;
  const scaleGroup = svg('g', { transform: `translate(16 ${HEIGHT - 18})` });
  scaleGroup.append(svg('rect', { x: -6, y: -18, width: barPx + 12, height: 26, fill: '#ffffff', 'fill-opacity': 0.85, rx: 3 }));
  scaleGroup.append(svg('path', { d: `M0,-6V0H${barPx.toFixed(1)}V-6`, fill: 'none', stroke: '#243342', 'stroke-width': 1.5 }));
  const scaleText = svg('text', { x: barPx / 2, y: -8, 'font-size': 11, 'text-anchor': 'middle', fill: '#243342' });
  scaleText.textContent = formatDistance(nice, dictionary);
  scaleGroup.append(scaleText);
  root.append(scaleGroup);
  const north = svg('g', { transform: `translate(${WIDTH - 26} 30)` });
  north.append(svg('path', { d: 'M0,-16L7,6L0,1L-7,6Z', fill: '#243342' }));
  const northText = svg('text', { x: 0, y: 20, 'font-size': 11, 'text-anchor': 'middle', fill: '#243342', 'font-weight': 700 });
  northText.textContent = dictionary.sheet.north;
  north.append(northText);
  root.append(north);
  return root;
}

async function featuresIn(layer: string, box: Bbox): Promise<Feature[]> {
  try {
    const page = await getJson<FeatureCollection>(`/api/layers/${layer}/features?bbox=${box.map((v) => v.toFixed(6)).join(',')}&limit=5000`);
    return page.features;
  } catch (error) {
    console.warn(`genk atlas: site sheet ${layer}`, error);
    return [];
  }
}

async function parcelsOf(site: Site): Promise<Feature[]> {
  return Promise.all(
    site.parcels.map(async (parcel) => {
      try {
        const feature = await fetchFeature('parcels', parcel.id);
        return { ...feature, properties: { ...parcel.properties, ...feature.properties } };
      } catch {
        return { type: 'Feature' as const, id: parcel.id, geometry: null, properties: parcel.properties };
      }
    }),
  );
}

function distinct(values: (string | null)[]): string {
  return [...new Set(values.filter((value): value is string => Boolean(value)))].join(', ');
}

const FIELD = (name: string, type = 'text') => ({ name, type, title_nl: name, title_en: name });

/** Build the sheet's content for a site (fetches the parcels and surroundings). */
async function buildSheet(context: SheetContext, dictionary: Dictionary): Promise<HTMLElement> {
  const { site } = context;
  const name = dictionary.expansion.siteName(context.parkName, context.rank);
  const siteBox = geometryBbox(site.geometry);
  const around = siteBox ? extractBox(siteBox) : null;
  const [parcels, neighbours, streets] = await Promise.all([parcelsOf(site), around ? featuresIn('parcels', around) : [], around ? featuresIn('streets', around) : []]);

  const article = el('article', 'sheet');
  const header = el('header', 'sheet-header');
  header.append(el('p', 'sheet-kicker', dictionary.sheet.kicker), el('h2', 'sheet-title', name));
  header.append(el('p', 'sheet-subtitle', `${formatArea(site.area_m2, dictionary)} · ${dictionary.expansion.parcels(site.parcels.length)} · ${dictionary.expansion.score} ${dictionary.expansion.scoreOf(formatNumber(site.score * 100, dictionary, 0))}`));
  article.append(header);

  const figure = el('figure', 'sheet-figure');
  figure.append(mapExtract(site, parcels, neighbours, streets, context.accessPoints, dictionary, name));
  const caption = el('figcaption', 'sheet-caption', `${dictionary.sheet.map}: ${dictionary.sheet.mapLegendSite} (${dictionary.expansion.rank(context.rank)}), ${dictionary.sheet.mapLegendParcels.toLowerCase()}, ${dictionary.sheet.mapLegendAccess.toLowerCase()}`);
  figure.append(caption);
  article.append(figure);

  // ---- facts ----
  const facts = el('section', 'sheet-section');
  facts.append(el('h3', 'sheet-heading', dictionary.sheet.facts));
  const list = el('dl', 'sheet-facts');
  const add = (term: string, value: string, field?: string): void => {
    const dt = el('dt', undefined, term);
    const dd = el('dd', undefined, value || '—');
    if (field) dd.dataset.field = field;
    list.append(dt, dd);
  };
  const prop = (parcel: Feature, field: string) => parcel.properties[field];
  add(dictionary.sheet.area, formatArea(site.area_m2, dictionary), 'area');
  add(dictionary.sheet.park, context.parkName, 'park');
  add(dictionary.sheet.parcels, parcels.map((parcel) => `${String(prop(parcel, 'capakey') ?? parcel.id)} (${formatArea(Number(prop(parcel, 'area_m2') ?? 0), dictionary)})`).join('; '), 'parcels');
  add(dictionary.sheet.zoning, distinct(parcels.map((parcel) => formatValue(FIELD('zoning'), prop(parcel, 'zoning'), dictionary))), 'zoning');
  add(
    dictionary.sheet.availability,
    distinct(
      parcels.map((parcel) => {
        const availability = formatValue(FIELD('availability'), prop(parcel, 'availability'), dictionary);
        const from = prop(parcel, 'available_from');
        return availability ? `${availability}, ${typeof from === 'string' && from ? dictionary.sheet.availableFrom(formatDate(from)) : dictionary.sheet.availableNow}` : null;
      }),
    ),
    'availability',
  );
  const prices = parcels.map((parcel) => Number(prop(parcel, 'price_eur_m2'))).filter((price) => Number.isFinite(price) && price > 0);
  const total = parcels.reduce((sum, parcel) => sum + Number(prop(parcel, 'price_eur_m2') ?? 0) * Number(prop(parcel, 'area_m2') ?? 0), 0);
  const priceText = prices.length === 0 ? '' : `${distinct(prices.map((price) => formatValue(FIELD('price_eur_m2', 'real'), price, dictionary)))}${total > 0 ? ` (${dictionary.sheet.priceTotal(formatNumber(Math.round(total), dictionary, 0))})` : ''}`;
  add(dictionary.sheet.price, priceText, 'price');
  add(dictionary.sheet.ready, distinct(parcels.map((parcel) => formatValue(FIELD('ready_to_build', 'boolean'), prop(parcel, 'ready_to_build'), dictionary))), 'ready');
  add(dictionary.sheet.maxHeight, distinct(parcels.map((parcel) => formatValue(FIELD('max_height_m', 'real'), prop(parcel, 'max_height_m'), dictionary))), 'max_height');
  add(dictionary.sheet.owner, distinct(parcels.map((parcel) => formatValue(FIELD('owner_kind'), prop(parcel, 'owner_kind'), dictionary))), 'owner');
  if (context.parkManager) add(dictionary.sheet.manager, context.parkManager, 'manager');
  facts.append(list);
  article.append(facts);

  // ---- access ----
  const access = el('section', 'sheet-section');
  access.append(el('h3', 'sheet-heading', dictionary.sheet.access));
  const accessList = el('ul', 'sheet-access');
  const middle: [number, number] | null = siteBox ? [(siteBox[0] + siteBox[2]) / 2, (siteBox[1] + siteBox[3]) / 2] : null;
  for (const kind of ['motorway_exit', 'quay', 'railway_station']) {
    if (!middle) break;
    let best: { name: string; metres: number } | null = null;
    for (const point of context.accessPoints) {
      if (point.properties.kind !== kind || point.geometry?.type !== 'Point') continue;
      const metres = distanceM(middle, point.geometry.coordinates as [number, number]);
      if (!best || metres < best.metres) best = { name: String(point.properties.name ?? kind), metres };
    }
    if (!best) continue;
    // The server's distance (from the site's outline) where it gives one; else from the middle.
    const measured = kind === 'motorway_exit' ? site.access.motorway_m : kind === 'quay' ? site.access.quay_m : null;
    const item = el('li');
    item.dataset.kind = kind;
    item.append(el('strong', undefined, `${dictionary.sheet.accessKinds[kind]}: `), document.createTextNode(dictionary.sheet.accessDistance(formatDistance(measured ?? best.metres, dictionary), best.name)));
    accessList.append(item);
  }
  if (site.access.rail_m !== null) {
    const item = el('li');
    item.dataset.kind = 'rail';
    item.append(el('strong', undefined, `${dictionary.sheet.accessKinds.rail}: `), document.createTextNode(formatDistance(site.access.rail_m, dictionary)));
    accessList.append(item);
  }
  access.append(accessList);
  article.append(access);

  // ---- score and reasons ----
  const reasons = el('section', 'sheet-section');
  reasons.append(el('h3', 'sheet-heading', dictionary.sheet.score));
  const table = el('table', 'sheet-reasons');
  const head = el('tr');
  for (const title of [dictionary.sheet.criterion, dictionary.expansion.score, dictionary.sheet.reason]) head.append(el('th', undefined, title));
  table.append(el('thead'), el('tbody'));
  table.tHead!.append(head);
  for (const criterion of site.criteria) {
    const row = el('tr');
    row.dataset.criterion = criterion.name;
    row.append(
      el('td', undefined, dictionary.expansion.criteria[criterion.name] ?? criterion.name),
      el('td', 'is-numeric', dictionary.expansion.scoreOf(formatNumber(criterion.score * 100, dictionary, 0))),
      el('td', undefined, criterion.reason),
    );
    table.tBodies[0].append(row);
  }
  reasons.append(table);
  article.append(reasons);

  const request = el('section', 'sheet-section');
  request.append(el('h3', 'sheet-heading', dictionary.sheet.request), el('p', undefined, context.requestSummary));
  article.append(request);

  const footer = el('footer', 'sheet-footer');
  const today = new Date();
  const iso = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  footer.append(el('p', undefined, dictionary.sheet.disclaimer), el('p', undefined, dictionary.sheet.printed(formatDate(iso))));
  article.append(footer);
  return article;
}

let openDialog: HTMLDialogElement | null = null;

/** Open the sheet of a site in a modal dialog with Print and Close. */
export function openSiteSheet(context: SheetContext): HTMLDialogElement {
  openDialog?.remove();
  const dictionary = t();
  const dialog = el('dialog', 'sheet-dialog');
  dialog.setAttribute('aria-label', dictionary.expansion.sheetLabel(dictionary.expansion.siteName(context.parkName, context.rank)));
  const tools = el('div', 'sheet-tools');
  const print = el('button', 'button', dictionary.sheet.print);
  print.type = 'button';
  print.addEventListener('click', () => window.print());
  const close = el('button', 'button button--quiet', dictionary.sheet.close);
  close.type = 'button';
  close.addEventListener('click', () => dialog.close());
  tools.append(print, close);
  const content = el('div', 'sheet-content');
  const loading = el('p', 'sheet-loading', dictionary.sheet.loading);
  loading.setAttribute('role', 'status');
  content.append(loading);
  dialog.append(tools, content);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (openDialog === dialog) openDialog = null;
    document.body.classList.remove('is-printing-sheet');
  });
  document.body.append(dialog);
  document.body.classList.add('is-printing-sheet');
  openDialog = dialog;
  dialog.showModal();
  buildSheet(context, dictionary)
    .then((sheet) => content.replaceChildren(sheet))
    .catch((error: unknown) => {
      console.warn('genk atlas: site sheet', error);
      loading.textContent = String(error);
    });
  return dialog;
}
