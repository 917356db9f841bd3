// Browser tests of the Leegstand panel, the login and the shop-unit edit form:
// the figures a person reads are the API's (checked number by number), and an
// edit made through the page shows in the figures and on the map at once.
// The server runs on its own copy of the demo (these tests write) with a
// retail account made by `atlas user add` on that copy (see harness.mjs).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { getJson, launchBrowser, mapIdle, renderedFeatures, startAtlas, withAtlas } from './harness.mjs';
import { apiRequest, at, kpiText, loneOccupiedUnits, openUnitPopup, openVacancy, signIn } from './tasks.mjs';

const RETAIL = { name: 'winkelteam', role: 'retail' };

let atlas;
let browser;
const request = (...args) => apiRequest(atlas.baseUrl, ...args);

before(async () => {
  atlas = await startAtlas({ writable: true, users: [RETAIL] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await atlas?.stop();
});

// ---- how the page writes numbers (nl-BE), computed independently of the page ----
const count = (value) => new Intl.NumberFormat('nl-BE', { maximumFractionDigits: 0 }).format(value);
const rate = (value) => (value === null ? 'geen' : new Intl.NumberFormat('nl-BE', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value));
const ddmmyyyy = (iso) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;
const signedCount = (value) => (value > 0 ? `+${count(value)}` : value < 0 ? `−${count(-value)}` : '0');
const COUNT_KPIS = ['units', 'occupied', 'vacant', 'renovation', 'register_candidates', 'frictional', 'long_term', 'structural'];

function yearBefore(iso) {
  const [year, month, day] = iso.split('-').map(Number);
  const last = new Date(Date.UTC(year - 1, month, 0)).getUTCDate();
  return `${year - 1}-${String(month).padStart(2, '0')}-${String(Math.min(day, last)).padStart(2, '0')}`;
}

/** Centre the map on a unit at zoom 18. */
async function goTo(page, unit) {
  await page.evaluate((center) => window.__atlasMap.jumpTo({ center, zoom: 18 }), unit.geometry.coordinates);
  await mapIdle(page);
}

describe('the Leegstand panel', () => {
  test('shows the city and area cards and the table with the numbers of /api/vacancy/summary', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await openVacancy(page);
      const city = await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city');
      const date = city.date;
      assert.equal(await page.locator('.vacancy-date-value').textContent(), ddmmyyyy(date), 'the slider starts at the newest date');
      const [genk] = city.groups;
      const cityBefore = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=city&date=${yearBefore(date)}`)).groups[0];
      for (const kpi of COUNT_KPIS) assert.equal(await kpiText(page, 'city', kpi), count(genk[kpi]), `city ${kpi}`);
      assert.equal(await kpiText(page, 'city', 'rate_count'), rate(genk.rate_count));
      assert.equal(await kpiText(page, 'city', 'rate_area'), rate(genk.rate_area));
      assert.equal(await page.locator('[data-card="city"] [data-kpi="vacant"] .kpi-change').textContent(), signedCount(genk.vacant - cityBefore.vacant), 'change in vacant units since a year ago');

      const areas = await getJson(atlas.baseUrl, `/api/vacancy/summary?by=shopping_area&date=${date}`);
      const largest = [...areas.groups].sort((a, b) => b.units - a.units)[0];
      assert.equal(await page.locator('[data-card="area"]').getAttribute('data-group-id'), largest.id, 'the largest shopping area is chosen first');
      for (const kpi of COUNT_KPIS) assert.equal(await kpiText(page, 'area', kpi), count(largest[kpi]), `area ${kpi}`);
      assert.equal(await kpiText(page, 'area', 'rate_count'), rate(largest.rate_count));

      // The table: one row per shopping area, every cell the API's number.
      const rows = page.locator('.vacancy-table tbody tr');
      assert.equal(await rows.count(), areas.groups.length);
      for (const group of areas.groups) {
        const cells = await page.locator(`.vacancy-table tbody tr[data-id="${group.id}"] > *`).allTextContents();
        assert.deepEqual(cells, [group.name, count(group.units), count(group.vacant), rate(group.rate_count), rate(group.rate_area), count(group.frictional),
          count(group.long_term), count(group.structural), count(group.register_candidates)], group.id);
      }
      // Sorted by rate (highest first); a click on "Leeg" sorts by vacant units, a second click turns it round.
      const ids = () => rows.evaluateAll((list) => list.map((row) => row.dataset.id));
      const byRate = [...areas.groups].sort((a, b) => (b.rate_count ?? -1) - (a.rate_count ?? -1) || a.name.localeCompare(b.name, 'nl-BE'));
      assert.deepEqual(await ids(), byRate.map((group) => group.id));
      await page.locator('.vacancy-table th[data-col="vacant"] button').click();
      const vacantDown = (await ids()).map((id) => areas.groups.find((group) => group.id === id).vacant);
      assert.deepEqual(vacantDown, [...vacantDown].sort((a, b) => b - a));
      assert.equal(await page.locator('.vacancy-table th[data-col="vacant"]').getAttribute('aria-sort'), 'descending');
      await page.locator('.vacancy-table th[data-col="vacant"] button').click();
      const vacantUp = (await ids()).map((id) => areas.groups.find((group) => group.id === id).vacant);
      assert.deepEqual(vacantUp, [...vacantUp].sort((a, b) => a - b));

      // A click on a row makes it the chosen area.
      const other = areas.groups.find((group) => group.id !== largest.id);
      await page.locator(`.vacancy-table tr[data-id="${other.id}"] .row-select`).click();
      assert.equal(await page.locator('[data-card="area"]').getAttribute('data-group-id'), other.id);
      assert.equal(await kpiText(page, 'area', 'vacant'), count(other.vacant));

      // The CSV of the table: a header and one line per area, Dutch decimals.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[data-export="table"]').click()]);
      const csv = readFileSync(await download.path(), 'utf8');
      assert.ok(csv.startsWith('\u{feff}id;winkelgebied;datum;panden;'), csv.slice(0, 80));
      const lines = csv.trim().split('\r\n');
      assert.equal(lines.length, areas.groups.length + 1);
      const line = lines.find((text) => text.startsWith(`${largest.id};`)).split(';');
      assert.equal(line[2], date);
      assert.equal(Number(line[5]), largest.vacant);
      assert.equal(Number(line[7].replace(',', '.')), Math.round(largest.rate_count * 10000) / 100);

      // The register as CSV straight from the server, for the same date.
      const href = await page.locator('a[data-export="register"]').getAttribute('href');
      assert.equal(href, `/api/vacancy/register?date=${date}&format=csv`);
      const register = await getJson(atlas.baseUrl, `/api/vacancy/register?date=${date}`);
      const registerCsv = await (await fetch(`${atlas.baseUrl}${href}`)).text();
      assert.equal(registerCsv.trim().split('\r\n').length, register.units.length + 1);
      assert.equal(register.units.length, genk.register_candidates, 'the register lists the candidates the card counts');

      // Per street: the table follows.
      await page.getByRole('button', { name: 'Straat', exact: true }).click();
      await page.waitForFunction(() => document.querySelector('.vacancy-table')?.dataset.by === 'street' && document.getElementById('panel-vacancy').dataset.state === 'ready');
      const streets = await getJson(atlas.baseUrl, `/api/vacancy/summary?by=street&date=${date}`);
      // Streets start at 3 units per row (issue 19): a one-unit street is 0 or 100 %.
      assert.equal(await rows.count(), streets.groups.filter((group) => group.units >= 3).length);
    });
  });

  test('draws the five-year trend and moves every figure with the date slider', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await openVacancy(page);
      const trend = await getJson(atlas.baseUrl, '/api/vacancy/trend?by=city');
      assert.equal(trend.step, 'month');
      assert.equal(trend.dates.length, 61, 'five years of months, both ends included');
      const drawn = await page.locator('.chart path.chart-line').first().getAttribute('d');
      const withRate = trend.groups[0].points.filter((point) => point.rate_count !== null).length;
      assert.equal((drawn.match(/[ML]/g) ?? []).length, withRate, 'one vertex per month with a rate');
      assert.equal(await page.locator('.chart-legend li').count() >= 2, true);

      // To the first month: the cards show that date's figures.
      const slider = page.locator('#vacancy-date');
      await slider.focus();
      await page.keyboard.press('Home');
      const first = trend.dates[0];
      await page.waitForFunction((date) => document.querySelector('.vacancy-date-value')?.textContent === date, ddmmyyyy(first));
      await page.waitForFunction(() => document.getElementById('panel-vacancy').dataset.state === 'ready');
      const then = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=city&date=${first}`)).groups[0];
      await page.waitForFunction(
        (expected) => document.querySelector('[data-card="city"] [data-kpi="vacant"] .kpi-value')?.textContent === expected,
        count(then.vacant),
      );
      assert.equal(await kpiText(page, 'city', 'rate_count'), rate(then.rate_count));
      assert.equal(await page.locator('a[data-export="register"]').getAttribute('href'), `/api/vacancy/register?date=${first}&format=csv`);
    });
  });

  test('shows the H3 heatmap of the rate on the map', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await openVacancy(page);
      const heatmap = page.locator('.vacancy-heatmap');
      await page.waitForFunction(() => ['ready', 'unavailable', 'error'].includes(document.querySelector('.vacancy-heatmap')?.dataset.state));
      const city = (await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city')).groups[0];
      const probe = await fetch(`${atlas.baseUrl}/api/vacancy/h3?date=${(await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city')).date}&res=9`);
      assert.equal(probe.status, 200, 'the atlas serves the heatmap');
      assert.equal(await heatmap.getAttribute('data-state'), 'ready');
      assert.equal(await heatmap.locator('.heat-legend li').count(), 6, 'five rate classes and "too few units"');
      const onMap = () =>
        page.evaluate(async () => {
          const data = await window.__atlasMap.getSource('vacancy-h3').getData();
          return data.features.map((feature) => feature.properties);
        });
      const res9 = await onMap();
      const api9 = await probe.json();
      assert.equal(res9.length, api9.features.length);
      assert.equal(res9.reduce((sum, cell) => sum + cell.vacant, 0), city.vacant, 'the cells hold every vacant unit once');
      assert.equal(await page.evaluate(() => window.__atlasMap.getLayoutProperty('vacancy-h3-fill', 'visibility')), 'visible');

      await heatmap.locator('button[data-resolution="10"]').click();
      await page.waitForFunction(() => document.querySelector('.vacancy-heatmap')?.dataset.resolution === '10');
      const res10 = await onMap();
      assert.ok(res10.length > res9.length, `resolution 10 has more cells (${res10.length}) than 9 (${res9.length})`);
      assert.equal(res10.reduce((sum, cell) => sum + cell.vacant, 0), city.vacant);

      // The change since a year before, in points, per cell: the map holds the server's cells.
      await heatmap.getByLabel('Kaart toont').selectOption('change');
      await page.waitForFunction(() => document.querySelector('.vacancy-heatmap')?.dataset.mode === 'change' && document.querySelector('.vacancy-heatmap')?.dataset.state === 'ready');
      const date = (await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city')).date;
      const change = await getJson(atlas.baseUrl, `/api/vacancy/h3/change?from=${yearBefore(date)}&to=${date}&res=10`);
      const drawnChange = await onMap();
      assert.equal(drawnChange.length, change.features.length);
      assert.deepEqual(
        drawnChange.map((cell) => cell.change_count_pp).sort(),
        change.features.map((cell) => cell.properties.change_count_pp).sort(),
      );
      assert.match(await heatmap.locator('.heat-legend').textContent(), /pp/);

      // The smooth surface (kernel ratio, masked where too few units): the server's squares.
      await heatmap.getByLabel('Kaart toont').selectOption('surface');
      await page.waitForFunction(() => document.querySelector('.vacancy-heatmap')?.dataset.mode === 'surface' && document.querySelector('.vacancy-heatmap')?.dataset.state === 'ready');
      const surface = await getJson(atlas.baseUrl, `/api/vacancy/surface?date=${date}&weight=count`);
      const drawnSurface = await onMap();
      assert.equal(drawnSurface.length, surface.features.length);
      assert.ok(drawnSurface.every((cell) => cell.ratio >= 0 && cell.ratio <= 1 && cell.units >= 5));
      assert.ok(await heatmap.locator('button[data-resolution="9"]').isDisabled(), 'no hexagon size for the surface');

      // The heatmap belongs to the Leegstand task: back on the map tab it is put away.
      await page.getByRole('tab', { name: 'Kaart' }).click();
      assert.equal(await page.evaluate(() => window.__atlasMap.getLayoutProperty('vacancy-h3-fill', 'visibility')), 'none');
    });
  });
});

describe('editing as the retail team', () => {
  test('a wrong password is refused in plain words', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await signIn(page, RETAIL.name, 'not the password', { wait: false });
      await page.locator('.login-form').getByText('Naam of wachtwoord klopt niet.').waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('.login-role').count(), 0);
    });
  });

  test('marks an occupied unit vacant: the city count goes up by one and the map follows; signed out, the occupant is gone', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    assert.equal(login.status, 200, 'the retail account signs in over the API');
    const [unit, other] = await loneOccupiedUnits(atlas.baseUrl, login.cookie);
    const occupant = unit.properties.occupant;

    await withAtlas(t, browser, atlas.baseUrl, at(18, unit.geometry.coordinates), async ({ page }) => {
      // Public: no occupant in the popup, no edit button.
      let popup = await openUnitPopup(page, unit);
      assert.ok(!(await popup.textContent()).includes(occupant), 'the public does not see the occupant');
      assert.equal(await popup.getByRole('button', { name: 'Bewerken' }).count(), 0);
      await page.keyboard.press('Escape');

      await signIn(page, RETAIL.name, password);
      await page.locator('.login-role').waitFor({ state: 'visible' });
      assert.equal(await page.locator('.login-role').textContent(), 'detailhandel');
      assert.equal(await page.locator('.login-name').textContent(), RETAIL.name);

      await openVacancy(page);
      const date = (await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city')).date;
      const vacantBefore = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=city&date=${date}`)).groups[0].vacant;
      assert.equal(await kpiText(page, 'city', 'vacant'), count(vacantBefore));
      await page.waitForFunction(() => ['ready', 'unavailable', 'error'].includes(document.querySelector('.vacancy-heatmap')?.dataset.state));
      const heatmapServed = (await fetch(`${atlas.baseUrl}/api/vacancy/h3?date=${date}&res=9`)).status !== 404;
      const heatmapReady = (await page.locator('.vacancy-heatmap').getAttribute('data-state')) === 'ready';
      assert.equal(heatmapReady, heatmapServed, 'the heatmap is drawn when the server has it');

      popup = await openUnitPopup(page, unit);
      assert.equal(await popup.locator('dd[data-field="occupant"]').textContent(), occupant, 'retail sees the occupant');
      await popup.getByRole('button', { name: 'Bewerken' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('.unit-edit-version').filter({ hasText: /Versie \d+/ }).waitFor();
      assert.equal(await dialog.getByLabel('Status').inputValue(), 'occupied');
      assert.equal(await dialog.getByLabel('Uitbater').inputValue(), occupant);
      await dialog.getByLabel('Status').selectOption('vacant');
      assert.equal(await dialog.getByLabel('Uitbater').inputValue(), '', 'a unit that becomes vacant loses its occupant (the server does the same)');
      await dialog.getByLabel('Geldig vanaf').fill(date);
      await dialog.getByRole('button', { name: 'Opslaan' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });

      // The figures: one more vacant unit in Genk on that date, as the API now says.
      await page.waitForFunction(
        (expected) => document.querySelector('[data-card="city"] [data-kpi="vacant"] .kpi-value')?.textContent === expected,
        count(vacantBefore + 1),
        { timeout: 20_000 },
      );
      const after = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=city&date=${date}`)).groups[0];
      assert.equal(after.vacant, vacantBefore + 1);
      assert.equal(await kpiText(page, 'city', 'rate_count'), rate(after.rate_count));

      // The map: the unit is drawn as vacant, and the heatmap counts it.
      await page.waitForFunction(
        (id) => {
          const map = window.__atlasMap;
          const layers = map.getStyle().layers.filter((layer) => layer.metadata?.['atlas:layer'] === 'shop_units').map((layer) => layer.id);
          return map.queryRenderedFeatures(undefined, { layers }).some((feature) => feature.properties.id === id && feature.properties.status === 'vacant');
        },
        unit.id,
        { timeout: 20_000 },
      );
      const drawn = (await renderedFeatures(page, 'shop_units')).filter((feature) => feature.properties.id === unit.id);
      assert.ok(drawn.length > 0 && drawn.every((feature) => feature.properties.status === 'vacant'), 'no stale tile still draws it occupied');
      if (heatmapReady) {
        await page.waitForFunction(
          async (expected) => {
            const data = await window.__atlasMap.getSource('vacancy-h3').getData();
            return data.features.reduce((sum, feature) => sum + feature.properties.vacant, 0) === expected;
          },
          vacantBefore + 1,
          { timeout: 20_000, polling: 250 },
        );
      }

      popup = await openUnitPopup(page, unit);
      assert.equal(await popup.locator('dd[data-field="status"]').textContent(), 'Leeg');
      assert.ok(!(await popup.textContent()).includes(occupant), 'the vacant unit has no occupant any more');
      await page.keyboard.press('Escape');

      // Signed in, an occupied unit's popup shows its occupant; signed out, it is gone.
      await goTo(page, other);
      popup = await openUnitPopup(page, other);
      assert.equal(await popup.locator('dd[data-field="occupant"]').textContent(), other.properties.occupant);
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Afmelden' }).click();
      await page.getByRole('button', { name: 'Aanmelden', exact: true }).waitFor();
      await mapIdle(page);
      popup = await openUnitPopup(page, other);
      const text = await popup.textContent();
      assert.ok(!text.includes(other.properties.occupant), `the occupant is gone from the popup: ${text}`);
      assert.equal(await popup.locator('dd[data-field="occupant"]').count(), 0, 'no occupant field for the public');
      assert.equal(await popup.getByRole('button', { name: 'Bewerken' }).count(), 0);
    });
  });

  test('says so when someone saved first (409) and names a bad field (400), saving nothing', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    const [unit] = await loneOccupiedUnits(atlas.baseUrl, login.cookie);

    await withAtlas(t, browser, atlas.baseUrl, at(18, unit.geometry.coordinates), async ({ page }) => {
      await signIn(page, RETAIL.name, password);
      await page.locator('.login-role').waitFor({ state: 'visible' });
      const popup = await openUnitPopup(page, unit);
      await popup.getByRole('button', { name: 'Bewerken' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('.unit-edit-version').filter({ hasText: /Versie \d+/ }).waitFor();
      const history = await request('GET', `/api/shop_units/${unit.id}/history`, { cookie: login.cookie });
      const version = history.body.version;
      assert.equal(await dialog.locator('.unit-edit-version').textContent(), `Versie ${version}`);

      // Another editor saves first.
      const other = await request('POST', `/api/shop_units/${unit.id}/events`, {
        cookie: login.cookie,
        body: { valid_from: '2026-01-15', version, category: unit.properties.category === 'horeca' ? 'services' : 'horeca' },
      });
      assert.equal(other.status, 200, JSON.stringify(other.body));

      await dialog.getByLabel('Status').selectOption('renovation');
      await dialog.getByRole('button', { name: 'Opslaan' }).click();
      await dialog.getByText('Iemand anders heeft dit pand intussen gewijzigd').waitFor();
      const afterConflict = await request('GET', `/api/shop_units/${unit.id}/history`, { cookie: login.cookie });
      assert.equal(afterConflict.body.version, version + 1, 'the stale edit saved nothing');

      await dialog.getByRole('button', { name: 'Nieuwe versie laden' }).click();
      await dialog.locator('.unit-edit-version').filter({ hasText: `Versie ${version + 1}` }).waitFor();

      // A negative floor area: the server names the field and the form marks it.
      await dialog.getByLabel('Winkelvloeroppervlakte (m²)').fill('-5');
      await dialog.getByRole('button', { name: 'Opslaan' }).click();
      await dialog.getByText('controleer het veld "Winkelvloeroppervlakte (m²)"').waitFor();
      assert.equal(await dialog.getByLabel('Winkelvloeroppervlakte (m²)').getAttribute('aria-invalid'), 'true');
      const afterBad = await request('GET', `/api/shop_units/${unit.id}/history`, { cookie: login.cookie });
      assert.equal(afterBad.body.version, version + 1, 'the bad edit saved nothing');
    });
  });
});
