// The four users' whole tasks (issue 19), click by click in a Dutch (nl-BE)
// browser, at desktop and at phone size, each ending in what the user sees:
// a planner finding a shop on the map, the retail team correcting a vacant
// unit from the area's list, an account manager searching, printing and
// saving sites on the quay, and a planner placing a bakery in Buurtaanbod.
// Each run has its own server on its own copy of the demo, so the runs do
// not see each other's edits.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RESULTS_DIR, launchBrowser, mapIdle, startAtlas, withAtlas } from './harness.mjs';
import { apiRequest, at, kpiText, openCoverage, openVacancy, signIn } from './tasks.mjs';

const RETAIL = { name: 'winkelteam', role: 'retail' };
const MANAGER = { name: 'accountmanager', role: 'business' };
const SIZES = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } };
const ddmmyyyy = (iso) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

let browser;
before(async () => {
  browser = await launchBrowser();
  mkdirSync(RESULTS_DIR, { recursive: true });
});
after(async () => {
  await browser?.close();
});

/** A server of its own for one run; stopped when the test ends. */
async function ownAtlas(t, options) {
  const atlas = await startAtlas(options);
  t.after(() => atlas.stop());
  return { atlas, request: (...args) => apiRequest(atlas.baseUrl, ...args) };
}

for (const [size, viewport] of Object.entries(SIZES)) {
  describe(`the users' tasks (${size}, ${viewport.width}×${viewport.height})`, () => {
    test('a planner finds a shop by its address and reads it on the map, without its occupant', async (t) => {
      const { atlas, request } = await ownAtlas(t, {});
      const unit = (await request('GET', '/api/layers/shop_units/features?limit=10000')).body.features.find((feature) => feature.properties.address === 'Vennestraat 10');
      await withAtlas(t, browser, atlas.baseUrl, '', async ({ page, errors }) => {
        const search = page.getByRole('combobox');
        await search.fill('vennestraat 10');
        await page.getByRole('option').first().filter({ hasText: 'Vennestraat 10' }).waitFor({ timeout: 10_000 });
        await search.press('Enter');
        await page.waitForFunction(() => window.__atlasMap.isMoving(), null, { timeout: 5_000 }).catch(() => {});
        await mapIdle(page);
        // Enter on the map opens the feature nearest its centre: the unit found.
        await page.locator('.maplibregl-canvas').focus();
        await page.keyboard.press('Enter');
        const popup = page.locator(`.maplibregl-popup article.popup[data-feature-id="${unit.id}"]`);
        await popup.waitFor({ timeout: 10_000 });
        await page.locator('.popup-status').waitFor({ state: 'detached', timeout: 10_000 });
        assert.equal(await popup.locator('dd[data-field="address"]').textContent(), 'Vennestraat 10');
        const status = { occupied: 'In gebruik', vacant: 'Leeg', renovation: 'In renovatie', non_commercial: 'Niet-commercieel' }[unit.properties.status];
        assert.equal(await popup.locator('dd[data-field="status"]').textContent(), status);
        assert.equal(await popup.locator('dd[data-field="occupant"]').count(), 0, 'no occupant for the public');
        assert.ok(await popup.isVisible(), 'the popup is in view');
        assert.deepEqual(errors, []);
      }, { viewport });
    });

    test('the retail team corrects a vacant unit from the area\'s list, and the figures follow', async (t) => {
      const { atlas, request } = await ownAtlas(t, { writable: true, users: [RETAIL] });
      const newest = (await request('GET', '/api/vacancy/trend?by=city')).body.to;
      const before = (await request('GET', `/api/vacancy/summary?by=shopping_area&date=${newest}`)).body.groups.find((group) => group.id === 'vennestraat');
      await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
        await signIn(page, RETAIL.name, atlas.passwords[RETAIL.name]);
        await openVacancy(page);
        await page.locator('#vacancy-area').selectOption({ label: 'Vennestraat' });
        assert.equal(await kpiText(page, 'area', 'vacant'), String(before.vacant));
        const list = page.locator('details.vacancy-units');
        await list.locator('summary').click();
        await list.locator('tbody tr').first().waitFor();
        assert.equal(await list.locator('tbody tr').count(), before.vacant, 'the list holds the vacant units the card counts');
        const row = list.locator('tbody tr').last();
        const unitId = await row.getAttribute('data-unit-id');
        const address = await row.getByRole('button').textContent();
        await row.getByRole('button').click();
        const popup = page.locator(`.maplibregl-popup article.popup[data-feature-id="${unitId}"]`);
        await popup.waitFor({ timeout: 15_000 });
        await popup.getByRole('button', { name: 'Bewerken' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.locator('.unit-edit-version').filter({ hasText: /Versie \d+/ }).waitFor();
        await dialog.getByLabel('Status').selectOption('occupied');
        await dialog.getByLabel('Uitbater').fill(`Bakkerij De Kempen (${size})`);
        await dialog.getByLabel('Geldig vanaf').fill(newest);
        await dialog.getByRole('button', { name: 'Opslaan' }).click();
        await dialog.waitFor({ state: 'detached', timeout: 10_000 });
        const said = page.getByRole('status').filter({ hasText: 'Opgeslagen' });
        await said.waitFor();
        assert.ok((await said.textContent()).startsWith(`Opgeslagen: ${address}: Status Leeg → In gebruik`), await said.textContent());
        // What the team sees: one vacant unit fewer on the card and in the list, on the same date.
        await page.locator(`[data-card="area"] [data-kpi="vacant"] .kpi-value:text-is("${before.vacant - 1}")`).waitFor({ timeout: 20_000 });
        await list.locator(`tbody tr[data-unit-id="${unitId}"]`).waitFor({ state: 'detached', timeout: 20_000 });
        assert.equal(await list.locator('tbody tr').count(), before.vacant - 1);
        assert.equal(await page.locator('.vacancy-date-value').textContent(), ddmmyyyy(newest), 'the date stays');
        const audit = (await request('GET', `/api/shop_units/${unitId}/history`, { cookie: await page.context().cookies().then((cookies) => cookies.map((c) => `${c.name}=${c.value}`).join('; ')) })).body;
        assert.equal(audit.events.at(-1).recorded_by, RETAIL.name, 'the edit is kept with who made it');
      }, { viewport });
    });

    test('an account manager finds sites on the quay, prints one and saves the search for the company', async (t) => {
      const { atlas, request } = await ownAtlas(t, { writable: true, users: [MANAGER] });
      const companies = (await request('GET', '/api/layers/companies/features?limit=10000')).body.features;
      const counts = new Map();
      for (const company of companies) counts.set(company.properties.name, (counts.get(company.properties.name) ?? 0) + 1);
      const company = companies.find((candidate) => counts.get(candidate.properties.name) === 1);
      await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
        await signIn(page, MANAGER.name, atlas.passwords[MANAGER.name]);
        await page.getByRole('tab', { name: 'Uitbreiding' }).click();
        const panel = page.getByRole('tabpanel', { name: 'Uitbreiding' });
        await panel.getByLabel('Activiteit', { exact: true }).selectOption({ label: 'Logistiek' });
        await panel.getByLabel('Oppervlakte van (m²)').fill('5.000');
        await panel.getByLabel('tot (m²)').fill('20.000');
        await panel.getByRole('checkbox', { name: 'Kaai aan het kanaal' }).check();
        await panel.getByRole('radio', { name: 'Een bedrijf' }).check();
        await panel.getByLabel('Bedrijf (huidige vestiging)').fill(company.properties.name);
        await page.waitForFunction((name) => [...document.querySelectorAll('#expansion-companies option')].some((option) => option.value === name), company.properties.name, { timeout: 30_000 });
        const sent = page.waitForRequest((r) => r.url().endsWith('/api/sites/search') && r.method() === 'POST');
        await panel.getByRole('button', { name: 'Zoeken', exact: true }).click();
        const body = JSON.parse((await sent).postData());
        assert.equal(body.min_area_m2, 5000);
        assert.equal(body.max_area_m2, 20000);
        await page.waitForFunction(() => document.getElementById('panel-expansion')?.dataset.state === 'ready', null, { timeout: 30_000 });
        const answer = (await request('POST', '/api/sites/search', { body: { ...body, explain: false } })).body;
        assert.ok(answer.sites.length > 0, 'the quay has sites of that size');
        const cards = panel.locator('.site-card');
        assert.deepEqual(await cards.evaluateAll((all) => all.map((card) => card.dataset.siteId)), answer.sites.map((site) => site.id), 'the cards are the answer, in rank order');
        assert.match(await cards.first().textContent(), /kaai/i, 'the card says how far the quay is');

        await cards.first().getByRole('button', { name: /^Vestigingsfiche van / }).click();
        const sheet = page.getByRole('dialog', { name: /^Vestigingsfiche van / });
        await sheet.locator('.sheet').waitFor({ timeout: 30_000 });
        const title = await sheet.locator('.sheet-title').textContent();
        const file = path.join(RESULTS_DIR, `site-sheet-${size}.pdf`);
        writeFileSync(file, await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true }));
        const first = execFileSync('pdftotext', ['-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
        assert.ok(first.includes(title), `the printed page has "${title}": ${first.slice(0, 200)}`);
        assert.ok(first.includes('5.000') && first.includes('20.000'), 'the printed page holds the request');
        await page.keyboard.press('Escape');
        await sheet.waitFor({ state: 'hidden', timeout: 5_000 });

        const saved = panel.locator('.expansion-saved');
        await saved.getByLabel('Naam van deze zoekvraag').fill(`Kaai 2027 (${size})`);
        await saved.getByRole('button', { name: 'Zoekvraag bewaren' }).click();
        await saved.getByText(`‘Kaai 2027 (${size})’ is bewaard.`).waitFor({ timeout: 10_000 });
        await saved.locator('.saved-item').filter({ hasText: `Kaai 2027 (${size})` }).waitFor();
      }, { viewport });
    });

    test('a planner in Buurtaanbod places a bakery among the residents beyond reach, and the neighbourhood\'s coverage rises', async (t) => {
      const { atlas, request } = await ownAtlas(t, {});
      const gaps = (await request('GET', '/api/coverage/gaps?kind=bakery&threshold_m=400')).body.features.filter((gap) => !gap.properties.unreachable && gap.properties.neighbourhood);
      const byArea = new Map();
      for (const gap of gaps) byArea.set(gap.properties.neighbourhood, (byArea.get(gap.properties.neighbourhood) ?? 0) + gap.properties.population);
      const [code] = [...byArea].sort((a, b) => b[1] - a[1])[0];
      const spot = gaps.filter((gap) => gap.properties.neighbourhood === code).sort((a, b) => b.properties.population - a.properties.population)[0];
      await withAtlas(t, browser, atlas.baseUrl, at(17, spot.geometry.coordinates), async ({ page }) => {
        const panel = await openCoverage(page, 'Bakker', '400 m');
        await panel.getByRole('button', { name: 'Winkels plaatsen of weghalen' }).click();
        const sent = page.waitForRequest((r) => r.url().endsWith('/api/coverage/whatif') && r.method() === 'POST');
        await page.locator('.maplibregl-canvas').focus();
        await page.keyboard.press('Enter');
        const body = JSON.parse((await sent).postData());
        await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.whatif === 'ready', null, { timeout: 30_000 });
        const replay = (await request('POST', '/api/coverage/whatif', { body })).body;
        const difference = replay.difference.neighbourhoods.find((area) => area.code === code);
        assert.ok(difference.share > 0, `a bakery among ${byArea.get(code)} residents beyond reach covers some of them`);
        const shown = await panel.locator(`.coverage-table tr[data-code="${code}"] td[data-column="change"]`).textContent();
        const expected = `+${new Intl.NumberFormat('nl-BE', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(difference.share * 100)}`;
        assert.equal(shown, expected, 'the table shows the change the server computes');
      }, { viewport });
    });
  });
}
