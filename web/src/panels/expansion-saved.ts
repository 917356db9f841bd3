// Site searches kept for a company (`POST /api/sites/saved`, `GET
// /api/sites/saved?company_id=`, `PATCH`/`DELETE /api/sites/saved/{id}`):
// for the roles that keep companies (business, admin). Until a company is
// chosen to search near, the section says that one is needed. The account
// manager names the search and saves it; the searches kept for that company
// are listed, one click loads one into the form and runs it again, and each
// can be renamed or deleted (after a second, explicit click).
// Hidden for everyone else, and when the server has no such route.

import { getJson, postJson, sendJson, ApiError } from '../api';
import { formatDate } from '../format';
import { bindText, onLang, t } from '../i18n';
import { currentSession, onSession } from './login';
import { keptRequest, type SiteRequest } from './expansion-api';
import type { ExpansionForm } from './expansion-form';
import { el } from '../dom';

interface SavedSearch {
  id: string | number;
  company_id: string;
  name: string;
  request: Partial<SiteRequest>;
  saved_by: string | null;
  saved_at: string | null;
}

const ROLES_THAT_SAVE = new Set(['business', 'admin']);

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
  const needCompany = el('p', 'field-hint saved-need-company');
  bindText(needCompany, (d) => d.expansion.saved.needCompany);
  section.append(title, needCompany, field, save, note, list);

  let searches: SavedSearch[] = [];
  let shownFor: string | null = null;
  let unavailable = false;

  function allowed(): boolean {
    return !unavailable && ROLES_THAT_SAVE.has(currentSession().role);
  }

  /** Show or hide the section for the company now chosen (the list stays as it is). */
  function renderHeader(): void {
    const company = form.company();
    section.hidden = !allowed();
    // Saving is for a company: without one the section says how to choose it.
    needCompany.hidden = company !== null;
    for (const part of [field, save, note, list]) part.hidden = company === null;
    title.textContent = company ? t().expansion.saved.title(company.name) : t().expansion.saved.titleNone;
  }

  /** A kept search renamed or deleted on the server; the list is read again. */
  async function change(search: SavedSearch, method: 'PATCH' | 'DELETE', body?: unknown): Promise<void> {
    const dictionary = t();
    const answer = await sendJson(method, `/api/sites/saved/${encodeURIComponent(String(search.id))}`, body).catch(() => ({ status: 0, body: null }));
    if (answer.status !== 200 && answer.status !== 204) {
      note.textContent = dictionary.expansion.failed(typeof answer.body?.error === 'string' ? answer.body.error : String(answer.status));
      return;
    }
    shownFor = null;
    await refresh();
    note.textContent = method === 'DELETE' ? dictionary.expansion.saved.deleted(search.name) : dictionary.expansion.saved.renamed(String((body as { name: string }).name));
  }

  /** The item's controls: load, rename (an inline field), delete (confirmed inline). */
  function actions(search: SavedSearch, item: HTMLElement, text: HTMLElement): HTMLElement[] {
    const dictionary = t();
    const small = (label: string, aria: string) => {
      const button = el('button', 'button button--quiet button--small', label);
      button.type = 'button';
      button.setAttribute('aria-label', aria);
      return button;
    };
    const load = small(dictionary.expansion.saved.load, dictionary.expansion.saved.loadNamed(search.name));
    load.addEventListener('click', () => {
      void form.load(search.request).then(run);
    });
    const rename = small(dictionary.expansion.saved.rename, dictionary.expansion.saved.renameNamed(search.name));
    rename.addEventListener('click', () => {
      const input = el('input');
      input.type = 'text';
      input.maxLength = 200;
      input.value = search.name;
      input.setAttribute('aria-label', dictionary.expansion.saved.newName(search.name));
      const ok = small(dictionary.expansion.saved.keep, dictionary.expansion.saved.keep);
      const cancel = small(dictionary.unitEdit.cancel, dictionary.unitEdit.cancel);
      const submit = () => {
        const chosen = input.value.trim();
        if (!chosen) {
          input.setAttribute('aria-invalid', 'true');
          note.textContent = dictionary.expansion.saved.nameNeeded;
          return;
        }
        void change(search, 'PATCH', { name: chosen });
      };
      ok.addEventListener('click', submit);
      input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') submit();
        if (event.key === 'Escape') render();
      });
      cancel.addEventListener('click', () => render());
      item.replaceChildren(input, ok, cancel);
      input.select();
    });
    const remove = small(dictionary.expansion.saved.delete, dictionary.expansion.saved.deleteNamed(search.name));
    remove.addEventListener('click', () => {
      const sure = small(dictionary.expansion.saved.deleteSure, dictionary.expansion.saved.deleteSureNamed(search.name));
      sure.classList.add('is-danger');
      const keep = small(dictionary.unitEdit.cancel, dictionary.unitEdit.cancel);
      sure.addEventListener('click', () => void change(search, 'DELETE'));
      keep.addEventListener('click', () => render());
      item.replaceChildren(text, sure, keep);
      sure.focus();
    });
    return [load, rename, remove];
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
        item.append(text, ...actions(search, item, text));
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
