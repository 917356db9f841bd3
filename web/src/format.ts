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

/** An area in square metres: `845 m²`, or `12.345 m² (1,23 ha)` from one hectare up. */
export function formatArea(squareMetres: number, dictionary: Dictionary): string {
  const metres = `${formatNumber(Math.round(squareMetres), dictionary, 0)} m²`;
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
    if (unit === 'm2') return formatArea(number, dictionary);
    if (unit === 'eur_m2') return `€ ${numberFormat(dictionary.locale, 2, 2).format(number)} /m²`;
    if (unit === 'm') return `${formatNumber(number, dictionary, 1)} m`;
    return formatNumber(number, dictionary, field.type === 'integer' ? 0 : 2);
  }
  const text = String(value);
  const labels = dictionary.values[field.name];
  if (labels && labels[text]) return labels[text];
  if (labels && /^[a-z0-9_]+$/.test(text)) return humanise(text);
  return text;
}
