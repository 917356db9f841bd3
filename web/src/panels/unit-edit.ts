// The shop-unit edit form for the retail team, opened from a unit's popup.
//
// It loads the unit (`/api/layers/shop_units/features/{id}`) and its history
// (`/api/shop_units/{id}/history`, which gives the version the edit is made
// on), and records a change as one event:
// `POST /api/shop_units/{id}/events {valid_from, version, ...changed fields}`.
// The server's answers are shown plainly: 409 (someone saved first; nothing
// changed, load the new version), 400 naming the field (the field is marked),
// 401/403 (not signed in, or a role that may not edit). After a save the
// listeners of `onUnitSaved` refresh the figures and the map.

import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchFeature, getJson, sendJson } from '../api';
import { formatDate } from '../format';
import { t, type Dictionary } from '../i18n';
import { mayEditShopUnits, reloadTiles } from './login';

export const STATUSES = ['occupied', 'vacant', 'renovation', 'non_commercial'];
export const CATEGORIES = ['daily', 'periodic', 'exceptional', 'leisure', 'horeca', 'services', 'other'];
export const KINDS = ['supermarket', 'bakery', 'butcher', 'grocery', 'pharmacy'];

/** The fields the form edits, as the API names them. */
const FIELDS = ['status', 'category', 'kind', 'floor_area_m2', 'occupant', 'note'] as const;
type FieldName = (typeof FIELDS)[number];

export interface UnitHistoryEvent {
  event_id: string | number;
  valid_from: string;
  recorded_at: string;
  recorded_by: string | null;
  status?: string | null;
  category?: string | null;
  kind?: string | null;
  floor_area_m2?: number | null;
  occupant?: string | null;
  note?: string | null;
}

export interface UnitHistory {
  unit_id: string;
  version: number;
  events: UnitHistoryEvent[];
}

export interface SavedUnit {
  unitId: string;
  validFrom: string;
  version: number;
  unit: Record<string, unknown>;
}

const savedListeners = new Set<(saved: SavedUnit) => void>();

/** Call `listener` after every saved edit; returns an unsubscribe. */
export function onUnitSaved(listener: (saved: SavedUnit) => void): () => void {
  savedListeners.add(listener);
  return () => savedListeners.delete(listener);
}

/** Tell the listeners of `onUnitSaved` (the figures, the tiles) of a save made elsewhere (a new unit). */
export function notifyUnitSaved(saved: SavedUnit): void {
  for (const listener of savedListeners) listener(saved);
}

/** Today in the browser's time zone, yyyy-mm-dd. */
/** A `<select>` of (value, label) options. */
export function selectOf(options: [string, string][]): HTMLSelectElement {
  const element = document.createElement('select');
  for (const [value, label] of options) element.append(new Option(label, value));
  return element;
}

/** The label of a value of a closed vocabulary (status, category, kind) in the page's language. */
export function valueLabel(dictionary: Dictionary, group: string, code: string): string {
  return dictionary.values[group]?.[code] ?? code;
}

export function today(): string {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** `120,5` or `120.5` → 120.5; empty → null; anything else → NaN (the server names the field). */
export function parseArea(text: string): number | null {
  const trimmed = text.trim().replace(/\s/g, '');
  if (!trimmed) return null;
  const normalised = /,\d*$/.test(trimmed) ? trimmed.replace(/\./g, '').replace(',', '.') : trimmed;
  return /^-?\d+(\.\d+)?$/.test(normalised) ? Number(normalised) : Number.NaN;
}

function fieldLabel(dictionary: Dictionary, name: FieldName | 'valid_from'): string {
  const labels: Record<string, string> = {
    status: dictionary.unitEdit.status,
    category: dictionary.unitEdit.category,
    kind: dictionary.unitEdit.kind,
    floor_area_m2: dictionary.unitEdit.floorArea,
    occupant: dictionary.unitEdit.occupant,
    note: dictionary.unitEdit.note,
    valid_from: dictionary.unitEdit.validFrom,
  };
  return labels[name] ?? name;
}

/** The bad field of a 400 answer: `field`, or `detail.parameter` / `detail.field`. */
export function badField(body: unknown): string | null {
  const value = (body ?? {}) as { field?: unknown; detail?: { parameter?: unknown; field?: unknown } };
  const field = value.field ?? value.detail?.field ?? value.detail?.parameter;
  return typeof field === 'string' ? field : null;
}

let dialog: HTMLDialogElement | null = null;

/** Open the form for shop unit `unitId`; the listeners of `onUnitSaved` hear of a save. */
export function openUnitEditor(unitId: string, address: string): void {
  dialog?.remove();
  const dictionary = t();
  const root = document.createElement('dialog');
  dialog = root;
  root.className = 'unit-edit';
  root.dataset.unitId = unitId;
  root.setAttribute('aria-label', dictionary.unitEdit.title(address));

  const heading = document.createElement('h2');
  heading.className = 'unit-edit-title';
  heading.textContent = dictionary.unitEdit.title(address);
  const versionNote = document.createElement('p');
  versionNote.className = 'unit-edit-version';
  const message = document.createElement('p');
  message.className = 'form-message';
  message.setAttribute('role', 'alert');

  const form = document.createElement('form');
  form.noValidate = true;
  form.className = 'unit-edit-form';

  const inputs = new Map<FieldName | 'valid_from', HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>();
  const errors = new Map<string, HTMLElement>();
  const addField = (name: FieldName | 'valid_from', input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement) => {
    const wrapper = document.createElement('label');
    wrapper.className = 'form-field';
    wrapper.dataset.field = name;
    const text = document.createElement('span');
    text.textContent = fieldLabel(dictionary, name);
    const error = document.createElement('span');
    error.className = 'form-field-error';
    error.id = `unit-edit-error-${name}`;
    input.name = name;
    input.setAttribute('aria-describedby', error.id);
    wrapper.append(text, input, error);
    form.append(wrapper);
    inputs.set(name, input);
    errors.set(name, error);
  };
  const label = (group: string, code: string) => valueLabel(dictionary, group, code);
  addField('status', selectOf(STATUSES.map((code) => [code, label('status', code)])));
  addField('category', selectOf(CATEGORIES.map((code) => [code, label('category', code)])));
  addField('kind', selectOf([['', dictionary.unitEdit.kindNone], ...KINDS.map((code): [string, string] => [code, label('kind', code)])]));
  const area = document.createElement('input');
  area.inputMode = 'decimal';
  addField('floor_area_m2', area);
  addField('occupant', document.createElement('input'));
  const validFrom = document.createElement('input');
  validFrom.type = 'date';
  validFrom.value = today();
  addField('valid_from', validFrom);
  const note = document.createElement('textarea');
  note.rows = 2;
  addField('note', note);

  /** The values the form was loaded with: a field is sent only when it differs. */
  let initial: Record<FieldName, string> = { status: '', category: '', kind: '', floor_area_m2: '', occupant: '', note: '' };
  let version: number | null = null;

  // Only daily shops have a kind (bakery, butcher…); the server drops it for other categories.
  const categoryInput = inputs.get('category') as HTMLSelectElement;
  const kindInput = inputs.get('kind') as HTMLSelectElement;
  const syncKind = () => {
    kindInput.disabled = categoryInput.value !== 'daily';
    if (kindInput.disabled) kindInput.value = '';
  };
  categoryInput.addEventListener('change', syncKind);
  // A unit that becomes vacant or non-commercial loses its occupant unless the edit names one
  // (the server's rule): the form shows it, and brings the name back if the status goes back.
  const statusInput = inputs.get('status') as HTMLSelectElement;
  const occupantInput = inputs.get('occupant') as HTMLInputElement;
  let clearedOccupant: string | null = null;
  statusInput.addEventListener('change', () => {
    const leaving = statusInput.value === 'vacant' || statusInput.value === 'non_commercial';
    if (leaving && occupantInput.value && occupantInput.value === initial.occupant) {
      clearedOccupant = occupantInput.value;
      occupantInput.value = '';
    } else if (!leaving && clearedOccupant !== null && occupantInput.value === '') {
      occupantInput.value = clearedOccupant;
      clearedOccupant = null;
    }
  });

  const actions = document.createElement('div');
  actions.className = 'form-actions';
  const save = document.createElement('button');
  save.type = 'submit';
  save.className = 'button';
  save.textContent = dictionary.unitEdit.save;
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'button button--plain';
  cancel.textContent = dictionary.unitEdit.cancel;
  cancel.addEventListener('click', () => root.close());
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.className = 'button button--plain';
  reload.textContent = dictionary.unitEdit.reload;
  reload.hidden = true;
  actions.append(save, reload, cancel);

  const history = document.createElement('details');
  history.className = 'unit-edit-history';
  const historyTitle = document.createElement('summary');
  historyTitle.textContent = dictionary.unitEdit.history;
  const historyList = document.createElement('ol');
  history.append(historyTitle, historyList);

  form.append(message, actions);
  root.append(heading, versionNote, form, history);
  document.body.append(root);
  root.addEventListener('close', () => {
    root.remove();
    if (dialog === root) dialog = null;
  });
  root.showModal();


  const clearErrors = () => {
    message.textContent = '';
    message.dataset.kind = '';
    for (const [name, error] of errors) {
      error.textContent = '';
      inputs.get(name as FieldName)?.removeAttribute('aria-invalid');
    }
  };
  const say = (kind: 'info' | 'error', text: string) => {
    message.dataset.kind = kind;
    message.textContent = text;
  };

  async function load(): Promise<void> {
    clearErrors();
    say('info', dictionary.unitEdit.loading);
    save.disabled = true;
    try {
      const [feature, unitHistory] = await Promise.all([
        fetchFeature('shop_units', unitId),
        getJson<UnitHistory>(`/api/shop_units/${encodeURIComponent(unitId)}/history`),
      ]);
      const properties = feature.properties;
      const events = [...unitHistory.events].sort((a, b) => (a.valid_from + a.recorded_at).localeCompare(b.valid_from + b.recorded_at));
      const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
      initial = {
        status: text(properties.status),
        category: text(properties.category),
        kind: text(properties.kind),
        floor_area_m2: properties.floor_area_m2 === null || properties.floor_area_m2 === undefined ? '' : String(properties.floor_area_m2).replace('.', dictionary.lang === 'nl' ? ',' : '.'),
        occupant: text(properties.occupant),
        // A note belongs to one event (it is never carried over): a new change starts without one.
        note: '',
      };
      for (const name of FIELDS) {
        const input = inputs.get(name)!;
        if (input instanceof HTMLSelectElement && initial[name] && ![...input.options].some((option) => option.value === initial[name])) {
          input.append(new Option(initial[name], initial[name]));
        }
        input.value = initial[name];
      }
      syncKind();
      clearedOccupant = null;
      version = unitHistory.version;
      versionNote.textContent = dictionary.unitEdit.version(version);
      historyList.replaceChildren(
        ...[...events].reverse().map((event) => {
          const item = document.createElement('li');
          const parts = [formatDate(event.valid_from), event.status ? label('status', event.status) : null, event.occupant ?? null, event.note ? `“${event.note}”` : null, event.recorded_by ? `(${event.recorded_by})` : null];
          item.textContent = parts.filter(Boolean).join(' · ');
          return item;
        }),
      );
      clearErrors();
      save.disabled = false;
      reload.hidden = true;
      (inputs.get('status') as HTMLElement).focus();
    } catch (error) {
      console.warn('genk atlas: loading a shop unit to edit', error);
      say('error', dictionary.unitEdit.loadFailed);
    }
  }

  reload.addEventListener('click', () => void load());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (version === null) return;
    clearErrors();
    const change: Record<string, unknown> = { valid_from: validFrom.value, version };
    let changed = 0;
    for (const name of FIELDS) {
      const value = inputs.get(name)!.value;
      if (value === initial[name]) continue;
      changed += 1;
      if (name === 'floor_area_m2') change[name] = parseArea(value);
      else change[name] = value === '' ? null : value;
    }
    if (changed === 0) {
      say('info', dictionary.unitEdit.nothingChanged);
      return;
    }
    // NaN does not survive JSON; send the text so the server names the field.
    if (Number.isNaN(change.floor_area_m2)) change.floor_area_m2 = (inputs.get('floor_area_m2') as HTMLInputElement).value;
    save.disabled = true;
    say('info', dictionary.unitEdit.saving);
    try {
      const answer = await sendJson('POST', `/api/shop_units/${encodeURIComponent(unitId)}/events`, change);
      if (answer.status === 200 || answer.status === 201) {
        const body = (answer.body ?? {}) as { unit?: Record<string, unknown>; version?: number };
        root.close();
        const saved: SavedUnit = { unitId, validFrom: validFrom.value, version: body.version ?? version + 1, unit: body.unit ?? {} };
        notifyUnitSaved(saved);
        return;
      }
      save.disabled = false;
      if (answer.status === 409) {
        say('error', dictionary.unitEdit.conflict);
        reload.hidden = false;
        save.disabled = true;
      } else if (answer.status === 400 || answer.status === 422) {
        const field = badField(answer.body);
        const detail = typeof answer.body?.error === 'string' ? answer.body.error : '';
        const known = field && inputs.has(field as FieldName) ? (field as FieldName) : null;
        say('error', dictionary.unitEdit.invalid(known ? fieldLabel(dictionary, known) : (field ?? '?')));
        if (known) {
          inputs.get(known)!.setAttribute('aria-invalid', 'true');
          errors.get(known)!.textContent = detail;
          inputs.get(known)!.focus();
        } else if (detail) {
          message.textContent += ` ${detail}`;
        }
      } else if (answer.status === 401) {
        say('error', dictionary.unitEdit.unauthorised);
      } else if (answer.status === 403) {
        say('error', dictionary.unitEdit.forbidden);
      } else {
        say('error', dictionary.unitEdit.failed);
      }
    } catch (error) {
      console.warn('genk atlas: saving a shop unit', error);
      save.disabled = false;
      say('error', dictionary.unitEdit.failed);
    }
  });

  void load();
}

/** The popup's "Bewerken" button for a shop unit, for a session that may edit shop units. */
export function unitEditAction(layerId: string, featureId: string, properties: Record<string, unknown>): HTMLElement | null {
  if (layerId !== 'shop_units' || !mayEditShopUnits()) return null;
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button button--small unit-edit-open';
  button.textContent = t().unitEdit.edit;
  button.addEventListener('click', () => openUnitEditor(featureId, typeof properties.address === 'string' ? properties.address : featureId));
  return button;
}

/** After a save: the shop units' tiles reload and the popup (with the old state) closes. */
export function followUnitEdits(map: MapLibreMap, popup: { close(): void }): void {
  onUnitSaved(() => {
    popup.close();
    reloadTiles(map, ['shop_units']);
  });
}
