// How property values read in the interface.
//
// Dates are dd-mm-jjjj (the API sends ISO 8601 yyyy-mm-dd); numbers use the
// language's grouping and decimal marks (Dutch: 12.345,6); areas are m², with
// hectares beside them from one hectare up; booleans are Ja/Nee; coded values
// (status, zoning, ...) take their label from the dictionary.

import type { Dictionary } from './i18n';
import type { FieldInfo } from './api';

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(locale: string, maximumFractionDigits: number, minimumFractionDigits = 0): Intl.NumberFormat {
  const key = `${locale}/${maximumFractionDigits}/${minimumFractionDigits}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { maximumFractionDigits, minimumFractionDigits });
    numberFormats.set(key, format);
  }
  return format;
}

export function formatNumber(value: number, dictionary: Dictionary, maximumFractionDigits = 2): string {
  return numberFormat(dictionary.locale, maximumFractionDigits).format(value);
}

/** `2024-03-05` (or a full ISO timestamp) → `05-03-2024`; anything else unchanged. */
export function formatDate(value: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return match ? `${match[3]}-${match[2]}-${match[1]}` : value;
}

/** An area in square metres: `845 m²`, or `12.345 m² (1,23 ha)` from one hectare up; `fractionDigits` for a typed area (`85,5 m²`). */
export function formatArea(squareMetres: number, dictionary: Dictionary, fractionDigits = 0): string {
  const metres = `${formatNumber(fractionDigits === 0 ? Math.round(squareMetres) : squareMetres, dictionary, fractionDigits)} m²`;
  if (Math.abs(squareMetres) < 10_000) return metres;
  return `${metres} (${formatNumber(squareMetres / 10_000, dictionary, 2)} ha)`;
}

/** The unit a field carries in its name (`area_m2`, `price_eur_m2`, `max_height_m`). */
type Unit = 'm2' | 'eur_m2' | 'm' | null;

function unitOf(fieldName: string): Unit {
  if (fieldName.endsWith('_eur_m2')) return 'eur_m2';
  if (fieldName.endsWith('_m2')) return 'm2';
  if (fieldName.endsWith('_m')) return 'm';
  return null;
}

/** The field's title without the unit in brackets, since the value carries it. */
export function fieldLabel(field: FieldInfo, title: string): string {
  return unitOf(field.name) ? title.replace(/\s*\((m²|m2|€\/m²|m)\)\s*$/, '') : title;
}

/** `water_bound` → `Water bound`: a readable form of a code without a label. */
export function humanise(code: string): string {
  const words = code.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** One property value as a person reads it; null for "no value". */
export function formatValue(field: FieldInfo, value: unknown, dictionary: Dictionary): string | null {
  if (value === null || value === undefined || value === '') return null;
  const unit = unitOf(field.name);
  if (field.type === 'boolean' || typeof value === 'boolean') {
    const truth = value === true || value === 'true' || value === 1;
    return truth ? dictionary.popup.yes : dictionary.popup.no;
  }
  if (field.type === 'date' && typeof value === 'string') return formatDate(value);
  const number = typeof value === 'number' ? value : field.type === 'integer' || field.type === 'real' ? Number(value) : NaN;
  if (!Number.isNaN(number) && (typeof value === 'number' || field.type === 'integer' || field.type === 'real')) {
    // A sales floor is typed by people and shown as typed (85,5 m²); computed areas round to the metre.
    if (unit === 'm2') return formatArea(number, dictionary, field.name === 'floor_area_m2' ? 2 : 0);
    if (unit === 'eur_m2') return `€ ${numberFormat(dictionary.locale, 2, 2).format(number)} /m²`;
    if (unit === 'm') return `${formatNumber(number, dictionary, 1)} m`;
    return formatNumber(number, dictionary, field.type === 'integer' ? 0 : 2);
  }
  const text = String(value);
  // A place's other names are kept with `|` between them (ZOL|Ziekenhuis Oost-Limburg).
  if (field.name === 'alt_names') return text.split('|').map((name) => name.trim()).filter(Boolean).join(', ') || null;
  const labels = dictionary.values[field.name];
  if (labels && labels[text]) return labels[text];
  if (labels && /^[a-z0-9_]+$/.test(text)) return humanise(text);
  return text;
}

/**
 * A number as a person types it: `5.000`, `5000`, `85,5` and `1.234,5` in
 * Dutch, `5,000` and `85.5` in English, with spaces as thousands marks too.
 * A mark is the thousands mark where it splits the digits into groups of
 * three and is the language's thousands mark (or comes more than once);
 * otherwise it is the decimal mark (`85.5` in Dutch is 85,5; `5,000` is 5).
 * Empty → null; anything else that is not a number → NaN (never a guess).
 */
export function parseNumber(text: string, locale: string): number | null {
  const compact = text.replace(/[\s\u00a0\u202f]/g, '').replace(/^€/, '').replace(/(€\/m²|m²|m2|€|m)$/i, '');
  if (!compact) return null;
  const match = /^([-+]?)([\d.,]+)$/.exec(compact);
  if (!match || !/\d/.test(match[2])) return Number.NaN;
  const [, sign, body] = match;
  const localeDecimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((part) => part.type === 'decimal')?.value ?? '.';
  const localeGroup = localeDecimal === ',' ? '.' : ',';
  // With both marks the last one is the decimal mark (`1.234,5`, or `1,234.5` pasted from elsewhere).
  const lastDot = body.lastIndexOf('.');
  const lastComma = body.lastIndexOf(',');
  let decimal: string | null = null;
  let group: string | null = null;
  if (lastDot >= 0 && lastComma >= 0) {
    decimal = lastDot > lastComma ? '.' : ',';
    group = decimal === '.' ? ',' : '.';
  } else if (lastDot >= 0 || lastComma >= 0) {
    const mark = lastDot >= 0 ? '.' : ',';
    const parts = body.split(mark);
    // `5.000` in Dutch groups thousands; `5.000` in English is five, as is `5,000` in Dutch.
    if (groupsOfThree(parts) && (mark === localeGroup || parts.length > 2)) group = mark;
    else if (parts.length === 2) decimal = mark;
    else return Number.NaN;
  }
  const [whole, fraction, ...rest] = decimal ? body.split(decimal) : [body];
  if (rest.length > 0 || fraction === '') return Number.NaN;
  const wholeParts = group ? whole.split(group) : [whole];
  if (wholeParts.length > 1 && !groupsOfThree(wholeParts)) return Number.NaN;
  const digits = wholeParts.join('') || (fraction !== undefined ? '0' : '');
  if (!/^\d+$/.test(digits) || (fraction !== undefined && !/^\d+$/.test(fraction))) return Number.NaN;
  return Number(`${sign}${digits}${fraction !== undefined ? `.${fraction}` : ''}`);
}

/** `['1', '234', '567']`: digits split into thousands (one to three digits first, then threes). */
function groupsOfThree(parts: string[]): boolean {
  return parts.length > 1 && /^\d{1,3}$/.test(parts[0]) && parts.slice(1).every((part) => /^\d{3}$/.test(part));
}
