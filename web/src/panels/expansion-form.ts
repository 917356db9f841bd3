// The request form of the Uitbreiding panel: activity group (or a NACE
// code), area range, date needed, required access, maximum price, where to
// be near (a company's current site or a point picked on the map) with a
// maximum distance, and the five weights as sliders that always sum to 100.
//
// `read()` turns the form into the JSON request of `POST /api/sites/search`;
// the server checks it, and `showInvalid(field, message)` marks the field
// the server names in a 400.

import { dateField } from '../date-field';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { fetchAllFeatures } from '../api';
import { formatArea, formatDate, formatNumber } from '../format';
import { bindText, onLang, t, type Dictionary } from '../i18n';
import { numberField, type NumberField } from '../number-field';
import { ACTIVITIES, CRITERIA, DEFAULT_WEIGHTS, DEFAULT_WEIGHTS_NEAR, type Criterion, type SiteRequest, type Weights } from './expansion-api';
import { pickMode } from './coverage-pick';
import { rebalance } from './expansion-weights';
import { el } from '../dom';

export interface ExpansionForm {
  element: HTMLFormElement;
  read(): SiteRequest;
  /** Mark every number field that cannot be read (and say so); true when the form can be sent. */
  check(): boolean;
  /** A one-line summary of the request in the current language (for the site sheet). */
  summary(request: SiteRequest): string;
  showInvalid(field: string | null, message: string): void;
  clearInvalid(): void;
  /** Stop picking a point (the panel was put away). */
  stopPicking(): void;
  /** The company chosen to be near, when its name is one of the companies layer. */
  company(): { id: string; name: string } | null;
  /** Fill the form with a request (a saved search); resolves when the company names are in. */
  load(request: Partial<SiteRequest>): Promise<void>;
}

type NearMode = 'none' | 'company' | 'point';

const MAX_COMPANY_OPTIONS = 50;

let uid = 0;
/** A field: its label (beside, not around, the control, so the control's value is not part of its name) and the control. */
function labelled<T extends HTMLInputElement | HTMLSelectElement>(control: T, text: (dictionary: Dictionary) => string, className = 'field'): HTMLDivElement {
  const field = el('div', className);
  const label = el('label', 'field-label');
  bindText(label, text);
  control.id ||= `expansion-field-${++uid}`;
  label.htmlFor = control.id;
  field.append(label, control);
  return field;
}

/** A number field (Dutch or English digits, see `number-field.ts`) that shows its value with `unit`. */
function numberInput(name: string, show: (value: number, dictionary: Dictionary) => string): NumberField {
  const input = el('input');
  input.name = name;
  return numberField(input, show);
}

function labelledNumber(field: NumberField, text: (dictionary: Dictionary) => string): HTMLDivElement {
  const holder = labelled(field.input, text);
  holder.append(field.reading);
  return holder;
}

export function renderExpansionForm(map: MapLibreMap, onSubmit: () => void, onNearChange: (point: { lon: number; lat: number } | null) => void): ExpansionForm {
  const form = el('form', 'expansion-form');
  form.noValidate = true;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit();
  });

  // ---- activity ----
  const activity = el('select');
  activity.name = 'activity';
  onLang((dictionary) => {
    const chosen = activity.value || 'logistics';
    activity.replaceChildren(
      ...ACTIVITIES.map((code) => {
        const option = el('option');
        option.value = code;
        option.textContent = dictionary.expansion.activities[code];
        option.selected = code === chosen;
        return option;
      }),
    );
  });
  const nace = el('input');
  nace.type = 'text';
  nace.name = 'nace';
  nace.inputMode = 'numeric';
  nace.pattern = '[0-9.]*';
  nace.autocomplete = 'off';

  // ---- area, date, access, price ----
  const area = (value: number, dictionary: Dictionary) => formatArea(value, dictionary, 2);
  const minArea = numberInput('min_area_m2', area);
  const maxArea = numberInput('max_area_m2', area);
  const areaRow = el('div', 'field-row');
  areaRow.append(labelledNumber(minArea, (d) => d.expansion.minArea), labelledNumber(maxArea, (d) => d.expansion.maxArea));
  const neededBy = el('input');
  const neededByDate = dateField(neededBy);
  neededBy.name = 'needed_by';
  const maxPrice = numberInput('max_price_eur_m2', (value, dictionary) => `€ ${formatNumber(value, dictionary)} /m²`);
  const dateRow = el('div', 'field-row');
  const neededByHolder = labelled(neededBy, (d) => d.expansion.neededBy);
  neededByHolder.append(neededByDate.message);
  dateRow.append(neededByHolder, labelledNumber(maxPrice, (d) => d.expansion.maxPrice));

  const requires = el('fieldset', 'plain-fieldset');
  requires.dataset.field = 'requires';
  const requiresLegend = el('legend', 'field-label');
  bindText(requiresLegend, (d) => d.expansion.requires);
  const quay = el('input');
  quay.type = 'checkbox';
  quay.name = 'quay';
  const rail = el('input');
  rail.type = 'checkbox';
  rail.name = 'rail';
  const checks = el('div', 'check-row');
  for (const [input, text] of [
    [quay, (d: Dictionary) => d.expansion.quay],
    [rail, (d: Dictionary) => d.expansion.rail],
  ] as const) {
    const label = el('label', 'check');
    const span = el('span');
    bindText(span, text);
    label.append(input, span);
    checks.append(label);
  }
  requires.append(requiresLegend, checks);

  // ---- near ----
  let nearMode: NearMode = 'none';
  let point: { lon: number; lat: number } | null = null;
  const companies = new Map<string, string>(); // name → id
  const companyNames = new Map<string, string>(); // id → name
  let companiesLoading: Promise<void> | null = null;
  const nearRadios = new Map<NearMode, HTMLInputElement>();
  const near = el('fieldset', 'plain-fieldset');
  near.dataset.field = 'near';
  const nearLegend = el('legend', 'field-label');
  bindText(nearLegend, (d) => d.expansion.near);
  const nearOptions = el('div', 'check-row');
  for (const mode of ['none', 'company', 'point'] as NearMode[]) {
    const label = el('label', 'check');
    const input = el('input');
    input.type = 'radio';
    input.name = 'near-mode';
    input.value = mode;
    input.checked = mode === 'none';
    nearRadios.set(mode, input);
    input.addEventListener('change', () => {
      if (input.checked) setNearMode(mode);
    });
    const span = el('span');
    bindText(span, (d) => (mode === 'none' ? d.expansion.nearNone : mode === 'company' ? d.expansion.nearCompany : d.expansion.nearPoint));
    label.append(input, span);
    nearOptions.append(label);
  }
  const company = el('input');
  company.type = 'text';
  company.name = 'company';
  company.autocomplete = 'off';
  bindText(company, (d) => d.expansion.companyPlaceholder, 'placeholder');
  const companyList = el('datalist');
  companyList.id = 'expansion-companies';
  company.setAttribute('list', companyList.id);
  const companyField = labelled(company, (d) => d.expansion.company);
  companyField.append(companyList);
  const pick = pickMode(map);
  const pointRow = el('div', 'point-row');
  const pickButton = el('button', 'button button--quiet button--small');
  pickButton.type = 'button';
  pickButton.setAttribute('aria-pressed', 'false');
  const pointText = el('span', 'field-hint');
  pointText.setAttribute('aria-live', 'polite');
  pointRow.append(pickButton, pointText);
  const maxDistance = numberInput('max_distance_m', (value, dictionary) => `${formatNumber(value, dictionary, 0)} m`);
  const maxDistanceField = labelledNumber(maxDistance, (d) => d.expansion.maxDistance);
  near.append(nearLegend, nearOptions, companyField, pointRow, maxDistanceField);

  function renderNear(): void {
    const dictionary = t();
    companyField.hidden = nearMode !== 'company';
    pointRow.hidden = nearMode !== 'point';
    maxDistanceField.hidden = nearMode === 'none';
    pickButton.textContent = pick.active ? dictionary.expansion.pickingPoint : dictionary.expansion.pickPoint;
    pickButton.setAttribute('aria-pressed', String(pick.active));
    pointText.textContent = point ? dictionary.expansion.pointChosen(formatNumber(point.lat, dictionary, 5), formatNumber(point.lon, dictionary, 5)) : dictionary.expansion.noPoint;
  }

  let sortedNames: string[] = [];
  /** The datalist holds the first names that contain what is typed (a city may have tens of thousands of companies). */
  function fillCompanyList(): void {
    const wanted = company.value.trim().toLocaleLowerCase();
    const matches: string[] = [];
    for (const name of sortedNames) {
      if (!wanted || name.toLocaleLowerCase().includes(wanted)) matches.push(name);
      if (matches.length >= MAX_COMPANY_OPTIONS) break;
    }
    companyList.replaceChildren(
      ...matches.map((name) => {
        const option = el('option');
        option.value = name;
        return option;
      }),
    );
  }
  company.addEventListener('input', () => fillCompanyList());

  /** The company names for the datalist, fetched once from the companies layer. */
  function loadCompanies(): Promise<void> {
    companiesLoading ??= fetchAllFeatures('companies')
      .then((features) => {
        for (const feature of features) {
          const name = feature.properties.name;
          if (typeof name !== 'string' || !name) continue;
          if (!companies.has(name)) companies.set(name, String(feature.id));
          companyNames.set(String(feature.id), name);
        }
        sortedNames = [...companies.keys()].sort((a, b) => a.localeCompare(b));
        fillCompanyList();
        // A name typed before the list came in is now known: tell those who follow the field.
        if (company.value.trim()) company.dispatchEvent(new Event('input', { bubbles: true }));
      })
      .catch((error: unknown) => console.warn('genk atlas: companies', error));
    return companiesLoading;
  }

  function setNearMode(mode: NearMode): void {
    const hadNear = nearMode !== 'none';
    nearMode = mode;
    if (mode !== 'point') pick.stop();
    if (mode === 'company') void loadCompanies();
    // The nearness weight only counts with something to be near.
    const hasNear = mode !== 'none';
    if (hasNear && !hadNear && weights.near === 0) weights = { ...DEFAULT_WEIGHTS_NEAR };
    if (!hasNear && hadNear) weights = rebalance(weights, 'near', 0);
    renderNear();
    renderWeights();
    onNearChange(mode === 'point' ? point : null);
  }

  pickButton.addEventListener('click', () => {
    if (pick.active) {
      pick.stop();
      renderNear();
      return;
    }
    pick.start((lon, lat) => {
      point = { lon, lat };
      pick.stop();
      renderNear();
      onNearChange(point);
    });
    renderNear();
  });

  // ---- weights ----
  let weights: Weights = { ...DEFAULT_WEIGHTS };
  const weightsBox = el('fieldset', 'plain-fieldset weights');
  weightsBox.dataset.field = 'weights';
  const weightsLegend = el('legend', 'field-label');
  bindText(weightsLegend, (d) => d.expansion.weights);
  const weightsHint = el('p', 'field-hint');
  const sliders = new Map<Criterion, { input: HTMLInputElement; output: HTMLOutputElement; row: HTMLElement }>();
  const weightsTotal = el('p', 'weights-total');
  weightsBox.append(weightsLegend, weightsHint);
  for (const name of CRITERIA) {
    const row = el('div', 'weight-row');
    const input = el('input');
    input.type = 'range';
    input.min = '0';
    input.max = '100';
    input.step = '1';
    input.name = `weight-${name}`;
    input.id = `expansion-weight-${name}`;
    const label = el('label', 'weight-label');
    label.htmlFor = input.id;
    bindText(label, (d) => d.expansion.criteria[name]);
    const output = el('output', 'weight-value');
    output.htmlFor.add(input.id);
    input.addEventListener('input', () => {
      weights = rebalance(weights, name, Number(input.value), nearMode === 'none' ? new Set<Criterion>(['near']) : new Set());
      renderWeights();
    });
    row.append(label, input, output);
    weightsBox.append(row);
    sliders.set(name, { input, output, row });
  }
  weightsBox.append(weightsTotal);

  function renderWeights(): void {
    const dictionary = t();
    for (const [name, { input, output, row }] of sliders) {
      input.value = String(weights[name]);
      output.value = String(weights[name]);
      const locked = name === 'near' && nearMode === 'none';
      input.disabled = locked;
      row.classList.toggle('is-disabled', locked);
    }
    weightsHint.textContent = nearMode === 'none' ? `${dictionary.expansion.weightsHint} ${dictionary.expansion.weightsNearOff}` : dictionary.expansion.weightsHint;
    weightsTotal.textContent = dictionary.expansion.total(CRITERIA.reduce((sum, name) => sum + weights[name], 0));
  }

  const submit = el('button', 'button expansion-submit');
  submit.type = 'submit';
  bindText(submit, (d) => d.expansion.search);

  form.append(labelled(activity, (d) => d.expansion.activity), labelled(nace, (d) => d.expansion.nace), areaRow, dateRow, requires, near, weightsBox, submit);
  onLang(() => {
    renderNear();
    renderWeights();
  });

  const fields: Record<string, HTMLElement> = {
    activity,
    nace: nace,
    min_area_m2: minArea.input,
    max_area_m2: maxArea.input,
    needed_by: neededBy,
    requires,
    max_price_eur_m2: maxPrice.input,
    near,
    company_id: company,
    max_distance_m: maxDistance.input,
    weights: weightsBox,
  };
  const errorNote = el('p', 'field-error');
  errorNote.setAttribute('role', 'alert');

  function numberOf(field: NumberField): number | undefined {
    const value = field.value();
    return value !== null && Number.isFinite(value) ? value : undefined;
  }

  /** Mark every number field that cannot be read, at once; true when all can. */
  function check(): boolean {
    clearInvalid();
    const numbers: [string, NumberField][] = [
      ['min_area_m2', minArea],
      ['max_area_m2', maxArea],
      ['max_price_eur_m2', maxPrice],
      ['max_distance_m', maxDistance],
    ];
    const unreadable = numbers.filter(([, field]) => !field.input.closest('[hidden]') && !field.check());
    const dateReads = neededByDate.check();
    if (unreadable.length === 0 && dateReads) return true;
    errorNote.textContent = unreadable.length > 0
      ? t().numbers.notSent(unreadable.map(([name]) => fieldTitle(name, t())).join(', '))
      : t().dates.notSent(fieldTitle('needed_by', t()));
    submit.before(errorNote);
    (unreadable.length > 0 ? unreadable[0][1].input : neededBy).focus();
    return false;
  }

  function read(): SiteRequest {
    const request: SiteRequest = { activity: nace.value.trim() || activity.value, requires: [], weights: { ...weights }, limit: 20, offset: 0 };
    const min = numberOf(minArea);
    const max = numberOf(maxArea);
    const price = numberOf(maxPrice);
    const distance = numberOf(maxDistance);
    if (min !== undefined) request.min_area_m2 = min;
    if (max !== undefined) request.max_area_m2 = max;
    if (neededByDate.iso()) request.needed_by = neededByDate.iso();
    if (quay.checked) request.requires.push('quay');
    if (rail.checked) request.requires.push('rail');
    if (price !== undefined) request.max_price_eur_m2 = price;
    if (nearMode === 'company') {
      const id = companies.get(company.value.trim());
      // An unknown name goes to the server as typed, which names the field in its answer.
      request.near = { company_id: id ?? company.value.trim() };
    }
    if (nearMode === 'point' && point) request.near = { lon: Number(point.lon.toFixed(6)), lat: Number(point.lat.toFixed(6)) };
    if (request.near && distance !== undefined) request.max_distance_m = distance;
    if (!request.near) request.weights = { ...request.weights, near: 0 };
    return request;
  }

  function summary(request: SiteRequest): string {
    const dictionary = t();
    const parts: string[] = [dictionary.expansion.activities[request.activity] ?? `NACE ${request.activity}`];
    if (request.min_area_m2 !== undefined || request.max_area_m2 !== undefined) {
      parts.push(`${request.min_area_m2 !== undefined ? formatArea(request.min_area_m2, dictionary) : '…'} – ${request.max_area_m2 !== undefined ? formatArea(request.max_area_m2, dictionary) : '…'}`);
    }
    if (request.needed_by) parts.push(`${dictionary.expansion.neededBy.toLowerCase()} ${formatDate(request.needed_by)}`);
    if (request.requires.includes('quay')) parts.push(dictionary.expansion.quay.toLowerCase());
    if (request.requires.includes('rail')) parts.push(dictionary.expansion.rail.toLowerCase());
    if (request.max_price_eur_m2 !== undefined) parts.push(`≤ € ${formatNumber(request.max_price_eur_m2, dictionary)} /m²`);
    if (request.near && 'company_id' in request.near) parts.push(`${dictionary.expansion.near.toLowerCase()} ${company.value.trim()}`);
    if (request.near && 'lon' in request.near) parts.push(dictionary.expansion.pointChosen(formatNumber(request.near.lat, dictionary, 5), formatNumber(request.near.lon, dictionary, 5)));
    if (request.max_distance_m !== undefined) parts.push(`≤ ${formatNumber(request.max_distance_m, dictionary, 0)} m`);
    const weightText = CRITERIA.filter((name) => request.weights[name] > 0).map((name) => `${dictionary.expansion.criteria[name]} ${request.weights[name]}`).join(', ');
    parts.push(`${dictionary.expansion.weights.replace(/\s*\(.*\)$/, '')}: ${weightText}`);
    return parts.join(' · ');
  }

  async function load(request: Partial<SiteRequest>): Promise<void> {
    const group = (ACTIVITIES as readonly string[]).includes(request.activity ?? '') ? request.activity! : null;
    if (group) activity.value = group;
    nace.value = group || !request.activity ? '' : request.activity;
    minArea.set(request.min_area_m2);
    maxArea.set(request.max_area_m2);
    maxPrice.set(request.max_price_eur_m2);
    maxDistance.set(request.max_distance_m);
    neededByDate.set(request.needed_by ?? '');
    quay.checked = request.requires?.includes('quay') ?? false;
    rail.checked = request.requires?.includes('rail') ?? false;
    const mode: NearMode = !request.near ? 'none' : 'company_id' in request.near ? 'company' : 'point';
    if (mode === 'company') {
      await loadCompanies();
      const id = (request.near as { company_id: string }).company_id;
      company.value = companyNames.get(id) ?? id;
    }
    if (mode === 'point') point = { ...(request.near as { lon: number; lat: number }) };
    nearRadios.get(mode)!.checked = true;
    setNearMode(mode);
    if (request.weights) {
      weights = { ...DEFAULT_WEIGHTS, ...request.weights };
      renderWeights();
    }
  }

  function clearInvalid(): void {
    for (const element of Object.values(fields)) element.removeAttribute('aria-invalid');
    errorNote.remove();
  }

  function showInvalid(field: string | null, message: string): void {
    clearInvalid();
    // `weights.near`, `near.company_id` and the like name a part of a field.
    const key = field === null ? null : field in fields ? field : field.split(/[.[]/).find((part) => part in fields) ?? field.split(/[.[]/)[0];
    const target = key ? (key === 'near' && nearMode === 'company' ? company : fields[key === 'activity' && nace.value.trim() ? 'nace' : key]) : undefined;
    errorNote.textContent = message;
    if (target) {
      target.setAttribute('aria-invalid', 'true');
      const holder = target instanceof HTMLFieldSetElement ? target : target.closest('.field') ?? target;
      holder.after(errorNote);
      target.setAttribute('aria-describedby', 'expansion-error');
      errorNote.id = 'expansion-error';
    } else {
      submit.before(errorNote);
    }
  }

  renderNear();
  renderWeights();
  return {
    element: form,
    read,
    check,
    summary,
    showInvalid,
    clearInvalid,
    stopPicking: () => {
      pick.stop();
      renderNear();
    },
    company: () => {
      if (nearMode !== 'company') return null;
      const name = company.value.trim();
      const id = companies.get(name);
      return id ? { id, name } : null;
    },
    load,
  };
}

/** The label of a request field for messages ("Oppervlakte van (m²)"), from the dictionary. */
export function fieldTitle(field: string | null, dictionary: Dictionary): string {
  const key = (field ?? '').split(/[.[]/)[0];
  const titles: Record<string, string> = {
    activity: dictionary.expansion.activity,
    min_area_m2: dictionary.expansion.minArea,
    max_area_m2: dictionary.expansion.maxArea,
    needed_by: dictionary.expansion.neededBy,
    requires: dictionary.expansion.requires,
    max_price_eur_m2: dictionary.expansion.maxPrice,
    near: dictionary.expansion.near,
    max_distance_m: dictionary.expansion.maxDistance,
    weights: dictionary.expansion.weights,
    limit: 'limit',
    offset: 'offset',
  };
  return titles[key] ?? field ?? '';
}
