// The units of the chosen group on the panel's date (`GET /api/vacancy/units`),
// under the KPI cards in Leegstand: a status filter with counts (vacant by
// default: the list the retail team asks for) and a table of address,
// status, since when, branch and floor area. A click on an address flies the
// map to the unit and opens its popup (where the edit dialog is).

import { ApiError, getJson } from '../api';
import { formatArea, formatDate } from '../format';
import { t, type Dictionary } from '../i18n';
import { el } from '../dom';

type UnitStatus = 'vacant' | 'renovation' | 'occupied' | 'non_commercial';
const STATUSES: UnitStatus[] = ['vacant', 'renovation', 'occupied', 'non_commercial'];

interface ListedUnit {
  id: string;
  address: string;
  status: UnitStatus;
  status_since: string;
  months_in_status: number;
  category: string;
  floor_area_m2: number;
  lon: number;
  lat: number;
}

interface UnitsAnswer {
  date: string;
  group: { id: string; name: string };
  units: ListedUnit[];
}

/** Which group on which date; null when no group is chosen. */
export interface UnitsOf {
  by: string;
  group: string;
  date: string;
}

export interface UnitList {
  element: HTMLElement;
  show(what: UnitsOf | null): void;
  /** Draw again in the current language. */
  render(): void;
  /** Ask again for the same group and date (after an edit). */
  reload(): void;
}

export function renderUnitList(openUnit: (unit: { id: string; lon: number; lat: number }) => void): UnitList {
  const section = el('details', 'vacancy-section vacancy-units');
  const summary = el('summary', 'vacancy-section-title');
  const filter = el('div', 'vacancy-segmented');
  filter.setAttribute('role', 'group');
  const note = el('p', 'vacancy-note');
  note.setAttribute('role', 'status');
  const tableBox = el('div', 'vacancy-table-box unit-list-box');
  section.append(summary, filter, note, tableBox);

  let asked: UnitsOf | null = null;
  let answer: UnitsAnswer | null = null;
  let failed = false;
  let status: UnitStatus | 'all' = 'vacant';
  let sequence = 0;

  function render(): void {
    const dictionary = t();
    const words = dictionary.vacancy.unitList;
    section.hidden = asked === null;
    summary.textContent = answer ? words.title(answer.group.name, formatDate(answer.date)) : words.heading;
    bindFilter(dictionary);
    if (failed) {
      note.textContent = words.error;
      tableBox.replaceChildren();
      return;
    }
    if (!answer) {
      note.textContent = asked ? words.loading : '';
      tableBox.replaceChildren();
      return;
    }
    const shown = answer.units.filter((unit) => status === 'all' || unit.status === status);
    note.textContent = shown.length === 0 ? words.empty : '';
    if (shown.length === 0) {
      tableBox.replaceChildren();
      return;
    }
    const table = el('table', 'unit-list');
    const caption = el('caption', 'visually-hidden', summary.textContent);
    const head = el('tr');
    for (const column of ['address', 'status', 'since', 'category', 'area'] as const) {
      const cell = el('th', undefined, words.columns[column]);
      cell.scope = 'col';
      head.append(cell);
    }
    const body = el('tbody');
    for (const unit of shown) {
      const row = el('tr');
      row.dataset.unitId = unit.id;
      row.dataset.status = unit.status;
      const name = el('th');
      name.scope = 'row';
      const go = el('button', 'row-select', unit.address);
      go.type = 'button';
      go.title = words.show(unit.address);
      go.addEventListener('click', () => openUnit(unit));
      name.append(go);
      const state = el('td');
      state.append(el('span', `status-swatch status-swatch--${unit.status}`), document.createTextNode(dictionary.values.status[unit.status] ?? unit.status));
      const since = el('td', undefined, `${formatDate(unit.status_since)} (${words.months(unit.months_in_status)})`);
      const category = el('td', undefined, dictionary.values.category[unit.category] ?? unit.category);
      const area = el('td', 'num', formatArea(unit.floor_area_m2, dictionary));
      row.append(name, state, since, category, area);
      body.append(row);
    }
    table.append(caption, el('thead'), body);
    table.tHead!.append(head);
    tableBox.replaceChildren(table);
  }

  function bindFilter(dictionary: Dictionary): void {
    const counts = new Map<string, number>();
    for (const unit of answer?.units ?? []) counts.set(unit.status, (counts.get(unit.status) ?? 0) + 1);
    filter.setAttribute('aria-label', dictionary.vacancy.unitList.filter);
    filter.replaceChildren(
      ...(['all', ...STATUSES] as const).map((key) => {
        const button = el('button');
        button.type = 'button';
        button.dataset.status = key;
        const count = key === 'all' ? answer?.units.length ?? 0 : counts.get(key) ?? 0;
        const label = key === 'all' ? dictionary.vacancy.unitList.all : dictionary.values.status[key] ?? key;
        button.textContent = answer ? `${label} (${count})` : label;
        button.setAttribute('aria-pressed', String(key === status));
        button.addEventListener('click', () => {
          status = key;
          render();
          filter.querySelector<HTMLButtonElement>(`[data-status="${key}"]`)?.focus();
        });
        return button;
      }),
    );
  }

  async function load(what: UnitsOf): Promise<void> {
    const mine = ++sequence;
    const query = new URLSearchParams({ by: what.by, group: what.group, date: what.date });
    try {
      const got = await getJson<UnitsAnswer>(`/api/vacancy/units?${query}`);
      if (mine !== sequence) return;
      answer = got;
      failed = false;
    } catch (error) {
      if (mine !== sequence) return;
      // A server without the route shows no list; anything else says it failed.
      if (error instanceof ApiError && error.status === 404) asked = null;
      else failed = true;
      console.warn('genk atlas: the units of a group', error);
    }
    render();
  }

  return {
    element: section,
    show(what: UnitsOf | null): void {
      const same = what && asked && what.by === asked.by && what.group === asked.group && what.date === asked.date;
      if (same) return;
      asked = what;
      answer = null;
      failed = false;
      sequence += 1;
      render();
      if (what) void load(what);
    },
    render,
    reload(): void {
      if (asked) void load(asked);
    },
  };
}
