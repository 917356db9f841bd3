// The login in the top bar, and the session the rest of the page follows.
//
// The server keeps the session in an HttpOnly cookie (`atlas_session`), so the
// page never sees a token: it asks `GET /api/session` who it is, signs in with
// `POST /api/session {name, password}` and out with `DELETE /api/session`.
// A change of session tells its listeners (`onSession`): the map reloads its
// tiles (confidential properties come and go with the role), the popup closes
// and the layer fields are fetched again. Until the server has the session
// routes (404) everyone is public and the form says signing in is not possible.

import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchLayers, getJson, sendJson } from '../api';
import type { AtlasLayer } from '../catalogue';
import { bindText, onLang, t } from '../i18n';

export type Role = 'public' | 'retail' | 'business' | 'planner' | 'admin';

export interface Session {
  name: string | null;
  role: Role;
}

const PUBLIC: Session = { name: null, role: 'public' };
let session: Session = PUBLIC;
const listeners = new Set<(session: Session) => void>();

/** Who is signed in now. */
export function currentSession(): Session {
  return session;
}

/** Call `listener` after every change of session; returns an unsubscribe. */
export function onSession(listener: (session: Session) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the session may edit shop units (`Role::may_edit` on the server). */
export function mayEditShopUnits(of: Session = session): boolean {
  return of.role === 'retail' || of.role === 'admin';
}

function setSession(next: Session): void {
  const changed = next.name !== session.name || next.role !== session.role;
  session = next;
  if (changed) for (const listener of listeners) listener(session);
}

function parseSession(body: unknown): Session {
  const value = (body ?? {}) as { name?: unknown; role?: unknown };
  const role = (['public', 'retail', 'business', 'planner', 'admin'] as Role[]).find((candidate) => candidate === value.role) ?? 'public';
  return { name: typeof value.name === 'string' && value.name ? value.name : null, role };
}

/** Ask the server who this page is (public when it cannot say). */
export async function loadSession(): Promise<Session> {
  try {
    setSession(parseSession(await getJson('/api/session')));
  } catch {
    setSession(PUBLIC);
  }
  return session;
}

export type SignInResult = 'ok' | 'wrong' | 'unavailable' | 'failed';

/** The name last signed in with on this page, to offer it again after a session ran out. */
let lastName = '';

/** Sign in with `POST /api/session`; on success every listener hears of the new session. */
export async function signIn(name: string, password: string): Promise<SignInResult> {
  try {
    const answer = await sendJson('POST', '/api/session', { name: name.trim(), password });
    if (answer.status === 200) {
      lastName = name.trim();
      setSession(parseSession(answer.body));
      return 'ok';
    }
    return answer.status === 401 || answer.status === 400 ? 'wrong' : answer.status === 404 || answer.status === 405 ? 'unavailable' : 'failed';
  } catch {
    return 'failed';
  }
}

function signInMessage(result: Exclude<SignInResult, 'ok'>): string {
  const dictionary = t();
  return result === 'wrong' ? dictionary.session.wrong : result === 'unavailable' ? dictionary.session.unavailable : dictionary.session.failed;
}

/** A name and a password field with their labels, and the line that says how signing in went. */
function credentials(prefix: string): { name: HTMLInputElement; password: HTMLInputElement; message: HTMLParagraphElement; fields: HTMLElement[] } {
  const dictionary = t();
  const field = (label: string, input: HTMLInputElement) => {
    const wrapper = document.createElement('label');
    wrapper.className = 'form-field';
    const text = document.createElement('span');
    text.textContent = label;
    wrapper.append(text, input);
    return wrapper;
  };
  const name = document.createElement('input');
  name.name = `${prefix}name`;
  name.autocomplete = 'username';
  const password = document.createElement('input');
  password.name = `${prefix}password`;
  password.type = 'password';
  password.autocomplete = 'current-password';
  const message = document.createElement('p');
  message.className = 'form-message';
  message.setAttribute('role', 'alert');
  return { name, password, message, fields: [field(dictionary.session.name, name), field(dictionary.session.password, password)] };
}

/**
 * After a 401 inside a form (the session ran out, or was signed out
 * elsewhere): the page asks the server who it is (so the top bar shows the
 * truth) and the form gets this block to sign in again without losing what
 * was typed; `retry` runs after a successful sign-in. Not a `<form>`, so it
 * can live inside the form it rescues.
 */
export function signInAgain(retry: () => void): HTMLElement {
  void loadSession();
  const dictionary = t();
  const root = document.createElement('div');
  root.className = 'sign-in-again';
  root.setAttribute('role', 'group');
  root.setAttribute('aria-label', dictionary.session.again);
  const lead = document.createElement('p');
  lead.className = 'sign-in-again-lead';
  lead.textContent = dictionary.session.expired;
  const { name, password, message, fields } = credentials('again-');
  name.value = lastName;
  const submit = document.createElement('button');
  submit.type = 'button';
  submit.className = 'button';
  submit.textContent = dictionary.session.againSubmit;
  const go = async () => {
    submit.disabled = true;
    message.textContent = t().session.busy;
    const result = await signIn(name.value, password.value);
    submit.disabled = false;
    if (result === 'ok') {
      root.remove();
      retry();
      return;
    }
    message.textContent = signInMessage(result);
    password.select();
  };
  submit.addEventListener('click', () => void go());
  // Enter signs in here; it must not submit the form around this block.
  for (const input of [name, password]) {
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        void go();
      }
    });
  }
  root.append(lead, ...fields, message, submit);
  queueMicrotask(() => (name.value ? password : name).focus());
  return root;
}

/**
 * The page's reaction to a new session: every vector source reloads its tiles
 * (the server renders them per role), the layer fields are fetched again (the
 * confidential ones are listed only for roles that see them) and the popup,
 * which may show properties of the old role, closes.
 */
export function followSession(map: MapLibreMap, catalogue: AtlasLayer[], popup: { close(): void }): void {
  onSession(() => {
    popup.close();
    reloadTiles(map);
    fetchLayers()
      .then((layers) => {
        for (const info of layers) {
          const layer = catalogue.find((candidate) => candidate.id === info.id);
          if (layer) layer.fields = info.fields;
        }
      })
      .catch((error: unknown) => console.warn('genk atlas: /api/layers after a new session', error));
  });
}

/** Fetch the tiles of `sourceIds` (all vector sources when omitted) again. */
export function reloadTiles(map: MapLibreMap, sourceIds?: string[]): void {
  const ids = sourceIds ?? Object.entries(map.getStyle().sources).filter(([, source]) => source.type === 'vector').map(([id]) => id);
  for (const id of ids) if (map.getSource(id)) map.refreshTiles(id);
}

/** The login control: a button that opens a small form, or the name, role and a sign-out button. */
export function renderLogin(container: HTMLElement): void {
  const root = document.createElement('div');
  root.className = 'login';
  container.append(root);

  function renderSignedIn(): void {
    const dictionary = t();
    const who = document.createElement('span');
    who.className = 'login-who';
    const role = dictionary.session.roles[session.role] ?? session.role;
    who.title = dictionary.session.signedInAs(session.name ?? '', role);
    const name = document.createElement('span');
    name.className = 'login-name';
    name.textContent = session.name ?? '';
    const badge = document.createElement('span');
    badge.className = 'login-role';
    badge.dataset.role = session.role;
    badge.textContent = role;
    who.append(name, badge);
    const logout = document.createElement('button');
    logout.type = 'button';
    logout.className = 'login-button';
    logout.textContent = dictionary.session.logout;
    logout.addEventListener('click', async () => {
      logout.disabled = true;
      try {
        await sendJson('DELETE', '/api/session');
      } finally {
        // Signed out here whatever the server said: ask it who we are now.
        await loadSession();
        render();
      }
    });
    root.replaceChildren(who, logout);
  }

  function renderSignedOut(): void {
    const dictionary = t();
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'login-button';
    open.textContent = dictionary.session.login;
    open.setAttribute('aria-expanded', 'false');

    const form = document.createElement('form');
    form.className = 'login-form';
    form.hidden = true;
    form.noValidate = true;
    form.setAttribute('aria-label', dictionary.session.login);
    const { name, password, message, fields } = credentials('');
    name.required = true;
    password.required = true;
    const actions = document.createElement('div');
    actions.className = 'form-actions';
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.className = 'button';
    submit.textContent = dictionary.session.submit;
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'button button--plain';
    cancel.textContent = dictionary.session.cancel;
    actions.append(submit, cancel);
    form.append(...fields, message, actions);

    const show = (visible: boolean) => {
      form.hidden = !visible;
      open.setAttribute('aria-expanded', String(visible));
      if (visible) name.focus();
      else message.textContent = '';
    };
    open.addEventListener('click', () => show(open.getAttribute('aria-expanded') !== 'true'));
    cancel.addEventListener('click', () => {
      show(false);
      open.focus();
    });
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        show(false);
        open.focus();
      }
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      submit.disabled = true;
      message.textContent = t().session.busy;
      const result = await signIn(name.value, password.value);
      submit.disabled = false;
      if (result === 'ok') {
        password.value = '';
        render();
        return;
      }
      message.textContent = signInMessage(result);
      password.select();
    });
    root.replaceChildren(open, form);
  }

  function render(): void {
    if (session.name) renderSignedIn();
    else renderSignedOut();
  }

  onLang(() => render());
  onSession(() => render());
  // Keep the label of the group in the current language.
  bindText(root, (dictionary) => dictionary.session.login, 'aria-label');
  root.setAttribute('role', 'group');
}
