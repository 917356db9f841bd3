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

import { dateField } from '../date-field';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchFeature, getJson, sendJson } from '../api';
import { formatArea, formatDate, formatNumber, parseNumber } from '../format';
import { announce } from '../announce';
import { numberField, type NumberField } from '../number-field';
import { t, type Dictionary } from '../i18n';
import { mayEditShopUnits, reloadTiles, signInAgain } from './login';

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

/** The floor-area field of the unit forms: `120`, `85,5` or `1.250` m², shown as read. */
export function areaField(): NumberField {
  return numberField(document.createElement('input'), (value, dictionary) => formatArea(value, dictionary, 2));
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
    // A box with a label for the control, so hints and offers beside it are not part of its name.
    const wrapper = document.createElement('div');
    wrapper.className = 'form-field';
    wrapper.dataset.field = name;
    const text = document.createElement('label');
    text.textContent = fieldLabel(dictionary, name);
    input.id = `unit-edit-${name}`;
    text.htmlFor = input.id;
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
  const areaNumber = areaField();
  const area = areaNumber.input;
  addField('floor_area_m2', area);
  area.after(areaNumber.reading);
  area.setAttribute('aria-describedby', `${errors.get('floor_area_m2')!.id} ${areaNumber.reading.id}`);
  addField('occupant', document.createElement('input'));
  // After vacancy the occupant field is empty: the last known occupant is offered, never filled in unasked.
  const offerOccupant = document.createElement('button');
  offerOccupant.type = 'button';
  offerOccupant.className = 'button button--small button--quiet unit-edit-offer';
  offerOccupant.hidden = true;
  inputs.get('occupant')!.after(offerOccupant);
  const validFrom = document.createElement('input');
  const validFromDate = dateField(validFrom);
  validFromDate.set(today());
  addField('valid_from', validFrom);
  validFrom.after(validFromDate.message);
  // Correcting the last change: a new event on its date, recorded later, that takes its place.
  const correct = document.createElement('button');
  correct.type = 'button';
  correct.className = 'button button--small button--quiet unit-edit-correct';
  correct.hidden = true;
  const correcting = document.createElement('p');
  correcting.className = 'vacancy-note unit-edit-correcting';
  correcting.hidden = true;
  validFromDate.message.after(correct, correcting);
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
    syncOffer();
  });
  let lastOccupant: string | null = null;
  const syncOffer = () => {
    const occupied = statusInput.value === 'occupied' || statusInput.value === 'renovation';
    offerOccupant.hidden = !(occupied && lastOccupant && occupantInput.value === '');
    if (lastOccupant) offerOccupant.textContent = dictionary.unitEdit.offerOccupant(lastOccupant);
  };
  occupantInput.addEventListener('input', syncOffer);
  offerOccupant.addEventListener('click', () => {
    occupantInput.value = lastOccupant ?? '';
    syncOffer();
    occupantInput.focus();
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
        floor_area_m2: typeof properties.floor_area_m2 === 'number' ? formatNumber(properties.floor_area_m2, dictionary, 2) : '',
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
      areaNumber.check();
      clearedOccupant = null;
      version = unitHistory.version;
      versionNote.textContent = dictionary.unitEdit.version(version);
      lastOccupant = [...events].reverse().find((event) => event.occupant)?.occupant ?? null;
      syncOffer();
      const last = events[events.length - 1];
      correct.hidden = !last;
      correcting.hidden = true;
      if (last) {
        correct.textContent = dictionary.unitEdit.correctLast(formatDate(last.valid_from));
        correct.onclick = () => {
          validFromDate.set(last.valid_from);
          correcting.textContent = dictionary.unitEdit.correcting(formatDate(last.valid_from));
          correcting.hidden = false;
          (inputs.get('status') as HTMLElement).focus();
        };
      }
      // Of the events of one date the last recorded is in force; the others were corrected.
      const inForce = new Map(events.map((event) => [event.valid_from, event]));
      historyList.replaceChildren(
        ...[...events].reverse().map((event) => {
          const item = document.createElement('li');
          const superseded = inForce.get(event.valid_from) !== event;
          const parts = [formatDate(event.valid_from), event.status ? label('status', event.status) : null, event.occupant ?? null, event.note ? `“${event.note}”` : null, event.recorded_by ? `(${event.recorded_by})` : null, superseded ? dictionary.unitEdit.superseded : null];
          item.textContent = parts.filter(Boolean).join(' · ');
          item.classList.toggle('is-superseded', superseded);
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

  /** The change the form holds: the fields that differ from what was loaded, or a reason not to send. */
  function changeOf(): { change: Record<string, unknown>; changed: FieldName[] } | 'nothing' | 'unreadable' {
    if (!areaNumber.check() || !validFromDate.check()) return 'unreadable';
    const change: Record<string, unknown> = { valid_from: validFromDate.iso(), version };
    const changed: FieldName[] = [];
    for (const name of FIELDS) {
      const value = inputs.get(name)!.value;
      if (name === 'floor_area_m2') {
        const area = areaNumber.value();
        if (area === parseNumber(initial.floor_area_m2, dictionary.locale)) continue;
        change[name] = area;
      } else {
        if (value === initial[name]) continue;
        change[name] = value === '' ? null : value;
      }
      changed.push(name);
    }
    return changed.length === 0 ? 'nothing' : { change, changed };
  }

  /** "status In gebruik → Leeg; uitbater Parfumerie Fatma → (leeg)": what a save changed, in words. */
  function describe(changed: FieldName[]): string {
    const shown = (name: FieldName, value: string) => {
      if (value === '') return dictionary.popup.empty;
      return name === 'status' || name === 'category' || name === 'kind' ? label(name, value) : value;
    };
    return changed.map((name) => `${fieldLabel(dictionary, name).replace(/\s*\(.*\)$/, '')} ${name === 'note' ? '' : `${shown(name, initial[name])} → `}${shown(name, inputs.get(name)!.value)}`.replace(/\s+/g, ' ')).join('; ');
  }

  let rescue: HTMLElement | null = null;
  async function send(): Promise<void> {
    if (version === null) return;
    clearErrors();
    const held = changeOf();
    if (held === 'unreadable') {
      say('error', dictionary.unitEdit.invalid(fieldLabel(dictionary, 'floor_area_m2')));
      area.focus();
      return;
    }
    if (held === 'nothing') {
      say('info', dictionary.unitEdit.nothingChanged);
      return;
    }
    save.disabled = true;
    say('info', dictionary.unitEdit.saving);
    try {
      const answer = await sendJson('POST', `/api/shop_units/${encodeURIComponent(unitId)}/events`, held.change);
      if (answer.status === 200 || answer.status === 201) {
        const body = (answer.body ?? {}) as { unit?: Record<string, unknown>; version?: number };
        const what = describe(held.changed);
        root.close();
        const saved: SavedUnit = { unitId, validFrom: validFromDate.iso(), version: body.version ?? version + 1, unit: body.unit ?? {} };
        notifyUnitSaved(saved);
        announce(dictionary.unitEdit.saved(address, what, formatDate(validFromDate.iso())));
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
        // Signed out elsewhere or expired: sign in here, keep what was typed, and try again.
        say('error', dictionary.unitEdit.unauthorised);
        save.disabled = true;
        rescue?.remove();
        rescue = signInAgain(() => {
          rescue = null;
          save.disabled = false;
          void send();
        });
        actions.before(rescue);
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
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (rescue) return;
    void send();
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

/** After a save: the shop units' tiles reload and the unit's popup shows its new state. */
export function followUnitEdits(map: MapLibreMap, popup: { refresh(layerId: string, featureId: string): void }): void {
  onUnitSaved((saved) => {
    popup.refresh('shop_units', saved.unitId);
    reloadTiles(map, ['shop_units']);
  });
}
