// The Uitbreiding (expansion) task: ranked sites on Genk's business parks
// for a company's request.
//
// The form (expansion-form.ts) builds a `POST /api/sites/search` request; the
// answer is listed in rank order with each criterion's score and reason
// (expansion-results.ts), drawn on the map with numbered markers (an
// assembled group of parcels outlined as one, expansion-map.ts), and each
// site has a printable sheet (expansion-sheet.ts). A click on a card or a
// marker fits the map to that site. A request that needs a quay switches the
// canal and the quays on. A 400 marks the field the server names;
// a server without the route (404) gets a quiet message.
//
// The server writes the reasons in the language the interface shows (`lang`),
// so a switch of language asks again for the pages on screen: the same
// sites in the same order, the selection and the map view kept.

import './expansion-panel.css';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { ApiError, fetchAllFeatures, geometryBbox, unionBbox, type Bbox, type Feature } from '../api';
import { formatArea } from '../format';
import { bindText, lang, onLang, t, type Lang } from '../i18n';
import { link, linked } from '../link';
import { keptRequest, searchSites, type RuledOut, type Site, type SiteRequest } from './expansion-api';
import { fieldTitle, renderExpansionForm } from './expansion-form';
import { ExpansionMap } from './expansion-map';
import { siteCard } from './expansion-results';
import { renderSavedSearches } from './expansion-saved';
import { openSiteSheet } from './expansion-sheet';
import { showAtlasLayers } from './layers';
import { el } from '../dom';

/** The atlas layers a site on the quay is judged by: the canal and the quays. */
const QUAY_LAYERS = ['waterways', 'access_points'];

type Status = { kind: 'idle' | 'loading' | 'unavailable' } | { kind: 'error'; message: string };

export function renderExpansionPanel(container: HTMLElement, map: MapLibreMap, mapReady: Promise<unknown>): void {
  container.replaceChildren();
  container.classList.add('expansion-panel');

  let request: SiteRequest | null = null;
  let sites: Site[] = [];
  let total: number | null = null;
  let hasMore = false;
  let selected: string | null = null;
  let status: Status = { kind: 'idle' };
  let abort: AbortController | null = null;
  const parks = new Map<string, Feature>();
  let accessPoints: Feature[] = [];
  let reference: Promise<void> | null = null;
  let mapInstalled = false;
  /** The language the listed reasons are in. */
  let reasonsLang: Lang = lang();

  const sitesMap = new ExpansionMap(map, (id) => {
    const site = sites.find((candidate) => candidate.id === id);
    if (site) select(site);
  });

  const header = el('div', 'panel-header');
  const title = el('h2', 'panel-title');
  bindText(title, (d) => d.expansion.title);
  const intro = el('p', 'panel-intro');
  bindText(intro, (d) => d.expansion.intro);
  header.append(title, intro);

  const form = renderExpansionForm(map, () => search(false), (point) => sitesMap.setNear(point));

  const statusBox = el('div', 'expansion-status');
  statusBox.setAttribute('role', 'status');
  statusBox.setAttribute('aria-live', 'polite');

  const results = el('section', 'expansion-results');
  results.hidden = true;
  const resultsHeading = el('h3', 'section-title');
  resultsHeading.id = 'expansion-results-heading';
  bindText(resultsHeading, (d) => d.expansion.resultsHeading);
  const resultsCount = el('p', 'field-hint');
  const list = el('ol', 'site-list');
  list.setAttribute('aria-labelledby', resultsHeading.id);
  const more = el('button', 'button button--quiet');
  more.type = 'button';
  bindText(more, (d) => d.expansion.more);
  more.addEventListener('click', () => search(true));
  const explain = el('details', 'expansion-explain');
  const explainSummary = el('summary');
  const explainList = el('ul', 'explain-list');
  explain.append(explainSummary, explainList);
  results.append(resultsHeading, resultsCount, list, more, explain);
  let ruledOut: RuledOut[] = [];

  const saved = renderSavedSearches(form, () => search(false));
  container.append(header, form.element, saved, statusBox, results);

  function parkOf(site: Site): Feature | undefined {
    if (site.park === null) return undefined;
    return parks.get(site.park) ?? [...parks.values()].find((park) => park.properties.name === site.park || park.properties.name === site.parkName);
  }

  function parkName(site: Site): string {
    const park = parkOf(site);
    if (park && typeof park.properties.name === 'string') return park.properties.name;
    return site.parkName ?? site.park ?? t().expansion.unknownPark;
  }

  function loadReference(): Promise<void> {
    reference ??= Promise.all([fetchAllFeatures('business_parks'), fetchAllFeatures('access_points')])
      .then(([parkFeatures, points]) => {
        for (const park of parkFeatures) parks.set(String(park.id), park);
        accessPoints = points;
      })
      .catch((error: unknown) => console.warn('genk atlas: parks and access points', error));
    return reference;
  }

  function renderStatus(): void {
    const dictionary = t();
    statusBox.replaceChildren();
    // For the browser tests (and styling): what the panel shows now.
    container.dataset.state = status.kind === 'idle' ? (request ? 'ready' : 'idle') : status.kind;
    if (status.kind === 'idle') return;
    const message = el('p');
    const now = status;
    message.textContent =
      now.kind === 'error' ? dictionary.expansion.failed(now.message)
      : now.kind === 'unavailable' ? dictionary.expansion.unavailable
      : dictionary.expansion.searching;
    statusBox.append(message);
  }

  function renderResults(): void {
    const dictionary = t();
    results.hidden = request === null || status.kind === 'unavailable' || (status.kind === 'error' && sites.length === 0);
    resultsCount.textContent = dictionary.expansion.results(total ?? sites.length);
    list.replaceChildren(
      ...sites.map((site, index) =>
        siteCard(site, index + 1, parkName(site), site.id === selected, request?.requires ?? [], dictionary, {
          select: (chosen) => select(chosen),
          sheet: (chosen, rank) => openSheet(chosen, rank),
        }),
      ),
    );
    more.hidden = !hasMore;
    explain.hidden = ruledOut.length === 0;
    explainSummary.textContent = dictionary.expansion.explain(ruledOut.length);
    explainList.replaceChildren(
      ...ruledOut.map((parcel) => {
        const item = el('li');
        item.dataset.parcel = parcel.parcel;
        const what = el('strong');
        what.textContent = [parcel.parkName ?? dictionary.expansion.unknownPark, parcel.area_m2 === null ? null : formatArea(parcel.area_m2, dictionary)].filter(Boolean).join(' · ');
        item.append(what, document.createTextNode(`: ${parcel.reasons.join('; ')}`));
        return item;
      }),
    );
    if (mapInstalled) sitesMap.setSites(sites, selected, (rank, site) => dictionary.expansion.siteName(parkName(site), rank));
  }

  function renderAll(): void {
    renderStatus();
    renderResults();
  }
  onLang(() => {
    renderAll();
    if (lang() !== reasonsLang) askAgainInLang();
  });

  function select(site: Site): void {
    selected = site.id;
    renderResults();
    sitesMap.fit(geometryBbox(site.geometry));
    list.querySelector<HTMLElement>(`[data-site-id="${CSS.escape(site.id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  function openSheet(site: Site, rank: number): void {
    const park = parkOf(site);
    openSiteSheet({
      site,
      rank,
      parkName: parkName(site),
      parkManager: typeof park?.properties.manager === 'string' ? park.properties.manager : null,
      accessPoints,
      requestSummary: request ? form.summary(request) : '',
    });
  }

  function search(append: boolean): void {
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    form.clearInvalid();
    delete container.dataset.invalid;
    if (!append && !form.check()) return;
    // The first page also asks why the closest other parcels are out; later pages need not.
    const next = append && request ? { ...request, offset: request.offset + request.limit, explain: false } : { ...form.read(), explain: true };
    status = { kind: 'loading' };
    renderStatus();
    const asked = lang();
    Promise.all([searchSites(next, asked, controller.signal), loadReference()])
      .then(([answer]) => {
        if (controller.signal.aborted) return;
        request = next;
        // A site on the quay is read against the canal: both are on the map, whatever was switched off.
        if (next.requires.includes('quay')) showAtlasLayers(map, QUAY_LAYERS);
        reasonsLang = asked;
        sites = append ? [...sites, ...answer.sites] : answer.sites;
        if (!append) ruledOut = answer.ruledOut;
        total = answer.total;
        hasMore = answer.sites.length === next.limit && (answer.total === null || sites.length < answer.total);
        status = { kind: 'idle' };
        if (!append) {
          selected = null;
          const all = sites.reduce<Bbox | null>((box, site) => unionBbox(box, geometryBbox(site.geometry)), null);
          sitesMap.fit(all, 15);
          link('request', JSON.stringify(keptRequest(next)));
        }
        renderAll();
        // the language changed while the search was under way
        if (lang() !== reasonsLang) askAgainInLang();
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || (error instanceof DOMException && error.name === 'AbortError')) return;
        if (error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501)) {
          status = { kind: 'unavailable' };
        } else if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          // A refused request lists nothing: the old list would answer another question.
          status = { kind: 'idle' };
          request = null;
          sites = [];
          ruledOut = [];
          total = null;
          hasMore = false;
          link('request', null);
          container.dataset.invalid = error.field ?? '';
          const dictionary = t();
          form.showInvalid(error.field, dictionary.expansion.invalid(fieldTitle(error.field, dictionary), error.reason || String(error.status)));
        } else {
          status = { kind: 'error', message: error instanceof ApiError ? error.reason || String(error.status) : String(error) };
          console.warn('genk atlas: site search', error);
        }
        renderAll();
      });
  }

  /** A shared link's request: filled in and searched, as its sender saw it. */
  function openLinkedRequest(): void {
    const named = linked('request');
    if (!named) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(named);
    } catch {
      console.warn('genk atlas: the link\'s request is not JSON', named);
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    // After the map's style: the answer draws on it (and may switch the canal and quays on).
    void mapReady.then(() => form.load(parsed as Partial<SiteRequest>)).then(() => search(false)).catch(() => {});
  }

  /** The pages on screen again, with their reasons in the language now shown. */
  function askAgainInLang(): void {
    const shown = request;
    const asked = lang();
    if (shown === null || status.kind === 'loading') {
      // nothing listed yet; or a search under way, which asks again when it lands
      if (shown === null) reasonsLang = asked;
      return;
    }
    abort?.abort();
    const controller = new AbortController();
    abort = controller;
    const pages: SiteRequest[] = [];
    for (let offset = 0; offset <= shown.offset; offset += shown.limit) {
      pages.push({ ...shown, offset, explain: offset === 0 });
    }
    status = { kind: 'loading' };
    renderStatus();
    Promise.all(pages.map((page) => searchSites(page, asked, controller.signal)))
      .then((answers) => {
        if (controller.signal.aborted) return;
        sites = answers.flatMap((answer) => answer.sites);
        ruledOut = answers[0].ruledOut;
        total = answers[answers.length - 1].total;
        if (selected !== null && !sites.some((site) => site.id === selected)) selected = null;
        reasonsLang = asked;
        status = { kind: 'idle' };
        renderAll();
        if (lang() !== reasonsLang) askAgainInLang();
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted || (error instanceof DOMException && error.name === 'AbortError')) return;
        status = { kind: 'error', message: error instanceof ApiError ? error.reason || String(error.status) : String(error) };
        console.warn('genk atlas: site search in the new language', error);
        renderAll();
      });
  }

  let started = false;
  function start(): void {
    if (started) return;
    started = true;
    void loadReference();
    openLinkedRequest();
    mapReady
      .then(() => {
        sitesMap.install();
        mapInstalled = true;
        sitesMap.setVisible(!container.hidden);
        renderResults();
      })
      .catch(() => {});
  }

  const onShown = (): void => {
    if (!container.hidden) start();
    else form.stopPicking();
    if (mapInstalled) sitesMap.setVisible(!container.hidden);
  };
  new MutationObserver(onShown).observe(container, { attributes: true, attributeFilter: ['hidden'] });
  onShown();
  renderAll();
}
