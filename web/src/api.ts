// Typed access to the atlas server: the layer list, features and the style.
//
// The contract (see the README of the repository and issue 3):
//   GET /api/layers                         → { layers: LayerInfo[] }
//   GET /api/layers/{id}/features?bbox&limit&offset → GeoJSON FeatureCollection
//   GET /api/layers/{id}/features/{feature_id}      → GeoJSON Feature
//   GET /tiles/style.json                   → MapLibre style v8, one vector source per layer
// Coordinates are EPSG:4326, [longitude, latitude].

import type { StyleSpecification } from 'maplibre-gl';

export type FieldType = 'text' | 'integer' | 'real' | 'boolean' | 'date';

export interface FieldInfo {
  name: string;
  type: FieldType | string;
  title_nl: string;
  title_en: string;
}

export type Bbox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** A data source a layer is credited to (`model::provenance` on the server). */
export interface SourceInfo {
  /** `wijken`, `openstreetmap`: the key of its text in the dictionaries. */
  id: string;
  /** The credit in Dutch, for a source the dictionaries do not know. */
  credit_nl: string;
  url: string;
}

export interface LayerInfo {
  id: string;
  title_nl: string;
  title_en: string;
  geometry_type: string;
  count: number;
  bbox: Bbox | null;
  fields: FieldInfo[];
  sources?: SourceInfo[];
}

export type Geometry =
  | { type: 'Point'; coordinates: number[] }
  | { type: 'MultiPoint' | 'LineString'; coordinates: number[][] }
  | { type: 'MultiLineString' | 'Polygon'; coordinates: number[][][] }
  | { type: 'MultiPolygon'; coordinates: number[][][][] };

export interface Feature {
  type: 'Feature';
  id: string | number;
  geometry: Geometry | null;
  properties: Record<string, unknown>;
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  numberMatched?: number;
  numberReturned?: number;
  features: Feature[];
}

export class ApiError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    message: string,
    /** The server's own message (`error`), without the URL and status. */
    readonly reason = '',
    /** The request field or parameter the server named as wrong, if any. */
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

async function readJson<T>(url: string, response: Response): Promise<T> {
  if (!response.ok) {
    let detail = response.statusText;
    let reason = '';
    let field: string | null = null;
    try {
      const body = (await response.json()) as { error?: string; detail?: unknown; field?: unknown };
      detail = [body.error, typeof body.detail === 'string' ? body.detail : ''].filter(Boolean).join(': ');
      reason = body.error ?? '';
      const named = body.field ?? (body.detail as { parameter?: unknown; field?: unknown } | null)?.parameter ?? (body.detail as { field?: unknown } | null)?.field;
      if (typeof named === 'string') field = named;
    } catch {
      // not JSON; keep the status text
    }
    throw new ApiError(url, response.status, `${url}: ${response.status} ${detail}`, reason, field);
  }
  return (await response.json()) as T;
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  return readJson<T>(url, response);
}

export async function postJson<T>(url: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    signal,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return readJson<T>(url, response);
}

export async function fetchLayers(): Promise<LayerInfo[]> {
  const body = await getJson<{ layers: LayerInfo[] }>('/api/layers');
  return body.layers;
}

export async function fetchStyle(): Promise<StyleSpecification> {
  return getJson<StyleSpecification>('/tiles/style.json');
}

export async function fetchFeature(layerId: string, featureId: string, signal?: AbortSignal): Promise<Feature> {
  return getJson<Feature>(`/api/layers/${encodeURIComponent(layerId)}/features/${encodeURIComponent(featureId)}`, signal);
}

/** The largest page the server hands out (`MAX_LIMIT` in src/http/layers.rs). */
const PAGE_LIMIT = 10_000;

/** Every feature of a layer, page by page. */
export async function fetchAllFeatures(layerId: string, signal?: AbortSignal): Promise<Feature[]> {
  const features: Feature[] = [];
  for (let offset = 0; ; offset += PAGE_LIMIT) {
    const page = await getJson<FeatureCollection>(
      `/api/layers/${encodeURIComponent(layerId)}/features?limit=${PAGE_LIMIT}&offset=${offset}`,
      signal,
    );
    features.push(...page.features);
    const matched = page.numberMatched ?? features.length;
    if (page.features.length < PAGE_LIMIT || features.length >= matched) return features;
  }
}

/** The bounding box of a geometry, or null when it has no coordinates. */
export function geometryBbox(geometry: Geometry | null): Bbox | null {
  if (!geometry) return null;
  let minLon = Infinity;
  let minLat = Infinity;
  let maxLon = -Infinity;
  let maxLat = -Infinity;
  const visit = (coordinates: unknown): void => {
    if (!Array.isArray(coordinates)) return;
    if (typeof coordinates[0] === 'number') {
      const [lon, lat] = coordinates as number[];
      if (lon < minLon) minLon = lon;
      if (lon > maxLon) maxLon = lon;
      if (lat < minLat) minLat = lat;
      if (lat > maxLat) maxLat = lat;
      return;
    }
    for (const child of coordinates) visit(child);
  };
  visit(geometry.coordinates);
  return Number.isFinite(minLon) ? [minLon, minLat, maxLon, maxLat] : null;
}

export function unionBbox(a: Bbox | null, b: Bbox | null): Bbox | null {
  if (!a) return b;
  if (!b) return a;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** A JSON request that may fail in expected ways: the status and the parsed body (null when not JSON). */
export async function sendJson(method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    // 204 or not JSON
  }
  return { status: response.status, body: parsed };
}
