// The neighbourhood table of the Buurtaanbod panel: one row per neighbourhood,
// sortable by any column (a button in each header, `aria-sort` says which),
// worst covered first by default. In what-if mode the share is the share
// after the change and a column gives the difference.

import { bindText, onLang, t, type Dictionary } from '../i18n';
import { formatNumber } from '../format';
import type { CoverageFigures } from './coverage-api';
import { shareColour } from './coverage-map';

export interface TableRow {
  figures: CoverageFigures;
  /** The share before a what-if change, when one is shown. */
  before: number | null | undefined;
}

type ColumnKey = 'name' | 'population' | 'share' | 'change' | 'median' | 'p90' | 'unreachable';

interface Column {
  key: ColumnKey;
  title: (dictionary: Dictionary) => string;
  value: (row: TableRow) => number | string | null;
  text: (row: TableRow, dictionary: Dictionary) => string;
  numeric: boolean;
}

export function formatShare(share: number | null, dictionary: Dictionary, digits = 0): string {
  if (share === null) return dictionary.coverage.noShare;
  return new Intl.NumberFormat(dictionary.locale, { style: 'percent', maximumFractionDigits: digits, minimumFractionDigits: digits }).format(share);
}

/** A difference in shares as percentage points, signed: `+12,5 %-punt`. */
export function formatPoints(difference: number, dictionary: Dictionary): string {
  const points = difference * 100;
  const sign = points > 0.005 ? '+' : points < -0.005 ? '−' : '±';
  const digits = new Intl.NumberFormat(dictionary.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${sign}${digits.format(Math.abs(points))} ${dictionary.coverage.points}`;
}

export function formatMetres(metres: number | null, dictionary: Dictionary): string {
  return metres === null ? dictionary.coverage.noShare : `${formatNumber(Math.round(metres), dictionary, 0)} m`;
}

/** A change in the table: signed percentage points without the unit (the header names it); 0,0 when none, — without a share. */
function changeText(difference: number | null, dictionary: Dictionary): string {
  if (difference === null) return '—';
  if (Math.abs(difference) < 0.00005) return new Intl.NumberFormat(dictionary.locale, { minimumFractionDigits: 1 }).format(0);
  const digits = new Intl.NumberFormat(dictionary.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${difference > 0 ? '+' : '−'}${digits.format(Math.abs(difference) * 100)}`;
}

function change(row: TableRow): number | null {
  if (row.before === undefined || row.before === null || row.figures.share === null) return null;
  return row.figures.share - row.before;
}

const COLUMNS: Column[] = [
  { key: 'name', title: (d) => d.coverage.table.neighbourhood, value: (row) => row.figures.name, text: (row) => row.figures.name, numeric: false },
  { key: 'population', title: (d) => d.coverage.table.population, value: (row) => row.figures.population, text: (row, d) => formatNumber(row.figures.population, d, 0), numeric: true },
  { key: 'share', title: (d) => d.coverage.table.share, value: (row) => row.figures.share, text: (row, d) => formatShare(row.figures.share, d), numeric: true },
  { key: 'change', title: (d) => d.coverage.table.change, value: change, text: (row, d) => changeText(change(row), d), numeric: true },
  { key: 'median', title: (d) => d.coverage.table.median, value: (row) => row.figures.median_m, text: (row, d) => formatMetres(row.figures.median_m, d), numeric: true },
  { key: 'p90', title: (d) => d.coverage.table.p90, value: (row) => row.figures.p90_m, text: (row, d) => formatMetres(row.figures.p90_m, d), numeric: true },
  { key: 'unreachable', title: (d) => d.coverage.table.unreachable, value: (row) => row.figures.unreachable, text: (row, d) => formatNumber(row.figures.unreachable, d, 0), numeric: true },
];

export interface CoverageTable {
  element: HTMLElement;
  update(rows: TableRow[], whatIf: boolean): void;
}

function compare(a: number | string | null, b: number | string | null): number {
  // No value sorts last whichever the direction (handled by the caller).
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, t().locale);
  return (a as number) - (b as number);
}

export function renderCoverageTable(onSelect: (code: string) => void): CoverageTable {
  const wrapper = document.createElement('div');
  wrapper.className = 'coverage-table-wrap';
  const table = document.createElement('table');
  table.className = 'coverage-table';
  const caption = document.createElement('caption');
  bindText(caption, (dictionary) => dictionary.coverage.table.caption);
  const head = document.createElement('thead');
  const body = document.createElement('tbody');
  table.append(caption, head, body);
  wrapper.append(table);

  let rows: TableRow[] = [];
  let whatIf = false;
  let sortKey: ColumnKey = 'share';
  let ascending = true;

  /** In what-if mode the change takes the place of the unreachable residents (the headline still gives the city's). */
  function columns(): Column[] {
    return COLUMNS.filter((column) => (column.key === 'change' ? whatIf : column.key === 'unreachable' ? !whatIf : true));
  }

  function render(): void {
    const dictionary = t();
    const headRow = document.createElement('tr');
    for (const column of columns()) {
      const cell = document.createElement('th');
      cell.scope = 'col';
      cell.dataset.column = column.key;
      if (column.numeric) cell.className = 'is-numeric';
      if (column.key === sortKey) cell.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort-button';
      button.textContent = column.title(dictionary);
      button.addEventListener('click', () => {
        if (sortKey === column.key) ascending = !ascending;
        else {
          sortKey = column.key;
          ascending = column.key === 'name' || column.key === 'share';
        }
        render();
      });
      cell.append(button);
      headRow.append(cell);
    }
    head.replaceChildren(headRow);

    const column = columns().find((candidate) => candidate.key === sortKey) ?? COLUMNS[2];
    const sorted = [...rows].sort((a, b) => {
      const va = column.value(a);
      const vb = column.value(b);
      // Ties: the neighbourhood with more residents first (more people concerned), then by name.
      const tie = () => b.figures.population - a.figures.population || a.figures.name.localeCompare(b.figures.name, dictionary.locale);
      if (va === null && vb === null) return tie();
      if (va === null) return 1;
      if (vb === null) return -1;
      const order = compare(va, vb) * (ascending ? 1 : -1);
      return order !== 0 ? order : tie();
    });
    body.replaceChildren(
      ...sorted.map((row) => {
        const line = document.createElement('tr');
        line.dataset.code = row.figures.code;
        line.tabIndex = 0;
        line.addEventListener('click', () => onSelect(row.figures.code));
        line.addEventListener('keydown', (event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            onSelect(row.figures.code);
          }
        });
        for (const each of columns()) {
          const cell = document.createElement(each.key === 'name' ? 'th' : 'td');
          if (each.key === 'name') (cell as HTMLTableCellElement).scope = 'row';
          cell.dataset.column = each.key;
          if (each.numeric) cell.className = 'is-numeric';
          if (each.key === 'share') {
            const dot = document.createElement('span');
            dot.className = 'share-dot';
            dot.style.background = shareColour(row.figures.share);
            dot.setAttribute('aria-hidden', 'true');
            cell.append(dot, document.createTextNode(each.text(row, dictionary)));
          } else {
            cell.textContent = each.text(row, dictionary);
          }
          if (each.key === 'change') {
            const difference = change(row);
            if (difference !== null && difference > 0.00005) cell.classList.add('is-up');
            if (difference !== null && difference < -0.00005) cell.classList.add('is-down');
          }
          line.append(cell);
        }
        return line;
      }),
    );
  }

  onLang(() => render());
  return {
    element: wrapper,
    update(next, nextWhatIf) {
      rows = next;
      whatIf = nextWhatIf;
      if (!whatIf && sortKey === 'change') sortKey = 'share';
      render();
    },
  };
}
