// A text field for a number, typed the Dutch or the English way.
//
// Browsers' `type="number"` reads `5.000` as five in a Dutch page; this field
// reads what a Fleming types (`5.000`, `85,5`) or an English user does
// (`5,000`, `85.5`) with `parseNumber`, says beside the field what it read
// ("gelezen als 5.000 m²"), and marks a value it cannot read instead of
// changing it. A switch of language keeps the number: `10.000` typed in
// Dutch is written `10,000` in English, never read again as ten.

import { formatNumber, parseNumber } from './format';
import { onLang, t, type Dictionary } from './i18n';

export interface NumberField {
  input: HTMLInputElement;
  /** The line under the field that says what was read, or that it could not be. */
  reading: HTMLElement;
  /** The number typed; null when empty; NaN when it cannot be read. */
  value(): number | null;
  /** Show a number in the page's language (`5.000`), or empty for null. */
  set(value: number | null | undefined): void;
  /** Mark the field when its text is not a number; true when it reads. */
  check(): boolean;
}

let uid = 0;

/** Make `input` a number field; `show` writes a read number with its unit (`5.000 m²`). */
export function numberField(input: HTMLInputElement, show: (value: number, dictionary: Dictionary) => string = (value, dictionary) => formatNumber(value, dictionary, 2)): NumberField {
  input.type = 'text';
  input.inputMode = 'decimal';
  input.autocomplete = 'off';
  input.spellcheck = false;
  const reading = document.createElement('span');
  reading.className = 'number-reading';
  reading.id = `number-reading-${++uid}`;
  reading.setAttribute('aria-live', 'polite');
  input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), reading.id].filter(Boolean).join(' '));

  const value = () => parseNumber(input.value, t().locale);
  const render = (mark: boolean) => {
    const dictionary = t();
    const read = value();
    const unreadable = read !== null && Number.isNaN(read);
    reading.dataset.state = read === null ? 'empty' : unreadable ? 'unreadable' : 'read';
    reading.textContent = read === null ? '' : unreadable ? dictionary.numbers.unreadable : dictionary.numbers.read(show(read, dictionary));
    if (unreadable && mark) input.setAttribute('aria-invalid', 'true');
    else if (!unreadable) input.removeAttribute('aria-invalid');
    return !unreadable;
  };
  input.addEventListener('input', () => render(false));
  input.addEventListener('change', () => render(true));
  // Follow the language while the field is on the page; a field of a closed dialog lets go.
  let placed = false;
  let locale = t().locale;
  const off = onLang((dictionary) => {
    if (placed && !input.isConnected) return off();
    placed ||= input.isConnected;
    if (dictionary.locale !== locale) {
      // what was read in the old language, written in the new one
      const read = parseNumber(input.value, locale);
      if (read !== null && Number.isFinite(read)) input.value = formatNumber(read, dictionary, 2);
      locale = dictionary.locale;
    }
    render(false);
  });
  return {
    input,
    reading,
    value,
    set(next) {
      input.value = next === null || next === undefined ? '' : formatNumber(next, t(), 2);
      render(false);
    },
    check: () => render(true),
  };
}
