// The Leegstand (vacancy) task: the figures of DOMAIN.md (Vacancy) for the
// city and a chosen area, a sortable table per shopping area, street or
// neighbourhood, a five-year trend chart, and the H3 heatmap of the rate on
// the map, all on one date chosen with a slider.
//
// Everything comes from the server's vacancy API and is only read here:
//   /api/vacancy/trend?by=city            → the slider's dates (monthly, five years up to the newest data) and the chart
//   /api/vacancy/summary?date=&by=        → the cards and the table, and the same a year before for the changes
//   /api/vacancy/trend?by=…               → the chosen area's line in the chart
//   /api/vacancy/h3?date=&res=9|10        → GeoJSON hexagons (units, vacant, rate_count, rate_area, too_small)
//   /api/vacancy/register?date=&format=csv → the register download
// The panel loads when its tab is first opened, and again after an edit is
// saved (`onUnitSaved`). `container.dataset.state` reads loading, ready or
// error (for the browser tests); the heatmap's own state is on its section.
//
// One piece for now (about 1,000 lines): one state (date, grouping, area,
// heatmap mode) drives the cards, the table, the chart and the heatmap
// together; the unit list is its own file (`vacancy-units.ts`), and the
// heatmap controls are the next to move out.

import type { ExpressionSpecification, GeoJSONSource, Map as MapLibreMap, MapLayerMouseEvent } from 'maplibre-gl';
import { ApiError, fetchFeature, geometryBbox, getJson } from '../api';
import { lineChart } from '../charts';
import { formatDate, formatNumber } from '../format';
import { clearHighlight, highlight } from '../highlight';
import { bindText, onLang, t, type Dictionary } from '../i18n';
import { renderUnitCreate } from './unit-create';
import { renderUnitList } from './vacancy-units';
import { onUnitSaved } from './unit-edit';
import { link, linked } from '../link';

export type Grouping = 'shopping_area' | 'street' | 'neighbourhood';
const GROUPINGS: Grouping[] = ['shopping_area', 'street', 'neighbourhood'];
/** The smallest groups the table may list, in units. */
const TABLE_MIN_UNITS = [1, 3, 5, 10];

/** A select with its label beside it (`.inline-field`), the label in the page's language. */
function inlineSelect(text: (dictionary: Dictionary) => string): { label: HTMLLabelElement; select: HTMLSelectElement } {
  const label = document.createElement('label');
  label.className = 'inline-field';
  const span = document.createElement('span');
  bindText(span, text);
  const select = document.createElement('select');
  label.append(span, select);
  return { label, select };
}

/** Streets start at 3 units (a one-unit street is 0 % or 100 %); areas and neighbourhoods at 1. */
function defaultMinUnits(by: Grouping): number {
  return by === 'street' ? 3 : 1;
}
/** The map layer that draws each grouping's areas (streets are lines of many segments: not zoomed to). */
const GROUP_LAYERS: Partial<Record<Grouping, string>> = { shopping_area: 'shopping_areas', neighbourhood: 'neighbourhoods' };

export interface GroupSummary {
  id: string;
  name: string;
  units: number;
  occupied: number;
  vacant: number;
  renovation: number;
  rate_count: number | null;
  rate_area: number | null;
  frictional: number;
  long_term: number;
  structural: number;
  register_candidates: number;
}

interface Summary {
  date: string;
  by: string;
  groups: GroupSummary[];
}

interface TrendPoint {
  date: string;
  rate_count: number | null;
  rate_area: number | null;
}

interface Trend {
  to: string;
  dates: string[];
  groups: { id: string; name: string; points: TrendPoint[] }[];
}

/** The H3 rate on the date, its change since a year before, or the smooth kernel-ratio surface. */
type HeatMode = 'rate' | 'change' | 'surface';
const HEAT_MODES: HeatMode[] = ['rate', 'change', 'surface'];

type Column = 'name' | 'units' | 'vacant' | 'rate_count' | 'rate_area' | 'frictional' | 'long_term' | 'structural' | 'register_candidates';
const COLUMNS: Column[] = ['name', 'units', 'vacant', 'rate_count', 'rate_area', 'frictional', 'long_term', 'structural', 'register_candidates'];

/** The heatmap: H3 cells coloured by rate in five classes of five points, grey when too small to judge. */
const H3_SOURCE = 'vacancy-h3';
const H3_FILL = 'vacancy-h3-fill';
const H3_LINE = 'vacancy-h3-line';
const RAMP: [number, string][] = [
  [0, '#fff1dc'],
  [0.05, '#fdc58d'],
  [0.1, '#f98f4c'],
  [0.15, '#dd5a26'],
  [0.2, '#9e3110'],
];
/** The change since a year before, in percentage points: falling vacancy green, rising red. */
const CHANGE_RAMP: [number, string][] = [
  [-Infinity, '#1a7f4b'],
  [-5, '#8fd0a8'],
  [-1, '#f2f2ef'],
  [1, '#f6a98e'],
  [5, '#c0321a'],
];
const TOO_SMALL_COLOUR = '#aeb7c0';
/** From this zoom on the shop units themselves tell the story: the heatmap is not drawn. */
const HEATMAP_MAX_ZOOM = 17.5;
/** The server's default minimum of units for a cell's rate (DOMAIN.md). */
const MIN_UNITS = 5;

/** `date` shifted by `months`, clamped to the month's last day (as chrono's checked_sub_months). */
export function shiftMonths(date: string, months: number): string {
  const [year, month, day] = date.split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = index - targetYear * 12 + 1;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth, 0)).getUTCDate();
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(targetYear, 4)}-${pad(targetMonth)}-${pad(Math.min(day, lastDay))}`;
}

export function formatRate(rate: number | null, dictionary: Dictionary): string {
  if (rate === null || !Number.isFinite(rate)) return dictionary.vacancy.noRate;
  return new Intl.NumberFormat(dictionary.locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(rate);
}

/** `value` with its sign: "+3", "−3" (a minus sign), "0"; `text` formats the size. */
function signed(value: number, text: (size: number) => string): string {
  return value > 0 ? `+${text(value)}` : value < 0 ? `−${text(-value)}` : text(0);
}

/** A change in percentage points ("+0,4 pp"), or null when either rate is missing. */
function pointsChange(now: number | null, before: number | null, dictionary: Dictionary): string | null {
  if (now === null || before === null) return null;
  const points = Math.round((now - before) * 1000) / 10;
  const format = new Intl.NumberFormat(dictionary.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${signed(points, (size) => format.format(size))} ${dictionary.vacancy.points}`;
}

function countChange(now: number, before: number | undefined, dictionary: Dictionary): string | null {
  if (before === undefined) return null;
  return signed(now - before, (size) => formatNumber(size, dictionary, 0));
}

/** The table as CSV for a Dutch spreadsheet, as the server's register: BOM, `;`, decimal comma, CRLF. */
export function tableCsv(groups: GroupSummary[], by: Grouping, date: string): string {
  const header = ['id', by === 'shopping_area' ? 'winkelgebied' : by === 'street' ? 'straat' : 'wijk', 'datum', 'panden', 'in_gebruik', 'leeg', 'in_renovatie',
    'leegstand_aantal_pct', 'leegstand_oppervlakte_pct', 'frictie', 'langdurig', 'structureel', 'registerkandidaten'];
  const text = (value: string) => {
    const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
    return /[;"\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const percent = (rate: number | null) => (rate === null ? '' : (Math.round(rate * 10000) / 100).toString().replace('.', ','));
  const lines = groups.map((group) =>
    [text(group.id), text(group.name), date, group.units, group.occupied, group.vacant, group.renovation, percent(group.rate_count), percent(group.rate_area),
      group.frictional, group.long_term, group.structural, group.register_candidates].join(';'),
  );
  return `\u{feff}${[header.join(';'), ...lines].join('\r\n')}\r\n`;
}

export interface VacancyPanel {
  /** The tab is shown (load on first show, heatmap on) or put away (heatmap off). */
  setActive(active: boolean): void;
  /** How a unit of the unit list opens its popup (the popup is installed after the panels). */
  setOpenUnit(open: (unitId: string) => void): void;
}

export function renderVacancyPanel(container: HTMLElement, map: MapLibreMap, mapReady: Promise<void>): VacancyPanel {
  const state = {
    active: false,
    loaded: false,
    dates: [] as string[],
    date: '',
    /** Follow the newest date when the data grows (the slider at its end). */
    followLatest: true,
    by: 'shopping_area' as Grouping,
    selected: null as string | null,
    sort: { column: 'rate_count' as Column, descending: true },
    /** Groups with fewer units leave the table (one vacant unit makes a one-unit street 100 %). */
    minUnits: 1,
    city: null as GroupSummary | null,
    cityBefore: null as GroupSummary | null,
    groups: [] as GroupSummary[],
    groupsBefore: new Map<string, GroupSummary>(),
    cityTrend: [] as TrendPoint[],
    groupTrends: new Map<Grouping, Trend>(),
    heatmapOn: true,
    resolution: 9 as 9 | 10,
    colourBy: 'rate_count' as 'rate_count' | 'rate_area',
    /** The map shows the rate on the date, or its change since a year before. */
    heatMode: 'rate' as HeatMode,
  };
  let sequence = 0;
  let heatmapSequence = 0;
  let csvUrl: string | null = null;

  container.replaceChildren();
  container.classList.add('vacancy');
  container.dataset.state = 'idle';

  // ---- the static frame: header, date, cards, table, chart, heatmap ----
  const header = document.createElement('div');
  header.className = 'panel-header';
  const title = document.createElement('h2');
  title.className = 'panel-title';
  bindText(title, (dictionary) => dictionary.vacancy.title);
  const intro = document.createElement('p');
  intro.className = 'panel-intro';
  bindText(intro, (dictionary) => dictionary.vacancy.intro);
  header.append(title, intro);
  // For the retail team: "Nieuw handelspand" (panels/unit-create.ts).
  const creator = renderUnitCreate(map);
  header.append(creator.element);

  const status = document.createElement('p');
  status.className = 'vacancy-status';
  status.setAttribute('role', 'status');

  const dateBox = document.createElement('div');
  dateBox.className = 'vacancy-date';
  const dateLabel = document.createElement('label');
  dateLabel.htmlFor = 'vacancy-date';
  bindText(dateLabel, (dictionary) => dictionary.vacancy.date);
  const dateValue = document.createElement('output');
  dateValue.className = 'vacancy-date-value';
  dateValue.htmlFor.add('vacancy-date');
  const slider = document.createElement('input');
  slider.type = 'range';
  slider.id = 'vacancy-date';
  slider.min = '0';
  slider.max = '0';
  slider.step = '1';
  slider.disabled = true;
  // After an edit with a newer date the figures keep the chosen date; this says newer data exist.
  const newerNote = document.createElement('p');
  newerNote.className = 'vacancy-note vacancy-newer';
  newerNote.setAttribute('role', 'status');
  newerNote.hidden = true;
  const newerText = document.createElement('span');
  const newerButton = document.createElement('button');
  newerButton.type = 'button';
  newerButton.className = 'button button--small button--quiet';
  newerButton.addEventListener('click', () => {
    state.date = state.dates[state.dates.length - 1] ?? state.date;
    state.followLatest = true;
    newerNote.hidden = true;
    link('date', null);
    syncControls();
    void loadDate();
  });
  newerNote.append(newerText, newerButton);
  dateBox.append(dateLabel, dateValue, slider, newerNote);

  const cards = document.createElement('div');
  cards.className = 'kpi-cards';
  // The chosen group's units on the date, under the cards.
  let openUnitPopup: ((unitId: string) => void) | null = null;
  const unitList = renderUnitList((unit) => {
    // On a phone the map is above the panel: bring it into view.
    map.getContainer().scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    map.flyTo({ center: [unit.lon, unit.lat], zoom: Math.max(map.getZoom(), 18), duration: 600 });
    map.once('moveend', () => openUnitPopup?.(unit.id));
  });

  const tableSection = document.createElement('section');
  tableSection.className = 'vacancy-section';
  const tableTitle = document.createElement('h3');
  tableTitle.className = 'vacancy-section-title';
  bindText(tableTitle, (dictionary) => dictionary.vacancy.table);
  const byBox = document.createElement('div');
  byBox.className = 'vacancy-segmented';
  byBox.setAttribute('role', 'group');
  bindText(byBox, (dictionary) => dictionary.vacancy.by, 'aria-label');
  const byButtons = GROUPINGS.map((by) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.by = by;
    bindText(button, (dictionary) => dictionary.vacancy.byOptions[by]);
    button.addEventListener('click', () => {
      if (state.by === by) return;
      state.by = by;
      state.selected = null;
      state.sort = { column: 'rate_count', descending: true };
      state.minUnits = defaultMinUnits(by);
      minUnitsSelect.value = String(state.minUnits);
      void loadDate();
    });
    byBox.append(button);
    return button;
  });
  const { label: minUnitsLabel, select: minUnitsSelect } = inlineSelect((dictionary) => dictionary.vacancy.minUnits);
  minUnitsLabel.classList.add('vacancy-min-units');
  minUnitsSelect.name = 'min-units';
  for (const value of TABLE_MIN_UNITS) minUnitsSelect.append(new Option(String(value), String(value)));
  minUnitsSelect.value = String(state.minUnits);
  minUnitsSelect.addEventListener('change', () => {
    state.minUnits = Number(minUnitsSelect.value);
    renderTable();
  });
  const hiddenNote = document.createElement('p');
  hiddenNote.className = 'vacancy-note vacancy-hidden-groups';
  const tableBox = document.createElement('div');
  tableBox.className = 'vacancy-table-box';
  const downloads = document.createElement('div');
  downloads.className = 'vacancy-downloads';
  const tableLink = document.createElement('a');
  tableLink.className = 'download-link';
  tableLink.dataset.export = 'table';
  bindText(tableLink, (dictionary) => dictionary.vacancy.exportTable);
  const registerLink = document.createElement('a');
  registerLink.className = 'download-link';
  registerLink.dataset.export = 'register';
  bindText(registerLink, (dictionary) => dictionary.vacancy.exportRegister);
  downloads.append(tableLink, registerLink);
  tableSection.append(tableTitle, byBox, minUnitsLabel, hiddenNote, tableBox, downloads);

  const trendSection = document.createElement('section');
  trendSection.className = 'vacancy-section';
  const trendTitle = document.createElement('h3');
  trendTitle.className = 'vacancy-section-title';
  bindText(trendTitle, (dictionary) => dictionary.vacancy.trend);
  const chartBox = document.createElement('div');
  chartBox.className = 'chart-box';
  const chartLegend = document.createElement('ul');
  chartLegend.className = 'chart-legend';
  trendSection.append(trendTitle, chartBox, chartLegend);

  const heatSection = document.createElement('section');
  heatSection.className = 'vacancy-section vacancy-heatmap';
  heatSection.dataset.state = 'idle';
  const heatTitle = document.createElement('h3');
  heatTitle.className = 'vacancy-section-title';
  bindText(heatTitle, (dictionary) => dictionary.vacancy.heatmap);
  const showLabel = document.createElement('label');
  showLabel.className = 'vacancy-check';
  const show = document.createElement('input');
  show.type = 'checkbox';
  show.checked = state.heatmapOn;
  const showText = document.createElement('span');
  bindText(showText, (dictionary) => dictionary.vacancy.heatmapShow);
  showLabel.append(show, showText);
  show.addEventListener('change', () => {
    state.heatmapOn = show.checked;
    applyHeatmapVisibility();
    if (state.heatmapOn) void loadHeatmap();
  });
  const resolutionBox = document.createElement('div');
  resolutionBox.className = 'vacancy-segmented';
  resolutionBox.setAttribute('role', 'group');
  bindText(resolutionBox, (dictionary) => dictionary.vacancy.resolution, 'aria-label');
  const resolutionButtons = ([9, 10] as const).map((resolution) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.resolution = String(resolution);
    bindText(button, (dictionary) => dictionary.vacancy.resolutions[resolution]);
    button.addEventListener('click', () => {
      state.resolution = resolution;
      syncControls();
      void loadHeatmap();
    });
    resolutionBox.append(button);
    return button;
  });
  const { label: colourLabel, select: colourSelect } = inlineSelect((dictionary) => dictionary.vacancy.colourBy);
  colourSelect.addEventListener('change', () => {
    state.colourBy = colourSelect.value === 'rate_area' ? 'rate_area' : 'rate_count';
    applyHeatmapColour();
    renderLegend();
    // The surface weighs units by count or floor area on the server.
    if (state.heatMode === 'surface') void loadHeatmap();
  });
  const { label: modeLabel, select: modeSelect } = inlineSelect((dictionary) => dictionary.vacancy.heatMode);
  modeSelect.name = 'heat-mode';
  modeSelect.addEventListener('change', () => {
    state.heatMode = HEAT_MODES.find((mode) => mode === modeSelect.value) ?? 'rate';
    syncControls();
    renderLegend();
    void loadHeatmap();
  });
  const legend = document.createElement('ul');
  legend.className = 'heat-legend';
  const mapLegend = document.createElement('section');
  mapLegend.className = 'map-legend';
  mapLegend.hidden = true;
  bindText(mapLegend, (dictionary) => dictionary.vacancy.mapLegendLabel, 'aria-label');
  map.getContainer().parentElement?.append(mapLegend);
  map.on('zoomend', () => applyHeatmapVisibility());
  const heatMessage = document.createElement('p');
  heatMessage.className = 'vacancy-note';
  const cellReadout = document.createElement('p');
  cellReadout.className = 'vacancy-note cell-readout';
  cellReadout.setAttribute('aria-live', 'polite');
  heatSection.append(heatTitle, showLabel, resolutionBox, modeLabel, colourLabel, legend, heatMessage, cellReadout);

  container.append(header, status, dateBox, cards, unitList.element, heatSection, tableSection, trendSection);

  // ---- controls ----
  function syncControls(): void {
    for (const button of byButtons) button.setAttribute('aria-pressed', String(button.dataset.by === state.by));
    for (const button of resolutionButtons) {
      button.setAttribute('aria-pressed', String(button.dataset.resolution === String(state.resolution)));
      // The surface is on square cells, not hexagons.
      button.disabled = state.heatMode === 'surface';
    }
    const dictionary = t();
    colourSelect.replaceChildren(
      ...(['rate_count', 'rate_area'] as const).map((key) => {
        const option = new Option(dictionary.vacancy.colourOptions[key], key);
        option.selected = key === state.colourBy;
        return option;
      }),
    );
    modeSelect.replaceChildren(
      ...HEAT_MODES.map((key) => {
        const text =
          key === 'change' ? dictionary.vacancy.heatModes.change(state.date ? formatDate(shiftMonths(state.date, -12)) : '')
          : key === 'surface' ? dictionary.vacancy.heatModes.surface
          : dictionary.vacancy.heatModes.rate;
        const option = new Option(text, key);
        option.selected = key === state.heatMode;
        return option;
      }),
    );
    const index = state.dates.indexOf(state.date);
    slider.max = String(Math.max(0, state.dates.length - 1));
    slider.disabled = state.dates.length === 0;
    if (index >= 0) slider.value = String(index);
    dateValue.textContent = state.date ? formatDate(state.date) : '';
    slider.setAttribute('aria-valuetext', state.date ? formatDate(state.date) : '');
    registerLink.href = state.date ? `/api/vacancy/register?date=${state.date}&format=csv` : '#';
    registerLink.setAttribute('download', `leegstandsregister-${state.date}.csv`);
  }

  let sliderTimer: number | undefined;
  slider.addEventListener('input', () => {
    const date = state.dates[Number(slider.value)];
    if (!date) return;
    state.date = date;
    state.followLatest = Number(slider.value) === state.dates.length - 1;
    if (state.followLatest) newerNote.hidden = true;
    link('date', state.followLatest ? null : date);
    syncControls();
    window.clearTimeout(sliderTimer);
    sliderTimer = window.setTimeout(() => void loadDate(), 200);
  });

  // ---- loading ----
  function setStatus(kind: 'loading' | 'ready' | 'error'): void {
    container.dataset.state = kind;
    status.hidden = kind === 'ready';
    status.dataset.kind = kind;
    status.textContent = kind === 'loading' ? t().vacancy.loading : kind === 'error' ? t().vacancy.error : '';
    // A failed load leaves no half-filled controls: they wait, and the status offers a retry.
    container.classList.toggle('is-failed', kind === 'error');
    if (kind === 'error') {
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'button button--small';
      retry.textContent = t().vacancy.retry;
      retry.addEventListener('click', () => void (state.loaded ? loadDate() : load()));
      status.append(' ', retry);
    }
  }

  /**
   * The slider's dates and the city's trend; then everything on the chosen
   * date. After an edit (`keepDate`) the chosen date stays, even when the
   * edit brought newer data; the panel then says so and offers the newest.
   */
  async function load({ keepDate = false } = {}): Promise<void> {
    const mine = ++sequence;
    setStatus('loading');
    try {
      const trend = await getJson<Trend>('/api/vacancy/trend?by=city');
      if (mine !== sequence) return;
      const chosen = state.date;
      state.dates = trend.dates;
      state.cityTrend = trend.groups[0]?.points ?? [];
      state.groupTrends.clear();
      const newest = state.dates[state.dates.length - 1] ?? trend.to;
      // The trend's steps count back from its newest day: the chosen day joins them when it kept its place.
      // A link may name the date (`?date=2025-10-01`): the first load takes it when the trend has it.
      const named = !state.loaded ? linked('date') : null;
      if (named && state.dates.includes(named)) {
        state.date = named;
        state.followLatest = false;
      }
      const keep = keepDate && Boolean(chosen);
      if (keep && !state.dates.includes(chosen)) state.dates = [...state.dates, chosen].sort();
      if (!keep && (state.followLatest || !state.dates.includes(state.date))) state.date = newest;
      state.followLatest = state.date === newest;
      newerNote.hidden = state.followLatest || !keep;
      const dictionary = t();
      newerText.textContent = `${dictionary.vacancy.newer(formatDate(newest))} `;
      newerButton.textContent = dictionary.vacancy.toNewest(formatDate(newest));
      state.loaded = true;
      syncControls();
      await loadDate(mine);
    } catch (error) {
      if (mine !== sequence) return;
      console.warn('genk atlas: vacancy figures', error);
      setStatus('error');
    }
  }

  /** The cards, table and chart on `state.date`, and the heatmap. */
  async function loadDate(mine = ++sequence): Promise<void> {
    const date = state.date;
    const by = state.by;
    const before = shiftMonths(date, -12);
    setStatus('loading');
    syncControls();
    try {
      const [city, cityBefore, groups, groupsBefore] = await Promise.all([
        getJson<Summary>(`/api/vacancy/summary?date=${date}&by=city`),
        getJson<Summary>(`/api/vacancy/summary?date=${before}&by=city`),
        getJson<Summary>(`/api/vacancy/summary?date=${date}&by=${by}`),
        getJson<Summary>(`/api/vacancy/summary?date=${before}&by=${by}`),
      ]);
      if (mine !== sequence) return;
      state.city = city.groups[0] ?? null;
      state.cityBefore = cityBefore.groups[0] ?? null;
      state.groups = groups.groups;
      state.groupsBefore = new Map(groupsBefore.groups.map((group) => [group.id, group]));
      if (!state.selected || !state.groups.some((group) => group.id === state.selected)) {
        // The largest group (by number of units) until one is chosen.
        state.selected = [...state.groups].sort((a, b) => b.units - a.units)[0]?.id ?? null;
      }
      renderAll();
      setStatus('ready');
      void loadGroupTrend(mine);
      void loadHeatmap();
    } catch (error) {
      if (mine !== sequence) return;
      console.warn('genk atlas: vacancy summary', error);
      setStatus('error');
    }
  }

  /** The chosen grouping's trend, for the chosen area's line (fetched once per grouping). */
  async function loadGroupTrend(mine: number): Promise<void> {
    const by = state.by;
    if (state.groupTrends.has(by)) return;
    try {
      const trend = await getJson<Trend>(`/api/vacancy/trend?by=${by}`);
      if (mine !== sequence) return;
      state.groupTrends.set(by, trend);
      renderChart();
    } catch (error) {
      console.warn('genk atlas: vacancy trend', error);
    }
  }

  // ---- cards ----
  function kpi(name: string, label: string, value: string, change: string | null, changeTitle: string): HTMLElement {
    const item = document.createElement('div');
    item.className = 'kpi';
    item.dataset.kpi = name;
    const term = document.createElement('dt');
    term.textContent = label;
    const detail = document.createElement('dd');
    const number = document.createElement('span');
    number.className = 'kpi-value';
    number.textContent = value;
    detail.append(number);
    if (change !== null) {
      const delta = document.createElement('span');
      delta.className = 'kpi-change';
      delta.textContent = change;
      delta.title = changeTitle;
      detail.append(delta);
    }
    item.append(term, detail);
    return item;
  }

  function card(kind: 'city' | 'area', group: GroupSummary | null, before: GroupSummary | null | undefined, heading: HTMLElement): HTMLElement {
    const dictionary = t();
    const section = document.createElement('section');
    section.className = 'kpi-card';
    section.dataset.card = kind;
    section.append(heading);
    if (!group) return section;
    section.dataset.groupId = group.id;
    const since = dictionary.vacancy.sinceYearAgo(formatDate(shiftMonths(state.date, -12)));
    const n = (value: number) => formatNumber(value, dictionary, 0);
    const rates = document.createElement('dl');
    rates.className = 'kpi-list kpi-list--rates';
    rates.append(
      kpi('rate_count', dictionary.vacancy.rateCount, formatRate(group.rate_count, dictionary), pointsChange(group.rate_count, before?.rate_count ?? null, dictionary), since),
      kpi('rate_area', dictionary.vacancy.rateArea, formatRate(group.rate_area, dictionary), pointsChange(group.rate_area, before?.rate_area ?? null, dictionary), since),
    );
    const list = document.createElement('dl');
    list.className = 'kpi-list kpi-list--counts';
    list.append(
      kpi('units', dictionary.vacancy.units, n(group.units), countChange(group.units, before?.units, dictionary), since),
      kpi('occupied', dictionary.vacancy.occupied, n(group.occupied), countChange(group.occupied, before?.occupied, dictionary), since),
      kpi('vacant', dictionary.vacancy.vacant, n(group.vacant), countChange(group.vacant, before?.vacant, dictionary), since),
      kpi('renovation', dictionary.vacancy.renovation, n(group.renovation), countChange(group.renovation, before?.renovation, dictionary), since),
      kpi('register_candidates', dictionary.vacancy.registerCandidates, n(group.register_candidates), countChange(group.register_candidates, before?.register_candidates, dictionary), since),
    );
    section.append(rates, list);
    if (kind === 'city') {
      // What the small numbers compare against, said on the card (not only in a tooltip).
      const compared = document.createElement('p');
      compared.className = 'kpi-compared';
      compared.textContent = dictionary.vacancy.comparedWith(formatDate(shiftMonths(state.date, -12)));
      section.append(compared);
    }

    // Vacant units by duration class, as a bar in three parts and its numbers.
    const durations = document.createElement('div');
    durations.className = 'durations';
    const durationsTitle = document.createElement('p');
    durationsTitle.className = 'durations-title';
    durationsTitle.textContent = dictionary.vacancy.durations;
    const bar = document.createElement('div');
    bar.className = 'duration-bar';
    bar.setAttribute('aria-hidden', 'true');
    const classes: [keyof GroupSummary & ('frictional' | 'long_term' | 'structural'), string][] = [
      ['frictional', dictionary.vacancy.frictional],
      ['long_term', dictionary.vacancy.longTerm],
      ['structural', dictionary.vacancy.structural],
    ];
    const total = group.frictional + group.long_term + group.structural;
    const durationList = document.createElement('dl');
    durationList.className = 'kpi-list kpi-list--durations';
    for (const [key, label] of classes) {
      const part = document.createElement('span');
      part.className = `duration duration--${key}`;
      part.style.flexGrow = String(total > 0 ? group[key] : 0);
      bar.append(part);
      const item = kpi(key, label, n(group[key]), countChange(group[key], before?.[key], dictionary), since);
      item.querySelector('dt')?.prepend(Object.assign(document.createElement('span'), { className: `duration-swatch duration--${key}` }));
      durationList.append(item);
    }
    durations.append(durationsTitle, bar, durationList);
    section.append(durations);
    return section;
  }

  function renderCards(): void {
    const dictionary = t();
    const cityHeading = document.createElement('h3');
    cityHeading.className = 'kpi-card-title';
    cityHeading.textContent = dictionary.vacancy.city;
    const areaHeading = document.createElement('div');
    areaHeading.className = 'kpi-card-title kpi-card-title--select';
    const areaLabel = document.createElement('label');
    areaLabel.htmlFor = 'vacancy-area';
    areaLabel.className = 'visually-hidden';
    areaLabel.textContent = dictionary.vacancy.chooseArea;
    const areaSelect = document.createElement('select');
    areaSelect.id = 'vacancy-area';
    for (const group of [...state.groups].sort((a, b) => a.name.localeCompare(b.name, dictionary.locale))) {
      areaSelect.append(new Option(group.name, group.id, false, group.id === state.selected));
    }
    areaSelect.addEventListener('change', () => selectGroup(areaSelect.value, true));
    const kind = document.createElement('span');
    kind.className = 'kpi-card-kind';
    kind.textContent = dictionary.vacancy.byOptions[state.by];
    areaHeading.append(kind, areaLabel, areaSelect);
    const selected = state.groups.find((group) => group.id === state.selected) ?? null;
    cards.replaceChildren(
      card('city', state.city, state.cityBefore, cityHeading),
      card('area', selected, selected ? state.groupsBefore.get(selected.id) : null, areaHeading),
    );
    unitList.show(selected && state.date ? { by: state.by, group: selected.id, date: state.date } : null);
  }

  function selectGroup(id: string, zoom: boolean): void {
    state.selected = id;
    renderCards();
    renderTable();
    renderChart();
    if (zoom) void zoomToGroup(id);
  }

  async function zoomToGroup(id: string): Promise<void> {
    const layer = GROUP_LAYERS[state.by];
    if (!layer) {
      clearHighlight(map);
      return;
    }
    try {
      const feature = await fetchFeature(layer, id);
      const bbox = geometryBbox(feature.geometry);
      if (!feature.geometry || !bbox) return;
      highlight(map, [feature.geometry]);
      map.fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], { padding: 48, maxZoom: 16, duration: 600 });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) console.warn('genk atlas: zoom to area', error);
    }
  }

  // ---- table ----
  function sorted(): GroupSummary[] {
    const { column, descending } = state.sort;
    const dictionary = t();
    return state.groups.filter((group) => state.minUnits <= 1 || group.units >= state.minUnits).sort((a, b) => {
      if (column === 'name') return (descending ? -1 : 1) * a.name.localeCompare(b.name, dictionary.locale);
      const x = a[column];
      const y = b[column];
      // Groups without a rate sort last either way.
      if (x === null && y === null) return a.name.localeCompare(b.name, dictionary.locale);
      if (x === null) return 1;
      if (y === null) return -1;
      return (descending ? y - x : x - y) || a.name.localeCompare(b.name, dictionary.locale);
    });
  }

  function renderTable(focusColumn?: Column): void {
    const dictionary = t();
    const hidden = state.minUnits <= 1 ? 0 : state.groups.filter((group) => group.units < state.minUnits).length;
    hiddenNote.hidden = hidden === 0;
    hiddenNote.textContent = hidden === 0 ? '' : dictionary.vacancy.hiddenGroups(hidden, state.minUnits);
    const table = document.createElement('table');
    table.className = 'vacancy-table';
    table.dataset.by = state.by;
    const caption = document.createElement('caption');
    caption.className = 'visually-hidden';
    caption.textContent = `${dictionary.vacancy.table} (${dictionary.vacancy.byOptions[state.by]}, ${formatDate(state.date)})`;
    table.append(caption);
    const head = document.createElement('thead');
    const headRow = document.createElement('tr');
    for (const column of COLUMNS) {
      const cell = document.createElement('th');
      cell.scope = 'col';
      cell.dataset.col = column;
      if (column !== 'name') cell.className = 'num';
      const active = state.sort.column === column;
      cell.setAttribute('aria-sort', active ? (state.sort.descending ? 'descending' : 'ascending') : 'none');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      button.textContent = dictionary.vacancy.columns[column];
      button.title = dictionary.vacancy.sortBy(dictionary.vacancy.columns[column]);
      button.addEventListener('click', () => {
        state.sort = active ? { column, descending: !state.sort.descending } : { column, descending: column !== 'name' };
        renderTable(column);
      });
      cell.append(button);
      headRow.append(cell);
    }
    head.append(headRow);
    const body = document.createElement('tbody');
    for (const group of sorted()) {
      const row = document.createElement('tr');
      row.dataset.id = group.id;
      if (group.id === state.selected) row.setAttribute('aria-selected', 'true');
      for (const column of COLUMNS) {
        const cell = document.createElement(column === 'name' ? 'th' : 'td');
        cell.dataset.col = column;
        if (column === 'name') {
          (cell as HTMLTableCellElement).scope = 'row';
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'row-select';
          button.textContent = group.name;
          button.addEventListener('click', () => selectGroup(group.id, true));
          cell.append(button);
        } else {
          cell.className = 'num';
          const value = group[column];
          cell.textContent = column === 'rate_count' || column === 'rate_area' ? formatRate(value as number | null, dictionary) : formatNumber(value as number, dictionary, 0);
        }
        row.append(cell);
      }
      body.append(row);
    }
    table.append(head, body);
    tableBox.replaceChildren(table);
    if (focusColumn) table.querySelector<HTMLButtonElement>(`th[data-col="${focusColumn}"] button`)?.focus();

    if (csvUrl) URL.revokeObjectURL(csvUrl);
    csvUrl = URL.createObjectURL(new Blob([tableCsv(sorted(), state.by, state.date)], { type: 'text/csv;charset=utf-8' }));
    tableLink.href = csvUrl;
    tableLink.setAttribute('download', `leegstand-per-${state.by}-${state.date}.csv`);
  }

  // ---- chart ----
  function renderChart(): void {
    const dictionary = t();
    // The trend's own steps (a date kept after an edit is on the slider, not a step of the trend).
    const stepped = new Set(state.cityTrend.map((point) => point.date));
    const dates = state.dates.filter((date) => stepped.has(date));
    const valuesOf = (points: TrendPoint[], key: 'rate_count' | 'rate_area') => {
      const byDate = new Map(points.map((point) => [point.date, point[key]]));
      return dates.map((date) => byDate.get(date) ?? null);
    };
    const series = [
      { label: dictionary.vacancy.trendCity, colour: '#1c64a8', values: valuesOf(state.cityTrend, 'rate_count') },
      { label: dictionary.vacancy.trendCityArea, colour: '#1c64a8', values: valuesOf(state.cityTrend, 'rate_area'), dashed: true },
    ];
    const groupTrend = state.groupTrends.get(state.by)?.groups.find((group) => group.id === state.selected);
    if (groupTrend) series.push({ label: dictionary.vacancy.trendArea(groupTrend.name), colour: '#dd5a26', values: valuesOf(groupTrend.points, 'rate_count') });
    chartBox.replaceChildren(
      lineChart({
        dates,
        series,
        title: dictionary.vacancy.trend,
        marker: state.date,
        formatY: (value) => new Intl.NumberFormat(dictionary.locale, { style: 'percent', maximumFractionDigits: 1 }).format(value),
        formatDate,
      }),
    );
    chartLegend.replaceChildren(
      ...series.map((entry) => {
        const item = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = `chart-swatch${entry.dashed ? ' chart-swatch--dashed' : ''}`;
        swatch.style.setProperty('--swatch', entry.colour);
        item.append(swatch, document.createTextNode(entry.label));
        return item;
      }),
    );
  }

  // ---- heatmap ----
  function beforeLayerId(): string | undefined {
    // Under the points (shop units, companies…) and the selection, over the areas.
    return map.getStyle().layers.find((layer) => layer.type === 'circle' || layer.type === 'symbol')?.id;
  }

  /** The property that colours a cell: a rate (fraction) or its change in points. */
  function heatKey(): string {
    if (state.heatMode === 'surface') return 'ratio';
    if (state.heatMode === 'rate') return state.colourBy;
    return state.colourBy === 'rate_area' ? 'change_area_pp' : 'change_count_pp';
  }

  function colourExpression(): ExpressionSpecification {
    const key = heatKey();
    const scale = state.heatMode === 'change' ? CHANGE_RAMP : RAMP;
    const ramp: (number | string)[] = [scale[0][1]];
    for (const [threshold, colour] of scale.slice(1)) ramp.push(threshold, colour);
    return [
      'case',
      ['any', ['==', ['coalesce', ['get', 'too_small'], false], true], ['==', ['typeof', ['get', key]], 'null']],
      TOO_SMALL_COLOUR,
      ['step', ['to-number', ['get', key]], ...ramp],
    ] as unknown as ExpressionSpecification;
  }

  /** What a cell says under the pointer. */
  function cellText(properties: Record<string, unknown>): string {
    const dictionary = t();
    const key = heatKey();
    const value = properties[key];
    const known = value !== null && value !== undefined && properties.too_small !== true;
    if (state.heatMode === 'surface') {
      return dictionary.vacancy.surfaceCell(formatRate(Number(value), dictionary), formatNumber(Number(properties.units ?? 0), dictionary, 0));
    }
    if (state.heatMode === 'change') {
      const units = Number(properties.units_to ?? 0);
      const vacant = Number(properties.vacant_to ?? 0);
      const change = known ? `${signed(Number(value), (size) => formatNumber(size, dictionary, 1))} ${dictionary.vacancy.points}` : dictionary.vacancy.tooSmall(MIN_UNITS);
      return dictionary.vacancy.cell(formatNumber(units, dictionary, 0), formatNumber(vacant, dictionary, 0), change);
    }
    const rate = known ? formatRate(Number(value), dictionary) : dictionary.vacancy.tooSmall(MIN_UNITS);
    return dictionary.vacancy.cell(formatNumber(Number(properties.units ?? 0), dictionary, 0), formatNumber(Number(properties.vacant ?? 0), dictionary, 0), rate);
  }

  function ensureHeatmapLayers(): GeoJSONSource {
    if (!map.getSource(H3_SOURCE)) {
      map.addSource(H3_SOURCE, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      const before = beforeLayerId();
      // The heatmap is an overview: it fades as one zooms in to the street and is gone at unit level.
      const small = ['==', ['coalesce', ['get', 'too_small'], false], true];
      const opacity = ['interpolate', ['linear'], ['zoom'], 12, ['case', small, 0.2, 0.7], 15, ['case', small, 0.12, 0.42], HEATMAP_MAX_ZOOM, ['case', small, 0.04, 0.15]];
      map.addLayer({ id: H3_FILL, type: 'fill', source: H3_SOURCE, maxzoom: HEATMAP_MAX_ZOOM, paint: { 'fill-color': colourExpression(), 'fill-opacity': opacity as unknown as number } }, before);
      map.addLayer({ id: H3_LINE, type: 'line', source: H3_SOURCE, maxzoom: HEATMAP_MAX_ZOOM, paint: { 'line-color': '#ffffff', 'line-width': 0.8, 'line-opacity': 0.8 } }, before);
      map.on('mousemove', H3_FILL, (event: MapLayerMouseEvent) => {
        const properties = event.features?.[0]?.properties as Record<string, unknown> | undefined;
        if (!properties) return;
        cellReadout.textContent = cellText(properties);
      });
      map.on('mouseleave', H3_FILL, () => {
        cellReadout.textContent = '';
      });
      applyHeatmapVisibility();
    }
    return map.getSource(H3_SOURCE) as GeoJSONSource;
  }

  function applyHeatmapVisibility(): void {
    const visible = state.active && state.heatmapOn ? 'visible' : 'none';
    const zoomedOut = map.getZoom() < HEATMAP_MAX_ZOOM;
    mapLegend.hidden = visible === 'none' || !zoomedOut || heatSection.dataset.state !== 'ready';
    for (const id of [H3_FILL, H3_LINE]) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', visible);
  }

  function applyHeatmapColour(): void {
    if (map.getLayer(H3_FILL)) map.setPaintProperty(H3_FILL, 'fill-color', colourExpression());
    // Hexagons get a white edge; the surface's small squares read as one smooth field without.
    if (map.getLayer(H3_LINE)) map.setPaintProperty(H3_LINE, 'line-opacity', state.heatMode === 'surface' ? 0 : 0.8);
  }

  function renderLegend(): void {
    const dictionary = t();
    const points = (value: number) => `${signed(value, (size) => formatNumber(size, dictionary, 0))} ${dictionary.vacancy.points}`;
    const items =
      state.heatMode !== 'change'
        ? RAMP.map(([threshold, colour], index) => {
            const next = RAMP[index + 1]?.[0];
            const text = next === undefined ? `≥ ${formatRate(threshold, dictionary)}` : `${formatRate(threshold, dictionary)} – ${formatRate(next, dictionary)}`;
            return [colour, text] as const;
          })
        : CHANGE_RAMP.map(([threshold, colour], index) => {
            const next = CHANGE_RAMP[index + 1]?.[0];
            const text = threshold === -Infinity ? `< ${points(next)}` : next === undefined ? `≥ ${points(threshold)}` : `${points(threshold)} – ${points(next)}`;
            return [colour, text] as const;
          });
    const entries = [...items, [state.heatMode === 'surface' ? 'transparent' : TOO_SMALL_COLOUR, state.heatMode === 'surface' ? dictionary.vacancy.surfaceMasked(MIN_UNITS) : dictionary.vacancy.tooSmall(MIN_UNITS)] as const];
    const swatches = () =>
      entries.map(([colour, text]) => {
        const item = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = 'heat-swatch';
        swatch.style.background = colour;
        item.append(swatch, document.createTextNode(text));
        return item;
      });
    // The same legend over the map, where the colours are.
    const mapList = document.createElement('ul');
    mapList.className = 'heat-legend';
    mapList.append(...swatches());
    const mapTitle = document.createElement('p');
    mapTitle.className = 'map-legend-title';
    mapTitle.textContent = dictionary.vacancy.mapLegend(modeSelect.selectedOptions[0]?.textContent ?? '');
    mapLegend.replaceChildren(mapTitle, mapList);
    legend.replaceChildren(
      ...[...items, [state.heatMode === 'surface' ? 'transparent' : TOO_SMALL_COLOUR, state.heatMode === 'surface' ? dictionary.vacancy.surfaceMasked(MIN_UNITS) : dictionary.vacancy.tooSmall(MIN_UNITS)] as const].map(([colour, text]) => {
        const item = document.createElement('li');
        const swatch = document.createElement('span');
        swatch.className = 'heat-swatch';
        swatch.style.background = colour;
        item.append(swatch, document.createTextNode(text));
        return item;
      }),
    );
  }

  async function loadHeatmap(): Promise<void> {
    if (!state.active || !state.heatmapOn || !state.date) return;
    const mine = ++heatmapSequence;
    heatSection.dataset.state = 'loading';
    try {
      await mapReady;
      const url =
        state.heatMode === 'rate' ? `/api/vacancy/h3?date=${state.date}&res=${state.resolution}`
        : state.heatMode === 'change' ? `/api/vacancy/h3/change?from=${shiftMonths(state.date, -12)}&to=${state.date}&res=${state.resolution}`
        : `/api/vacancy/surface?date=${state.date}&weight=${state.colourBy === 'rate_area' ? 'area' : 'count'}`;
      const data = await getJson<GeoJSON.FeatureCollection>(url);
      if (mine !== heatmapSequence) return;
      ensureHeatmapLayers().setData(data);
      applyHeatmapColour();
      heatSection.dataset.mode = state.heatMode;
      heatMessage.textContent = '';
      heatSection.dataset.state = 'ready';
      heatSection.dataset.date = state.date;
      heatSection.dataset.resolution = String(state.resolution);
      applyHeatmapVisibility();
    } catch (error) {
      if (mine !== heatmapSequence) return;
      const missing = error instanceof ApiError && error.status === 404;
      if (!missing) console.warn('genk atlas: vacancy heatmap', error);
      if (map.getSource(H3_SOURCE)) (map.getSource(H3_SOURCE) as GeoJSONSource).setData({ type: 'FeatureCollection', features: [] });
      heatMessage.textContent = missing ? t().vacancy.heatmapUnavailable : t().vacancy.heatmapError;
      heatSection.dataset.state = missing ? 'unavailable' : 'error';
      applyHeatmapVisibility();
    }
  }

  // ---- all together ----
  function renderAll(): void {
    syncControls();
    renderCards();
    renderTable();
    renderChart();
    renderLegend();
  }

  onLang(() => {
    syncControls();
    renderLegend();
    unitList.render();
    if (state.loaded && state.city) {
      renderCards();
      renderTable();
      renderChart();
    }
    if (container.dataset.state !== 'ready' && container.dataset.state !== 'idle') setStatus(container.dataset.state as 'loading' | 'error');
  });

  onUnitSaved(() => {
    unitList.reload();
    if (state.loaded) void load({ keepDate: true });
  });

  return {
    setOpenUnit(open: (unitId: string) => void): void {
      openUnitPopup = open;
    },
    setActive(active: boolean): void {
      state.active = active;
      creator.setActive(active);
      applyHeatmapVisibility();
      if (!active) return;
      if (!state.loaded) void load();
      else void loadHeatmap();
    },
  };
}
