// A text field for a date, read and written dd-mm-jjjj whatever the
// browser's locale (a headless English Chromium would show a `type="date"`
// field as mm/dd/yyyy).
//
// It reads what people type: `5-12-2026`, `05/12/2026`, `05.12.2026`, and
// also an ISO `2026-12-05`; it writes the date back as `05-12-2026` when the
// field is left, and marks a date that does not exist (31-02-2026) with a
// message beside the field instead of changing it. The code reads the ISO
// date (`iso()`); links and the API keep ISO dates.

import { onLang, t } from './i18n';

/** `YYYY-MM-DD` of a typed date; `''` for an empty field; null when it is no date. */
export function parseTypedDate(text: string): string | null {
  const typed = text.trim();
  if (typed === '') return '';
  const dutch = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(typed);
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(typed);
  const [year, month, day] = dutch ? [dutch[3], dutch[2], dutch[1]].map(Number) : iso ? [iso[1], iso[2], iso[3]].map(Number) : [NaN, NaN, NaN];
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** `2026-12-05` → `05-12-2026`. */
function written(iso: string): string {
  const [year, month, day] = iso.split('-');
  return iso ? `${day}-${month}-${year}` : '';
}

export interface DateField {
  input: HTMLInputElement;
  /** The message beside the field when its text is no date. */
  message: HTMLElement;
  /** The ISO date typed; `''` when empty or when it is no date. */
  iso(): string;
  /** Show an ISO date (or empty). */
  set(iso: string | null | undefined): void;
  /** Mark the field when its text is no date; true when it is one (or empty). */
  check(): boolean;
}

let uid = 0;

/** Make `input` a date field. */
export function dateField(input: HTMLInputElement): DateField {
  input.type = 'text';
  input.inputMode = 'numeric';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.classList.add('date-input');
  const message = document.createElement('span');
  message.className = 'date-message';
  message.id = `date-message-${++uid}`;
  message.setAttribute('aria-live', 'polite');
  input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), message.id].filter(Boolean).join(' '));

  const check = (): boolean => {
    const read = parseTypedDate(input.value);
    const wrong = read === null;
    message.textContent = wrong ? t().dates.unreadable : '';
    if (wrong) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    input.setCustomValidity(wrong ? t().dates.unreadable : '');
    return !wrong;
  };
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid') === 'true') check();
  });
  input.addEventListener('change', () => {
    const read = parseTypedDate(input.value);
    if (read) input.value = written(read);
    check();
  });
  let placed = false;
  const off = onLang((dictionary) => {
    if (placed && !input.isConnected) return off();
    placed ||= input.isConnected;
    input.placeholder = dictionary.dates.placeholder;
    if (input.getAttribute('aria-invalid') === 'true') check();
  });
  return {
    input,
    message,
    iso: () => parseTypedDate(input.value) ?? '',
    set(iso) {
      input.value = written(iso ?? '');
      check();
    },
    check,
  };
}
