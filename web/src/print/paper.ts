// The printed page: paper sizes, the map's box on it, and the map's scale
// there (1:N and a scale bar of a round length), from the view's metres
// per pixel. Pure arithmetic, so the sheet and its tests agree.

export type Paper = 'A4' | 'A3';
export type Orientation = 'landscape' | 'portrait';

/** Paper sides in millimetres, portrait. */
const SIDES_MM: Record<Paper, [number, number]> = { A4: [210, 297], A3: [297, 420] };
export const MARGIN_MM = 10;
/** The legend's column beside the map on a landscape page (below it on a portrait one). */
export const LEGEND_MM = 62;
/** The title above and the credits below the map. */
const HEADER_MM = 22;
const FOOTER_MM = 14;

export interface PageBox {
  pageWidthMm: number;
  pageHeightMm: number;
  /** The box the map image is fitted into. */
  mapWidthMm: number;
  mapHeightMm: number;
}

export function pageBox(paper: Paper, orientation: Orientation): PageBox {
  const [short, long] = SIDES_MM[paper];
  const [pageWidthMm, pageHeightMm] = orientation === 'landscape' ? [long, short] : [short, long];
  const innerWidth = pageWidthMm - 2 * MARGIN_MM;
  const innerHeight = pageHeightMm - 2 * MARGIN_MM - HEADER_MM - FOOTER_MM;
  return orientation === 'landscape'
    ? { pageWidthMm, pageHeightMm, mapWidthMm: innerWidth - LEGEND_MM, mapHeightMm: innerHeight }
    : { pageWidthMm, pageHeightMm, mapWidthMm: innerWidth, mapHeightMm: innerHeight - 70 };
}

/** The image's printed size: `imageWidth × imageHeight` pixels fitted into the box. */
export function fittedSize(box: PageBox, imageWidth: number, imageHeight: number): { widthMm: number; heightMm: number } {
  const aspect = imageWidth / imageHeight;
  const widthMm = Math.min(box.mapWidthMm, box.mapHeightMm * aspect);
  return { widthMm, heightMm: widthMm / aspect };
}

/** The ratio N of 1:N, rounded to three significant digits (1:24.300, 1:9.550). */
export function scaleRatio(groundWidthM: number, printedWidthMm: number): number {
  const exact = groundWidthM / (printedWidthMm / 1000);
  const step = 10 ** Math.max(0, Math.floor(Math.log10(exact)) - 2);
  return Math.round(exact / step) * step;
}

const BAR_LENGTHS_M = [10, 20, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000];

/** A round length for the scale bar: the longest at most a quarter of the map's width. */
export function scaleBarMetres(groundWidthM: number): number {
  const fits = BAR_LENGTHS_M.filter((length) => length <= groundWidthM / 4);
  return fits.length > 0 ? fits[fits.length - 1] : BAR_LENGTHS_M[0];
}

/** Metres on the ground between two `[lon, lat]` points (haversine on a sphere: a scale is a 1% figure). */
export function groundMetres([lon1, lat1]: [number, number], [lon2, lat2]: [number, number]): number {
  const EARTH_RADIUS_M = 6_371_008.8;
  const rad = Math.PI / 180;
  const a = Math.sin(((lat2 - lat1) * rad) / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(((lon2 - lon1) * rad) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}
