// The ranked list of the Uitbreiding panel: one card per site in rank
// order, with its park, area, parcels (an assembled group says so), total
// score, the distance to the access the request required (quay, rail),
// each criterion's score as a bar with the server's reason (in the
// language the interface shows),
// and buttons to show it on the map and to open its printable sheet.

import { formatArea, formatNumber } from '../format';
import type { Dictionary } from '../i18n';
import type { Site } from './expansion-api';
import { formatDistance } from './expansion-sheet';
import { el } from '../dom';

export interface ResultActions {
  select(site: Site): void;
  sheet(site: Site, rank: number): void;
}

export function siteCard(site: Site, rank: number, parkName: string, selected: boolean, required: string[], dictionary: Dictionary, actions: ResultActions): HTMLLIElement {
  const card = el('li', `site-card${selected ? ' is-selected' : ''}`);
  card.dataset.siteId = site.id;
  card.dataset.rank = String(rank);
  const title = el('h4', 'site-title');
  const badge = el('span', 'site-rank', String(rank));
  badge.setAttribute('aria-hidden', 'true');
  const name = el('span', 'site-name', dictionary.expansion.siteName(parkName, rank));
  title.append(badge, name);
  const score = el('p', 'site-score');
  score.append(el('span', 'site-score-label', `${dictionary.expansion.score} `), el('strong', 'site-score-value', dictionary.expansion.scoreOf(formatNumber(site.score * 100, dictionary, 0))));
  const head = el('div', 'site-head');
  head.append(title, score);

  const facts = el('p', 'site-facts');
  facts.append(el('span', 'site-park', parkName), document.createTextNode(' · '), el('span', 'site-area', formatArea(site.area_m2, dictionary)), document.createTextNode(' · '));
  const parcels = el('span', `site-parcels${site.parcels.length > 1 ? ' is-assembled' : ''}`, dictionary.expansion.parcels(site.parcels.length));
  parcels.title = site.parcels.map((parcel) => String(parcel.properties.capakey ?? parcel.id)).join(', ');
  facts.append(parcels);

  // The access the request required, measured: how far the quay or the rail siding is.
  const access = el('p', 'site-access');
  for (const [kind, metres] of [
    ['quay', site.access.quay_m],
    ['rail', site.access.rail_m],
  ] as const) {
    if (!required.includes(kind) || metres === null) continue;
    const part = el('span', 'site-access-item');
    part.dataset.kind = kind;
    part.append(el('strong', undefined, `${dictionary.sheet.accessKinds[kind]}: `), document.createTextNode(formatDistance(metres, dictionary)));
    access.append(part);
  }

  const criteria = el('ul', 'site-criteria');
  for (const criterion of site.criteria) {
    const item = el('li', 'site-criterion');
    item.dataset.criterion = criterion.name;
    const label = el('span', 'criterion-name', dictionary.expansion.criteria[criterion.name] ?? criterion.name);
    const bar = el('span', 'criterion-bar');
    bar.setAttribute('aria-hidden', 'true');
    const fill = el('span', 'criterion-fill');
    fill.style.width = `${Math.max(0, Math.min(1, criterion.score)) * 100}%`;
    bar.append(fill);
    const value = el('span', 'criterion-score', formatNumber(criterion.score * 100, dictionary, 0));
    const reason = el('span', 'criterion-reason', criterion.reason);
    item.append(label, bar, value, reason);
    criteria.append(item);
  }

  const buttons = el('div', 'site-actions');
  const show = el('button', 'button button--quiet button--small', dictionary.expansion.show);
  show.type = 'button';
  show.addEventListener('click', (event) => {
    event.stopPropagation();
    actions.select(site);
  });
  const sheet = el('button', 'button button--small', dictionary.expansion.sheet);
  sheet.type = 'button';
  sheet.setAttribute('aria-label', dictionary.expansion.sheetLabel(dictionary.expansion.siteName(parkName, rank)));
  sheet.addEventListener('click', (event) => {
    event.stopPropagation();
    actions.sheet(site, rank);
  });
  buttons.append(show, sheet);

  card.append(head, facts, ...(access.childElementCount > 0 ? [access] : []), criteria, buttons);
  card.addEventListener('click', () => actions.select(site));
  return card;
}
