// The steps of the city's users that several browser tests share: signing in
// through the top bar, opening Leegstand, clicking a shop unit for its popup,
// and a JSON request to the atlas with a session cookie.

import assert from 'node:assert/strict';
import { mapIdle } from './harness.mjs';

/** A JSON request to the atlas with an optional session cookie; returns { status, body, cookie }. */
export async function apiRequest(baseUrl, method, pathAndQuery, { body, cookie } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (cookie) headers.cookie = cookie;
  const response = await fetch(`${baseUrl}${pathAndQuery}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const setCookie = response.headers.get('set-cookie');
  return { status: response.status, body: text ? JSON.parse(text) : null, cookie: setCookie ? setCookie.split(';')[0] : null };
}

/** Sign in through the top bar's form; with `wait`, until the top bar shows the role. */
export async function signIn(page, name, password, { wait = true } = {}) {
  await page.getByRole('button', { name: 'Aanmelden', exact: true }).first().click();
  const form = page.locator('.login-form');
  await form.getByLabel('Naam').fill(name);
  await form.getByLabel('Wachtwoord').fill(password);
  await form.getByRole('button', { name: 'Aanmelden' }).click();
  if (wait) await page.locator('.login-role').waitFor({ state: 'visible' });
}

/** Open the Leegstand tab and wait for its figures. */
export async function openVacancy(page) {
  await page.getByRole('tab', { name: 'Leegstand' }).click();
  await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'ready', null, { timeout: 30_000 });
  await mapIdle(page);
}

/** Click a shop unit on the map and wait until its popup has the full feature. */
export async function openUnitPopup(page, unit) {
  await mapIdle(page);
  const box = await page.locator('#map').boundingBox();
  const point = await page.evaluate((coordinates) => window.__atlasMap.project(coordinates), unit.geometry.coordinates);
  await page.mouse.click(box.x + point.x, box.y + point.y);
  const popup = page.locator('.maplibregl-popup');
  await popup.locator(`article.popup[data-feature-id="${unit.id}"]`).waitFor({ state: 'visible', timeout: 10_000 });
  await page.locator('.popup-status').waitFor({ state: 'detached', timeout: 10_000 });
  return popup;
}

/** A KPI's shown value on a Leegstand card. */
export const kpiText = (page, card, kpi) => page.locator(`[data-card="${card}"] [data-kpi="${kpi}"] .kpi-value`).first().textContent();

/** The hash of a view at `zoom` centred on [lon, lat]. */
export const at = (zoom, [lon, lat]) => `#${zoom}/${lat.toFixed(6)}/${lon.toFixed(6)}`;

/** Occupied units with an occupant, far enough from their neighbours to click alone, read with `cookie` (retail). */
export async function loneOccupiedUnits(baseUrl, cookie) {
  const { status, body } = await apiRequest(baseUrl, 'GET', '/api/layers/shop_units/features?limit=10000', { cookie });
  assert.equal(status, 200);
  const units = body.features;
  const metres = (a, b) => {
    const [lon1, lat1] = a.geometry.coordinates;
    const [lon2, lat2] = b.geometry.coordinates;
    return Math.hypot((lon2 - lon1) * 70_000, (lat2 - lat1) * 111_200);
  };
  const lonely = units.filter(
    (unit) => unit.properties.status === 'occupied' && unit.properties.occupant && units.every((other) => other === unit || metres(unit, other) > 12),
  );
  assert.ok(lonely.length > 1, 'the demo has occupied units with an occupant that stand alone');
  return lonely;
}

/** Open Buurtaanbod on a kind and a walking distance (their radio labels) and wait for figures and map. */
export async function openCoverage(page, kindLabel, distanceLabel) {
  await page.getByRole('tab', { name: 'Buurtaanbod' }).click();
  const panel = page.getByRole('tabpanel', { name: 'Buurtaanbod' });
  await panel.getByRole('radio', { name: kindLabel, exact: true }).check();
  await panel.getByRole('radio', { name: distanceLabel, exact: true }).check();
  await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.state === 'ready', null, { timeout: 60_000 });
  await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.map === 'ready', null, { timeout: 30_000 });
  await mapIdle(page);
  return panel;
}
