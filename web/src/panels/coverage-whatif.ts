// The what-if part of the Buurtaanbod panel: while it is on, a click on the
// map drops an imagined shop (of the chosen kind; for the daily basket, of a
// kind chosen here), and a click on a ringed shop imagines it closed. Every
// change sends `POST /api/coverage/whatif` with all the edits (a short pause
// first, so quick clicks make one request); the panel then shows the shares
// after, and this section lists each neighbourhood's change, largest rise
// first, with the whole city on top.

import type { Map as MapLibreMap } from 'maplibre-gl';
import { bindText, onLang, t, type Dictionary } from '../i18n';
import { fetchWhatIf, isAbort, isUnavailable, reasonOf, SINGLE_KINDS, type AddedShop, type CoverageQuery, type WhatIfAnswer } from './coverage-api';
import type { CoverageMap } from './coverage-map';
import { pickMode } from './coverage-pick';
import { formatPoints, formatShare } from './coverage-table';
import { formatNumber } from '../format';

type Status = { kind: 'idle' | 'loading' | 'unavailable' } | { kind: 'error'; message: string };

const PAUSE_MS = 120;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (className) created.className = className;
  if (text !== undefined) created.textContent = text;
  return created;
}

export interface WhatIf {
  element: HTMLElement;
  /** The figures before and after the edits, or null without edits (or before the answer). */
  answer(): WhatIfAnswer | null;
  /** `idle`, `loading`, `ready`, `unavailable` or `error` (for the page's data attribute). */
  state(): string;
  /** The question changed (kind, distance, date): imagined shops take the new kind, and the figures are asked again. */
  rerun(): void;
  /** Stop placing shops (the panel was put away). */
  stop(): void;
  readonly picking: boolean;
}

/** `onChange` is called whenever the answer (or its absence) changes. */
export function renderWhatIf(map: MapLibreMap, coverageMap: CoverageMap, query: () => CoverageQuery, onChange: () => void): WhatIf {
  const added: AddedShop[] = [];
  const removed: { id: string; lon: number; lat: number; name: string }[] = [];
  let answer: WhatIfAnswer | null = null;
  let status: Status = { kind: 'idle' };
  let addKind: AddedShop['kind'] = 'supermarket';
  let abort: AbortController | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const pick = pickMode(map);

  const box = element('section', 'coverage-whatif');
  const title = element('h3', 'section-title');
  bindText(title, (dictionary) => dictionary.coverage.whatIf.title);
  const toggle = element('button', 'button button--toggle');
  toggle.type = 'button';
  toggle.setAttribute('aria-pressed', 'false');
  const hint = element('p', 'field-hint');
  bindText(hint, (dictionary) => dictionary.coverage.whatIf.hint);
  hint.hidden = true;
  const kindField = element('div', 'field');
  const kindLabel = element('label', 'field-label');
  bindText(kindLabel, (dictionary) => dictionary.coverage.whatIf.addedKind);
  const kindSelect = element('select');
  kindSelect.name = 'coverage-added-kind';
  kindSelect.id = 'coverage-added-kind';
  kindLabel.htmlFor = kindSelect.id;
  kindSelect.addEventListener('change', () => {
    addKind = kindSelect.value as AddedShop['kind'];
  });
  kindField.append(kindLabel, kindSelect);
  const edits = element('ul', 'coverage-edits');
  const reset = element('button', 'button button--quiet button--small');
  reset.type = 'button';
  bindText(reset, (dictionary) => dictionary.coverage.whatIf.reset);
  const statusNote = element('p', 'field-hint');
  statusNote.setAttribute('aria-live', 'polite');
  const changesTitle = element('h4', 'subsection-title');
  bindText(changesTitle, (dictionary) => dictionary.coverage.whatIf.changes);
  const changes = element('ul', 'coverage-changes');
  changes.setAttribute('aria-live', 'polite');
  const changesBox = element('div', 'coverage-changes-box');
  changesBox.append(changesTitle, changes);
  box.append(title, toggle, hint, kindField, edits, reset, statusNote, changesBox);

  function setPicking(on: boolean): void {
    if (on) pick.start((lon, lat, point) => onPick(lon, lat, point));
    else pick.stop();
    render();
  }
  toggle.addEventListener('click', () => setPicking(!pick.active));
  reset.addEventListener('click', () => {
    added.length = 0;
    removed.length = 0;
    run();
  });

  function onPick(lon: number, lat: number, point: { x: number; y: number }): void {
    const shop = coverageMap.shopAt(point);
    if (shop) {
      const at = removed.findIndex((entry) => entry.id === shop.id);
      if (at >= 0) removed.splice(at, 1);
      else removed.push({ id: shop.id, lon: shop.lon, lat: shop.lat, name: String(shop.properties.address ?? shop.id) });
    } else {
      const kind = query().kind;
      added.push({ lon, lat, kind: kind === 'daily' ? addKind : kind });
    }
    run();
  }

  function run(): void {
    abort?.abort();
    if (timer) clearTimeout(timer);
    coverageMap.setWhatIf(added, removed);
    answer = null;
    if (added.length === 0 && removed.length === 0) {
      status = { kind: 'idle' };
      render();
      onChange();
      return;
    }
    const controller = new AbortController();
    abort = controller;
    status = { kind: 'loading' };
    render();
    onChange();
    const asked = { ...query() };
    timer = setTimeout(() => {
      fetchWhatIf(asked, [...added], removed.map((entry) => entry.id), controller.signal)
        .then((result) => {
          if (controller.signal.aborted) return;
          answer = result;
          status = { kind: 'idle' };
          render();
          onChange();
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted || isAbort(error)) return;
          status = isUnavailable(error) ? { kind: 'unavailable' } : { kind: 'error', message: reasonOf(error) };
          if (!isUnavailable(error)) console.warn('genk atlas: coverage what-if', error);
          render();
          onChange();
        });
    }, PAUSE_MS);
  }

  function editItem(name: string, role: 'added' | 'removed', undo: () => void): HTMLLIElement {
    const item = element('li', `coverage-edit is-${role}`);
    const button = element('button', 'icon-button', '×');
    button.type = 'button';
    button.setAttribute('aria-label', t().coverage.whatIf.undo(name));
    button.addEventListener('click', undo);
    item.append(element('span', undefined, name), button);
    return item;
  }

  function renderChanges(dictionary: Dictionary): void {
    changesBox.hidden = answer === null;
    if (!answer) return;
    const before = new Map(answer.before.neighbourhoods.map((entry) => [entry.code, entry]));
    const rows = answer.after.neighbourhoods
      .map((after) => ({ after, before: before.get(after.code) }))
      .filter((row): row is { after: typeof row.after; before: NonNullable<typeof row.before> } => Boolean(row.before))
      .filter(({ after, before }) => after.share !== null && before.share !== null && (Math.abs(after.share - before.share) > 1e-9 || after.covered !== before.covered))
      .map(({ after, before }) => ({ after, before, difference: after.share! - before.share! }))
      .sort((a, b) => b.difference - a.difference || a.after.name.localeCompare(b.after.name));
    const items: HTMLLIElement[] = [];
    const cityBefore = answer.before.city.share;
    const cityAfter = answer.after.city.share;
    if (cityBefore !== null && cityAfter !== null) {
      const city = element('li', 'coverage-change is-city', dictionary.coverage.whatIf.change(dictionary.coverage.whatIf.city, formatShare(cityBefore, dictionary, 1), formatShare(cityAfter, dictionary, 1), formatPoints(cityAfter - cityBefore, dictionary)));
      city.dataset.code = 'city';
      items.push(city);
    }
    for (const { after, before, difference } of rows) {
      const item = element('li', `coverage-change ${difference >= 0 ? 'is-up' : 'is-down'}`, dictionary.coverage.whatIf.change(after.name, formatShare(before.share, dictionary, 1), formatShare(after.share, dictionary, 1), formatPoints(difference, dictionary)));
      item.dataset.code = after.code;
      items.push(item);
    }
    if (rows.length === 0) {
      items.push(element('li', 'coverage-change is-none', dictionary.coverage.whatIf.noChanges));
      // Why an imagined shop changed nothing: nobody lives within reach, or they had one already.
      answer.addedReach.forEach((residents, index) => {
        const shop = added[index];
        if (!shop) return;
        const name = dictionary.coverage.whatIf.added(dictionary.coverage.kinds[shop.kind], index + 1);
        const distance = dictionary.coverage.thresholds[String(query().threshold)];
        const why = residents === 0 ? dictionary.coverage.whatIf.nobodyNear(name, distance) : dictionary.coverage.whatIf.alreadyServed(name, formatNumber(residents, dictionary, 0), distance);
        const reason = element('li', 'coverage-change is-reason', why);
        reason.dataset.added = String(index);
        items.push(reason);
      });
    }
    changes.replaceChildren(...items);
  }

  function render(): void {
    const dictionary = t();
    toggle.textContent = pick.active ? dictionary.coverage.whatIf.stop : dictionary.coverage.whatIf.start;
    toggle.setAttribute('aria-pressed', String(pick.active));
    hint.hidden = !pick.active;
    kindField.hidden = query().kind !== 'daily' || !pick.active;
    kindSelect.replaceChildren(
      ...SINGLE_KINDS.filter((kind) => kind !== 'pharmacy').map((kind) => {
        const option = element('option', undefined, dictionary.coverage.kinds[kind]);
        option.value = kind;
        option.selected = kind === addKind;
        return option;
      }),
    );
    const items = [
      ...added.map((shop, index) =>
        editItem(dictionary.coverage.whatIf.added(dictionary.coverage.kinds[shop.kind], index + 1), 'added', () => {
          added.splice(index, 1);
          run();
        }),
      ),
      ...removed.map((shop, index) =>
        editItem(dictionary.coverage.whatIf.removed(shop.name), 'removed', () => {
          removed.splice(index, 1);
          run();
        }),
      ),
    ];
    edits.replaceChildren(...items);
    edits.hidden = items.length === 0;
    reset.hidden = items.length === 0;
    const now = status;
    statusNote.textContent =
      now.kind === 'loading' ? dictionary.coverage.whatIf.computing
      : now.kind === 'unavailable' ? dictionary.coverage.whatIf.unavailable
      : now.kind === 'error' ? dictionary.coverage.failed(now.message)
      : '';
    statusNote.hidden = statusNote.textContent === '';
    renderChanges(dictionary);
  }
  onLang(() => render());

  return {
    element: box,
    answer: () => answer,
    state: () => (status.kind === 'idle' ? (answer ? 'ready' : 'none') : status.kind),
    rerun() {
      const kind = query().kind;
      // Imagined shops are of the kind asked about (for the basket they keep theirs).
      if (kind !== 'daily') {
        addKind = kind === 'pharmacy' ? addKind : kind;
        for (const shop of added) shop.kind = kind;
      }
      if (added.length > 0 || removed.length > 0) run();
      else render();
    },
    stop() {
      if (pick.active) setPicking(false);
    },
    get picking() {
      return pick.active;
    },
  };
}
