// A new shop unit, for the retail team and administrators: "Nieuw handelspand"
// in the Leegstand panel (shown only to a session that may edit shop units).
//
// The person clicks the map to place the unit (a pin they can drag, or click
// again, to move it; Enter on the focused map places it at the centre), fills
// in the same fields as the edit form (`unit-edit.ts`: its lists of statuses,
// categories and kinds, its floor-area reading, "a kind only for daily shops")
// and sends `POST /api/shop_units`. A 400 marks the field the server names,
// with the server's reason said in the interface language (never its English
// text); 401/403 say sign in / role not allowed. After a 201 the listeners of
// `onUnitSaved` refresh the shop-unit tiles and the panel's figures, and the
// new unit's popup opens on the map.

import { dateField } from '../date-field';
import * as maplibregl from 'maplibre-gl';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { sendJson } from '../api';
import { formatNumber } from '../format';
import { bindText, t, type Dictionary } from '../i18n';
import { pickMode, type PickMode } from './coverage-pick';
import { mayEditShopUnits, onSession, signInAgain } from './login';
import { CATEGORIES, KINDS, STATUSES, areaField, badField, notifyUnitSaved, selectOf, today, valueLabel } from './unit-edit';

/** The form's fields; `location` stands for the API's `lon` and `lat`. */
const FIELDS = ['location', 'address', 'street', 'category', 'kind', 'status', 'floor_area_m2', 'occupant', 'valid_from', 'note'] as const;
type FieldName = (typeof FIELDS)[number];
type Input = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The zoom at which shop units are drawn one by one (not aggregated), to open the new one's popup. */
const UNIT_ZOOM = 18;

/** The form field a server's parameter belongs to. */
export function formField(parameter: string): FieldName | null {
  if (parameter === 'lon' || parameter === 'lat') return 'location';
  return (FIELDS as readonly string[]).includes(parameter) ? (parameter as FieldName) : null;
}

/**
 * The server's reason for refusing `field` (its English `error` text), said
 * in the interface language. The server's wording is in
 * `src/model/unit_edit.rs`; a reason not recognised gets a general sentence.
 */
export function reasonText(field: FieldName, error: string, dictionary: Dictionary): string {
  const reasons = dictionary.unitCreate.reasons;
  const choice = field === 'status' || field === 'category' || field === 'kind';
  if (field === 'location') return /outside/.test(error) ? reasons.outside : reasons.place;
  if (/is required|must not be empty/.test(error)) return choice ? reasons.choose : reasons.fill;
  const tooLong = /longer than (\d+)/.exec(error);
  if (tooLong) return reasons.tooLong(formatNumber(Number(tooLong[1]), dictionary, 0));
  if (field === 'floor_area_m2') {
    const most = /at most ([\d.]+) m²/.exec(error);
    if (/not a sales floor/.test(error)) return reasons.area(formatNumber(most ? Number(most[1]) : 50_000, dictionary, 0));
    return reasons.number;
  }
  if (field === 'valid_from') return /from 1900|outside/.test(error) ? reasons.dateRange : reasons.date;
  if (field === 'kind' && /kind of daily shop/.test(error)) return reasons.kindDaily;
  if (choice) return reasons.choose;
  return reasons.other;
}

function fieldLabel(dictionary: Dictionary, name: FieldName): string {
  const labels: Record<FieldName, string> = {
    location: dictionary.unitCreate.location,
    address: dictionary.unitCreate.address,
    street: dictionary.unitCreate.street,
    category: dictionary.unitEdit.category,
    kind: dictionary.unitEdit.kind,
    status: dictionary.unitEdit.status,
    floor_area_m2: dictionary.unitEdit.floorArea,
    occupant: dictionary.unitEdit.occupant,
    valid_from: dictionary.unitEdit.validFrom,
    note: dictionary.unitEdit.note,
  };
  return labels[name];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function idle(map: MapLibreMap): Promise<void> {
  return new Promise((resolve) => {
    if (map.loaded() && !map.isMoving()) resolve();
    else map.once('idle', () => resolve());
  });
}

/**
 * Open the new unit's popup: zoom in far enough for units to be drawn one by
 * one, wait until the reloaded tiles draw it, then click it (as a person would).
 */
async function openPopupOf(map: MapLibreMap, unitId: string, lngLat: [number, number]): Promise<boolean> {
  map.easeTo({ center: lngLat, zoom: Math.max(map.getZoom(), UNIT_ZOOM), duration: 300 });
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await idle(map);
    const point = map.project(lngLat);
    const drawn = map
      .queryRenderedFeatures([
        [point.x - 3, point.y - 3],
        [point.x + 3, point.y + 3],
      ])
      .some((feature) => feature.layer.metadata && (feature.layer.metadata as Record<string, unknown>)['atlas:layer'] === 'shop_units' && String(feature.properties?.id) === unitId);
    if (drawn) {
      map.fire('click', { point, lngLat: maplibregl.LngLat.convert(lngLat), originalEvent: new MouseEvent('click') });
      return true;
    }
    await sleep(250);
  }
  return false;
}

export interface UnitCreateControl {
  /** The action button, its form and its last message. */
  element: HTMLElement;
  /** The panel is shown (picking resumes) or put away (picking pauses, the pin hides). */
  setActive(active: boolean): void;
}

export function renderUnitCreate(map: MapLibreMap): UnitCreateControl {
  const root = document.createElement('div');
  root.className = 'unit-create';
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'button button--small unit-create-open';
  bindText(open, (dictionary) => dictionary.unitCreate.open);
  const notice = document.createElement('p');
  notice.className = 'form-message unit-create-notice';
  notice.dataset.kind = 'info';
  notice.setAttribute('role', 'status');
  root.append(open, notice);

  let active = true;
  let picker: PickMode | null = null;
  let form: { close(): void; resume(): void; pause(): void; signingIn(): boolean } | null = null;

  const sync = () => {
    const allowed = mayEditShopUnits();
    open.hidden = !allowed || form !== null;
    // A form whose session ran out stays open while its user signs in again.
    if (!allowed && !form?.signingIn()) {
      form?.close();
      notice.textContent = '';
    }
  };
  onSession(sync);
  sync();

  open.addEventListener('click', () => {
    notice.textContent = '';
    picker ??= pickMode(map);
    form = openForm(map, root, picker, () => active, (message) => {
      form = null;
      notice.textContent = message ?? '';
      sync();
      if (!message) open.focus();
    });
    sync();
  });

  return {
    element: root,
    setActive(next: boolean): void {
      active = next;
      if (next) form?.resume();
      else form?.pause();
    },
  };
}

/** The form, placed after the button; `done` hears of its close (with a message after a save). */
function openForm(map: MapLibreMap, root: HTMLElement, picker: PickMode, isActive: () => boolean, done: (message?: string) => void) {
  const dictionary = t();
  const section = document.createElement('section');
  section.className = 'unit-create-form-box';
  section.setAttribute('aria-labelledby', 'unit-create-title');
  const heading = document.createElement('h3');
  heading.id = 'unit-create-title';
  heading.className = 'vacancy-section-title';
  heading.textContent = dictionary.unitCreate.title;
  const intro = document.createElement('p');
  intro.className = 'vacancy-note';
  intro.textContent = dictionary.unitCreate.intro;
  const form = document.createElement('form');
  form.noValidate = true;
  form.className = 'unit-edit-form unit-create-form';
  const message = document.createElement('p');
  message.className = 'form-message';
  message.setAttribute('role', 'alert');

  const inputs = new Map<FieldName, Input | HTMLOutputElement>();
  const errors = new Map<FieldName, HTMLElement>();
  const addField = (name: FieldName, input: Input | HTMLOutputElement) => {
    // A box with a label for the control, so hints beside it are not part of its name.
    const wrapper = document.createElement('div');
    wrapper.className = 'form-field';
    wrapper.dataset.field = name;
    const text = document.createElement(name === 'location' ? 'span' : 'label');
    text.textContent = fieldLabel(dictionary, name);
    text.id = `unit-create-label-${name}`;
    if (text instanceof HTMLLabelElement) {
      input.id = `unit-create-${name}`;
      text.htmlFor = input.id;
    }
    const error = document.createElement('span');
    error.className = 'form-field-error';
    error.id = `unit-create-error-${name}`;
    input.setAttribute('name', name);
    input.setAttribute('aria-describedby', error.id);
    if (name === 'location') input.setAttribute('aria-labelledby', text.id);
    wrapper.append(text, input, error);
    form.append(wrapper);
    inputs.set(name, input);
    errors.set(name, error);
  };
  const label = (group: string, code: string) => valueLabel(dictionary, group, code);

  const where = document.createElement('output');
  where.className = 'unit-create-location';
  where.textContent = dictionary.unitCreate.notPlaced;
  addField('location', where);
  const address = document.createElement('input');
  address.autocomplete = 'off';
  addField('address', address);
  const street = document.createElement('input');
  street.autocomplete = 'off';
  addField('street', street);
  const category = selectOf([['', dictionary.unitCreate.choose], ...CATEGORIES.map((code): [string, string] => [code, label('category', code)])]);
  addField('category', category);
  const kind = selectOf([['', dictionary.unitEdit.kindNone], ...KINDS.map((code): [string, string] => [code, label('kind', code)])]);
  addField('kind', kind);
  const status = selectOf(STATUSES.map((code) => [code, label('status', code)]));
  addField('status', status);
  const areaNumber = areaField();
  const area = areaNumber.input;
  addField('floor_area_m2', area);
  area.after(areaNumber.reading);
  const occupant = document.createElement('input');
  addField('occupant', occupant);
  const validFrom = document.createElement('input');
  const validFromDate = dateField(validFrom);
  validFromDate.set(today());
  addField('valid_from', validFrom);
  validFrom.after(validFromDate.message);
  const note = document.createElement('textarea');
  note.rows = 2;
  addField('note', note);

  // The edit form's rules: only daily shops have a kind; a vacant or non-commercial unit has no occupant.
  const syncKind = () => {
    kind.disabled = category.value !== 'daily';
    if (kind.disabled) kind.value = '';
  };
  const syncOccupant = () => {
    occupant.disabled = status.value === 'vacant' || status.value === 'non_commercial';
  };
  category.addEventListener('change', syncKind);
  status.addEventListener('change', syncOccupant);
  syncKind();
  syncOccupant();

  const actions = document.createElement('div');
  actions.className = 'form-actions';
  const save = document.createElement('button');
  save.type = 'submit';
  save.className = 'button';
  save.textContent = dictionary.unitCreate.create;
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'button button--plain';
  cancel.textContent = dictionary.unitCreate.cancel;
  actions.append(save, cancel);
  form.append(message, actions);
  section.append(heading, intro, form);
  root.append(section);

  // ---- the place on the map ----
  let location: { lon: number; lat: number } | null = null;
  let marker: maplibregl.Marker | null = null;
  const degrees = new Intl.NumberFormat(dictionary.locale, { minimumFractionDigits: 5, maximumFractionDigits: 5 });
  const coordinate = (value: number) => degrees.format(value);
  const setLocation = (lon: number, lat: number) => {
    location = { lon, lat };
    where.textContent = dictionary.unitCreate.placed(coordinate(lat), coordinate(lon));
    section.dataset.lon = String(lon);
    section.dataset.lat = String(lat);
    clearError('location');
  };
  const place = (lon: number, lat: number) => {
    if (!marker) {
      marker = new maplibregl.Marker({ draggable: true, color: '#dd5a26', className: 'unit-create-marker' }).setLngLat([lon, lat]).addTo(map);
      marker.getElement().setAttribute('aria-label', dictionary.unitCreate.title);
      marker.on('dragend', () => {
        const at = marker!.getLngLat();
        setLocation(at.lng, at.lat);
      });
    } else {
      marker.setLngLat([lon, lat]);
    }
    setLocation(lon, lat);
  };
  const resume = () => {
    picker.start((lon, lat) => place(lon, lat));
    if (marker) marker.getElement().hidden = false;
  };
  const pause = () => {
    picker.stop();
    if (marker) marker.getElement().hidden = true;
  };
  if (isActive()) resume();

  // ---- messages ----
  function clearError(name: FieldName): void {
    errors.get(name)!.textContent = '';
    inputs.get(name)!.removeAttribute('aria-invalid');
  }
  const clearErrors = () => {
    message.textContent = '';
    message.dataset.kind = '';
    for (const name of FIELDS) clearError(name);
  };
  const say = (kindOf: 'info' | 'error', text: string) => {
    message.dataset.kind = kindOf;
    message.textContent = text;
  };

  let closed = false;
  const close = (result?: string) => {
    if (closed) return;
    closed = true;
    picker.stop();
    marker?.remove();
    marker = null;
    section.remove();
    done(result);
  };
  cancel.addEventListener('click', () => close());
  section.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });

  /** Every field the unit needs that is empty or unreadable, marked at once before anything is sent. */
  function markMissing(): boolean {
    const reasons = dictionary.unitCreate.reasons;
    const missing: [FieldName, string][] = [];
    if (!location) missing.push(['location', reasons.place]);
    if (!address.value.trim()) missing.push(['address', reasons.fill]);
    if (!street.value.trim()) missing.push(['street', reasons.fill]);
    if (!category.value) missing.push(['category', reasons.choose]);
    const floorArea = areaNumber.value();
    if (floorArea === null) missing.push(['floor_area_m2', reasons.fill]);
    else if (Number.isNaN(floorArea)) missing.push(['floor_area_m2', reasons.number]);
    if (!validFromDate.iso()) missing.push(['valid_from', reasons.date]);
    for (const [name, reason] of missing) {
      inputs.get(name)!.setAttribute('aria-invalid', 'true');
      errors.get(name)!.textContent = reason;
    }
    if (missing.length === 0) return false;
    say('error', dictionary.unitCreate.incomplete(missing.map(([name]) => fieldLabel(dictionary, name)).join(', ')));
    const first = missing.find(([name]) => name !== 'location');
    if (first) (inputs.get(first[0]) as HTMLElement).focus();
    return true;
  }

  let rescue: HTMLElement | null = null;
  function offerSignIn(): void {
    save.disabled = true;
    rescue?.remove();
    rescue = signInAgain(() => {
      rescue = null;
      save.disabled = false;
      form.requestSubmit();
    });
    message.after(rescue);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (rescue) return;
    clearErrors();
    if (markMissing()) return;
    const body: Record<string, unknown> = {};
    if (location) {
      body.lon = location.lon;
      body.lat = location.lat;
    }
    const filled = (input: Input) => input.value.trim();
    if (filled(address)) body.address = filled(address);
    if (filled(street)) body.street = filled(street);
    if (category.value) body.category = category.value;
    if (category.value === 'daily' && kind.value) body.kind = kind.value;
    body.status = status.value;
    body.floor_area_m2 = areaNumber.value();
    if (!occupant.disabled && filled(occupant)) body.occupant = filled(occupant);
    if (filled(note)) body.note = filled(note);
    if (validFromDate.iso()) body.valid_from = validFromDate.iso();

    save.disabled = true;
    say('info', dictionary.unitCreate.saving);
    try {
      const answer = await sendJson('POST', '/api/shop_units', body);
      save.disabled = false;
      if (answer.status === 201 || answer.status === 200) {
        const unit = ((answer.body ?? {}) as { unit?: Record<string, unknown> }).unit ?? {};
        const unitId = String(unit.id ?? '');
        const lon = typeof unit.lon === 'number' ? unit.lon : (body.lon as number);
        const lat = typeof unit.lat === 'number' ? unit.lat : (body.lat as number);
        close(dictionary.unitCreate.created(typeof unit.address === 'string' ? unit.address : String(body.address)));
        notifyUnitSaved({ unitId, validFrom: String(body.valid_from), version: Number((answer.body as { version?: number }).version ?? 1), unit });
        if (unitId) void openPopupOf(map, unitId, [lon, lat]);
        return;
      }
      if (answer.status === 400 || answer.status === 422) {
        const parameter = badField(answer.body);
        const field = parameter ? formField(parameter) : null;
        const error = typeof answer.body?.error === 'string' ? answer.body.error : '';
        if (field) {
          say('error', dictionary.unitCreate.invalid(fieldLabel(dictionary, field)));
          const input = inputs.get(field)!;
          input.setAttribute('aria-invalid', 'true');
          errors.get(field)!.textContent = reasonText(field, error, dictionary);
          if (field !== 'location') (input as HTMLElement).focus();
        } else {
          say('error', `${dictionary.unitCreate.failed} ${dictionary.unitCreate.reasons.other}`);
          console.warn('genk atlas: a new shop unit refused', answer.body);
        }
      } else if (answer.status === 401) {
        // Signed out elsewhere or expired: sign in here, keep what was typed, and try again.
        say('error', dictionary.unitCreate.unauthorised);
        offerSignIn();
      } else if (answer.status === 403) {
        say('error', dictionary.unitCreate.forbidden);
      } else if (answer.status === 409) {
        say('error', dictionary.unitCreate.conflict);
      } else {
        say('error', dictionary.unitCreate.failed);
      }
    } catch (error) {
      console.warn('genk atlas: creating a shop unit', error);
      save.disabled = false;
      say('error', dictionary.unitCreate.failed);
    }
  });

  section.scrollIntoView({ block: 'nearest' });
  address.focus();
  return { close: () => close(), resume, pause, signingIn: () => rescue !== null };
}
