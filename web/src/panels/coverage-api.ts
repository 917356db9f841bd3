// The coverage (Buurtaanbod) part of the server contract, typed, and read
// leniently where the answer's exact shape is the server's to choose.
//
//   GET  /api/coverage?kind&threshold_m&date    → CoverageAnswer
//   POST /api/coverage/whatif {kind, threshold_m, date?, add:[{lon,lat,kind}], remove:[unit ids]}
//                                               → the figures before and after
//   GET  /api/coverage/isochrones?unit=ID       → GeoJSON polygons reached at 400/800/1,200 m
//   GET  /api/coverage/gaps?kind&threshold_m&date → GeoJSON points of residents beyond the threshold
// Shares are fractions (0.72), distances metres along the street network.

import { ApiError, getJson, postJson } from '../api';

export type ShopKind = 'bakery' | 'butcher' | 'supermarket' | 'grocery' | 'pharmacy' | 'daily';
export const SHOP_KINDS: ShopKind[] = ['bakery', 'butcher', 'grocery', 'supermarket', 'pharmacy', 'daily'];
/** The kinds a hypothetical shop can have (a basket is not a shop). */
export const SINGLE_KINDS: Exclude<ShopKind, 'daily'>[] = ['supermarket', 'bakery', 'butcher', 'grocery', 'pharmacy'];
/** The kinds whose shops count for a coverage kind, for drawing them. */
export function kindsCounted(kind: ShopKind): string[] {
  return kind === 'daily' ? ['supermarket', 'bakery', 'butcher', 'grocery'] : [kind];
}

export type Threshold = 400 | 800 | 1200 | 'any';
export const THRESHOLDS: Threshold[] = [400, 800, 1200, 'any'];

export interface CoverageFigures {
  code: string;
  name: string;
  population: number;
  covered: number;
  /** covered / population; null without residents. */
  share: number | null;
  median_m: number | null;
  p90_m: number | null;
  unreachable: number;
}

export interface CoverageAnswer {
  kind: ShopKind;
  threshold_m: Threshold;
  date: string | null;
  neighbourhoods: CoverageFigures[];
  city: CoverageFigures;
}

export interface AddedShop {
  lon: number;
  lat: number;
  kind: Exclude<ShopKind, 'daily'>;
}

export interface WhatIfAnswer {
  before: CoverageAnswer;
  after: CoverageAnswer;
  /** Per added shop, in order: the residents within the distance of it alone. */
  addedReach: number[];
}

export interface CoverageQuery {
  kind: ShopKind;
  threshold: Threshold;
  /** ISO date, or '' for the server's default (the newest data). */
  date: string;
}

function queryString(query: CoverageQuery): string {
  const params = new URLSearchParams({ kind: query.kind, threshold_m: String(query.threshold) });
  if (query.date) params.set('date', query.date);
  return params.toString();
}

function number(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function figures(raw: Record<string, unknown>, fallbackCode = ''): CoverageFigures {
  const population = number(raw.population) ?? 0;
  const covered = number(raw.covered) ?? 0;
  const share = number(raw.share) ?? (population > 0 ? covered / population : null);
  return {
    code: String(raw.code ?? raw.id ?? fallbackCode),
    name: String(raw.name ?? raw.code ?? fallbackCode),
    population,
    covered,
    share,
    median_m: number(raw.median_m),
    p90_m: number(raw.p90_m),
    unreachable: number(raw.unreachable) ?? 0,
  };
}

/** Read one coverage answer; tolerant of extra fields and missing optional ones. */
export function readCoverage(raw: unknown, query?: CoverageQuery): CoverageAnswer {
  const body = (raw ?? {}) as Record<string, unknown>;
  const neighbourhoods = Array.isArray(body.neighbourhoods) ? body.neighbourhoods : [];
  return {
    kind: (body.kind as ShopKind) ?? query?.kind ?? 'bakery',
    threshold_m: (body.threshold_m as Threshold) ?? query?.threshold ?? 800,
    date: typeof body.date === 'string' ? body.date : null,
    neighbourhoods: neighbourhoods.map((entry) => figures(entry as Record<string, unknown>)),
    city: figures((body.city ?? {}) as Record<string, unknown>, 'city'),
  };
}

export async function fetchCoverage(query: CoverageQuery, signal?: AbortSignal): Promise<CoverageAnswer> {
  return readCoverage(await getJson<unknown>(`/api/coverage?${queryString(query)}`, signal), query);
}

export async function fetchWhatIf(query: CoverageQuery, add: AddedShop[], remove: string[], signal?: AbortSignal): Promise<WhatIfAnswer> {
  const request: Record<string, unknown> = { kind: query.kind, threshold_m: query.threshold, add, remove };
  if (query.date) request.date = query.date;
  const body = await postJson<Record<string, unknown>>('/api/coverage/whatif', request, signal);
  const added = Array.isArray(body.added) ? (body.added as { residents_within?: unknown }[]) : [];
  return { before: readCoverage(body.before, query), after: readCoverage(body.after, query), addedReach: added.map((entry) => Number(entry.residents_within ?? 0)) };
}

export async function fetchIsochrones(unitId: string, signal?: AbortSignal): Promise<GeoJSON.FeatureCollection> {
  return getJson<GeoJSON.FeatureCollection>(`/api/coverage/isochrones?unit=${encodeURIComponent(unitId)}`, signal);
}

export async function fetchGaps(query: CoverageQuery, signal?: AbortSignal): Promise<GeoJSON.FeatureCollection> {
  return getJson<GeoJSON.FeatureCollection>(`/api/coverage/gaps?${queryString(query)}`, signal);
}

/** The walking distance an isochrone polygon stands for, read from whichever property carries it. */
export function isochroneDistance(properties: Record<string, unknown> | null): number | null {
  if (!properties) return null;
  for (const name of ['limit_m', 'threshold_m', 'distance_m', 'max_m', 'cost_m', 'metres', 'm']) {
    const value = Number(properties[name]);
    if (properties[name] !== undefined && Number.isFinite(value)) return value;
  }
  return null;
}

/** A route the server does not have (yet): the panel says so quietly. */
export function isUnavailable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** What to tell a person about a failed request: the server's own words, else the status. */
export function reasonOf(error: unknown): string {
  return error instanceof ApiError ? error.reason || String(error.status) : String(error);
}
