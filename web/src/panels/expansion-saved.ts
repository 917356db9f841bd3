// Site searches kept for a company (`POST /api/sites/saved`, `GET
// /api/sites/saved?company_id=`): for the roles that keep companies
// (business, admin), once a company is chosen to search near. The account
// manager names the search and saves it; the searches kept for that company
// are listed, and one click loads one into the form and runs it again.
// Hidden for everyone else, and when the server has no such route.

import { getJson, postJson, ApiError } from '../api';
import { formatDate } from '../format';
import { bindText, onLang, t } from '../i18n';
import { currentSession, onSession } from './login';
import type { SiteRequest } from './expansion-api';
import type { ExpansionForm } from './expansion-form';

interface SavedSearch {
  id: string | number;
  company_id: string;
  name: string;
  request: Partial<SiteRequest>;
  saved_by: string | null;
  saved_at: string | null;
}

const ROLES_THAT_SAVE = new Set(['business', 'admin']);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
}

/** The request as it is kept: without paging or the explain switch. */
function keptRequest(request: SiteRequest): Partial<SiteRequest> {
  const kept: Partial<SiteRequest> = { ...request };
  delete kept.limit;
  delete kept.offset;
  delete kept.explain;
  return kept;
}

export function renderSavedSearches(form: ExpansionForm, run: () => void): HTMLElement {
  const section = el('section', 'expansion-saved');
  section.hidden = true;
  const title = el('h3', 'section-title');
  const field = el('div', 'field');
  const label = el('label', 'field-label');
  bindText(label, (d) => d.expansion.saved.name);
  const name = el('input');
  name.type = 'text';
  name.id = 'expansion-saved-name';
  name.maxLength = 200;
  label.htmlFor = name.id;
  field.append(label, name);
  const save = el('button', 'button button--small');
  save.type = 'button';
  bindText(save, (d) => d.expansion.saved.save);
  const note = el('p', 'field-hint');
  note.setAttribute('role', 'status');
  const list = el('ul', 'saved-list');
  section.append(title, field, save, note, list);

  let searches: SavedSearch[] = [];
  let shownFor: string | null = null;
  let unavailable = false;

  function allowed(): boolean {
    return !unavailable && ROLES_THAT_SAVE.has(currentSession().role);
  }

  /** Show or hide the section for the company now chosen (the list stays as it is). */
  function renderHeader(): void {
    const company = form.company();
    section.hidden = !allowed() || company === null;
    if (company) title.textContent = t().expansion.saved.title(company.name);
  }

  /** Rebuild the list (only when it changed: a click on it must not lose its button). */
  function render(): void {
    const dictionary = t();
    renderHeader();
    list.replaceChildren(
      ...searches.map((search) => {
        const item = el('li', 'saved-item');
        item.dataset.savedId = String(search.id);
        const text = el('span', 'saved-text');
        text.append(el('strong', undefined, search.name), document.createTextNode(` · ${dictionary.expansion.saved.by(search.saved_at ? formatDate(search.saved_at) : '', search.saved_by ?? '')}`));
        const load = el('button', 'button button--quiet button--small', dictionary.expansion.saved.load);
        load.type = 'button';
        load.setAttribute('aria-label', dictionary.expansion.saved.loadNamed(search.name));
        load.addEventListener('click', () => {
          void form.load(search.request).then(run);
        });
        item.append(text, load);
        return item;
      }),
    );
    if (searches.length === 0 && !note.textContent) note.textContent = dictionary.expansion.saved.none;
  }

  async function refresh(): Promise<void> {
    const company = form.company();
    if (!allowed() || !company) {
      shownFor = null;
      render();
      return;
    }
    if (shownFor === company.id) return renderHeader();
    shownFor = company.id;
    note.textContent = '';
    try {
      const body = await getJson<{ searches: SavedSearch[] }>(`/api/sites/saved?company_id=${encodeURIComponent(company.id)}`);
      if (shownFor !== company.id) return;
      searches = body.searches ?? [];
    } catch (error) {
      searches = [];
      if (error instanceof ApiError && error.status === 404) unavailable = true;
      else console.warn('genk atlas: saved site searches', error);
    }
    render();
  }

  save.addEventListener('click', async () => {
    const company = form.company();
    if (!company) return;
    const dictionary = t();
    const chosen = name.value.trim();
    if (!chosen) {
      name.setAttribute('aria-invalid', 'true');
      note.textContent = dictionary.expansion.saved.nameNeeded;
      name.focus();
      return;
    }
    name.removeAttribute('aria-invalid');
    try {
      await postJson('/api/sites/saved', { company_id: company.id, name: chosen, request: keptRequest(form.read()) });
      name.value = '';
      shownFor = null;
      await refresh();
      note.textContent = dictionary.expansion.saved.done(chosen);
    } catch (error) {
      note.textContent = dictionary.expansion.failed(error instanceof ApiError ? error.reason || String(error.status) : String(error));
    }
  });

  // The company may change as it is typed or chosen; the session may change at any time.
  form.element.addEventListener('change', () => void refresh());
  form.element.addEventListener('input', (event) => {
    if ((event.target as HTMLElement).getAttribute('name') === 'company') void refresh();
  });
  onSession(() => {
    shownFor = null;
    void refresh();
  });
  onLang(() => render());
  return section;
}
