// A short message over the map that a person should not miss ("Opgeslagen:
// Vennestraat 10: status In gebruik → Leeg"), read out by screen readers
// (`role="status"`), gone after a while or with its close button.

import { t } from './i18n';

const SHOWN_MS = 12_000;
let timer: ReturnType<typeof setTimeout> | null = null;

function region(): HTMLElement {
  let element = document.getElementById('atlas-announce');
  if (!element) {
    element = document.createElement('div');
    element.id = 'atlas-announce';
    element.className = 'announce';
    element.setAttribute('role', 'status');
    element.hidden = true;
    document.body.append(element);
  }
  return element;
}

/** Say `text` over the map until it times out or is closed. */
export function announce(text: string): void {
  const element = region();
  const message = document.createElement('span');
  message.className = 'announce-text';
  message.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'announce-close';
  close.textContent = '×';
  close.setAttribute('aria-label', t().popup.close);
  close.addEventListener('click', () => (element.hidden = true));
  element.replaceChildren(message, close);
  element.hidden = false;
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => (element.hidden = true), SHOWN_MS);
}
