// The current language and the text bindings that follow it.
//
// Dutch is the default; the choice is kept in localStorage and can be forced
// with `?lang=en`. Panels bind text once (`bindText`) and every binding is
// re-applied when the language changes, so no panel keeps stale labels.

import { nl, type Dictionary } from './nl';
import { en } from './en';

export type Lang = 'nl' | 'en';
export type { Dictionary };

const DICTIONARIES: Record<Lang, Dictionary> = { nl, en };
const STORAGE_KEY = 'genk-atlas.lang';

type Listener = (dictionary: Dictionary) => void;
const listeners = new Set<Listener>();

function initialLang(): Lang {
  const fromQuery = new URLSearchParams(location.search).get('lang');
  if (fromQuery === 'nl' || fromQuery === 'en') return fromQuery;
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === 'nl' || stored === 'en') return stored;
  } catch {
    // storage may be blocked; Dutch it is
  }
  return 'nl';
}

let current: Lang = initialLang();

/** The language now shown. */
export function lang(): Lang {
  return current;
}

/** The dictionary of the language now shown. */
export function t(): Dictionary {
  return DICTIONARIES[current];
}

/** Switch language: updates `<html lang>`, the title and every binding. */
export function setLang(next: Lang): void {
  if (next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not persisted; the switch still works for this page
  }
  applyDocument();
  for (const listener of listeners) listener(t());
}

/** Call `listener` now and after every language change; returns an unsubscribe. */
export function onLang(listener: Listener): () => void {
  listeners.add(listener);
  listener(t());
  return () => listeners.delete(listener);
}

/** Keep an element's text (or one of its attributes) in the current language. */
export function bindText(element: Element, text: (dictionary: Dictionary) => string, attribute?: string): void {
  onLang((dictionary) => {
    const value = text(dictionary);
    if (attribute) element.setAttribute(attribute, value);
    else element.textContent = value;
  });
}

/** A layer's or field's title in the current language, falling back to Dutch. */
export function pickTitle(titles: { title_nl?: string; title_en?: string }, fallback: string): string {
  const title = current === 'en' ? titles.title_en : titles.title_nl;
  return title || titles.title_nl || fallback;
}

function applyDocument(): void {
  document.documentElement.lang = current;
  document.title = t().app.documentTitle;
}

applyDocument();
