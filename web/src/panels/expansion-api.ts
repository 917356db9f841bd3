// The site search (Uitbreiding) part of the server contract, typed, and read
// leniently where the answer's exact shape is the server's to choose.
//
//   POST /api/sites/search {activity, min_area_m2, max_area_m2, needed_by, requires, max_price_eur_m2,
//                           near: {company_id} | {lon, lat}, max_distance_m, weights, limit, offset,
//                           explain, lang: 'nl' | 'en'}
//     → {sites: [{id, parcels, park, area_m2, score, criteria: [{name, score, reason}], geometry}]}
//   The reasons (criteria and explain) come in `lang`, the language the interface shows;
//   it is added when the request is sent, so a kept search carries no language.
//     → 400 {error, field} (or {error, detail: {parameter}}) naming the bad field
// Areas m², prices €/m², distances metres, criterion scores 0 to 1.

import { postJson, type Geometry } from '../api';
import type { Lang } from '../i18n';

export const ACTIVITIES = ['manufacturing', 'logistics', 'water_bound_logistics', 'sme_craft', 'knowledge_intensive', 'care', 'services', 'retail'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const CRITERIA = ['motorway', 'near', 'area_fit', 'price', 'ready'] as const;
export type Criterion = (typeof CRITERIA)[number];
export type Weights = Record<Criterion, number>;

/** The server's defaults (DOMAIN.md, issue 7): with a place to be near, and without. */
export const DEFAULT_WEIGHTS_NEAR: Weights = { motorway: 30, near: 20, area_fit: 30, price: 10, ready: 10 };
export const DEFAULT_WEIGHTS: Weights = { motorway: 40, near: 0, area_fit: 35, price: 15, ready: 10 };

export type Near = { company_id: string } | { lon: number; lat: number };

export interface SiteRequest {
  activity: string;
  min_area_m2?: number;
  max_area_m2?: number;
  needed_by?: string;
  requires: ('quay' | 'rail')[];
  max_price_eur_m2?: number;
  near?: Near;
  max_distance_m?: number;
  weights: Weights;
  limit: number;
  offset: number;
  /** Ask which constraints ruled out the parcels that came closest. */
  explain?: boolean;
}

export interface CriterionScore {
  name: string;
  score: number;
  reason: string;
}

export interface SiteParcel {
  id: string;
  /** Whatever the answer tells of the parcel beyond its id (capakey, area, ...). */
  properties: Record<string, unknown>;
}

export interface Site {
  id: string;
  parcels: SiteParcel[];
  /** The park's id or name as the answer gives it. */
  park: string | null;
  parkName: string | null;
  area_m2: number;
  /** 0 to 1. */
  score: number;
  criteria: CriterionScore[];
  geometry: Geometry | null;
  /** Distances the server measured from the site to the nearest motorway exit, quay and rail (m), when it says. */
  access: { motorway_m: number | null; quay_m: number | null; rail_m: number | null };
}

/** A parcel on the market that is in no listed site, and every constraint it fails. */
export interface RuledOut {
  parcel: string;
  parkName: string | null;
  area_m2: number | null;
  reasons: string[];
}

export interface SiteAnswer {
  sites: Site[];
  /** How many sites match in all, when the server says. */
  total: number | null;
  /** With `explain`: the parcels that came closest and why they are out. */
  ruledOut: RuledOut[];
}

function readRuledOut(raw: unknown): RuledOut {
  const body = (raw ?? {}) as Record<string, unknown>;
  const failures = Array.isArray(body.ruled_out_by) ? body.ruled_out_by : [];
  return {
    parcel: String(body.parcel ?? body.id ?? ''),
    parkName: typeof body.park_name === 'string' ? body.park_name : typeof body.park === 'string' ? body.park : null,
    area_m2: typeof body.area_m2 === 'number' ? body.area_m2 : null,
    reasons: failures.map((failure) => {
      const entry = (failure ?? {}) as Record<string, unknown>;
      return String(entry.reason ?? entry.constraint ?? '');
    }),
  };
}

function readParcel(raw: unknown): SiteParcel {
  if (typeof raw === 'string' || typeof raw === 'number') return { id: String(raw), properties: {} };
  const body = (raw ?? {}) as Record<string, unknown>;
  const properties = { ...((body.properties as Record<string, unknown>) ?? {}), ...body };
  delete properties.properties;
  delete properties.geometry;
  return { id: String(body.id ?? body.parcel_id ?? body.capakey ?? ''), properties };
}

function readSite(raw: unknown): Site {
  const body = (raw ?? {}) as Record<string, unknown>;
  const park = body.park as unknown;
  const parkObject = park && typeof park === 'object' ? (park as Record<string, unknown>) : null;
  const rawScore = Number(body.score ?? 0);
  const criteria = Array.isArray(body.criteria) ? body.criteria : [];
  const access = (body.access ?? {}) as Record<string, unknown>;
  return {
    id: String(body.id ?? ''),
    parcels: Array.isArray(body.parcels) ? body.parcels.map(readParcel) : [],
    park: parkObject ? String(parkObject.id ?? parkObject.name ?? '') : park === null || park === undefined ? (typeof body.park_id === 'string' ? body.park_id : null) : String(park),
    parkName: parkObject && typeof parkObject.name === 'string' ? parkObject.name : typeof body.park_name === 'string' ? body.park_name : null,
    area_m2: Number(body.area_m2 ?? 0),
    // Scores are 0 to 1; a server that answers out of 100 is read the same way.
    score: rawScore > 1.0001 ? rawScore / 100 : rawScore,
    criteria: criteria.map((entry) => {
      const criterion = (entry ?? {}) as Record<string, unknown>;
      const score = Number(criterion.score ?? 0);
      return { name: String(criterion.name ?? ''), score: score > 1.0001 ? score / 100 : score, reason: String(criterion.reason ?? '') };
    }),
    geometry: (body.geometry as Geometry | null) ?? null,
    access: {
      motorway_m: metresOf(access.motorway_m),
      quay_m: metresOf(access.quay_m),
      rail_m: metresOf(access.rail_m),
    },
  };
}

function metresOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The request as it is kept (saved, or in a shared link): without paging or the explain switch. */
export function keptRequest(request: SiteRequest): Partial<SiteRequest> {
  const kept: Partial<SiteRequest> = { ...request };
  delete kept.limit;
  delete kept.offset;
  delete kept.explain;
  return kept;
}

/** Search, with the reasons written in `lang`. */
export async function searchSites(request: SiteRequest, lang: Lang, signal?: AbortSignal): Promise<SiteAnswer> {
  const body = await postJson<Record<string, unknown>>('/api/sites/search', { ...request, lang }, signal);
  const sites = Array.isArray(body.sites) ? body.sites.map(readSite) : [];
  const total = Number(body.total ?? body.count ?? body.number_matched ?? NaN);
  const ruledOut = Array.isArray(body.explain) ? body.explain.map(readRuledOut) : [];
  return { sites, total: Number.isFinite(total) ? total : null, ruledOut };
}
