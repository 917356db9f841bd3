// Browser tests of "Nieuw handelspand" (panels/unit-create.ts): the retail team
// places a new shop unit on the map, fills in the form and creates it; the
// Leegstand figures and the map follow at once, and a refused field is marked
// with a Dutch reason while nothing is created. The server runs on its own
// copy of the demo (these tests write) with accounts made by `atlas user add`.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, launchBrowser, mapIdle, renderedFeatures, startAtlas, withAtlas } from './harness.mjs';
import { apiRequest, at, kpiText, openVacancy, signIn } from './tasks.mjs';

const RETAIL = { name: 'winkelteam', role: 'retail' };
const PLANNER = { name: 'planner', role: 'planner' };

let atlas;
let browser;
const request = (...args) => apiRequest(atlas.baseUrl, ...args);

before(async () => {
  atlas = await startAtlas({ writable: true, users: [RETAIL, PLANNER] });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await atlas?.stop();
});

const count = (value) => new Intl.NumberFormat('nl-BE', { maximumFractionDigits: 0 }).format(value);
/** Metres between two [lon, lat] points near Genk (equirectangular; ample for tens of metres). */
const metres = ([lon1, lat1], [lon2, lat2]) => Math.hypot((lon2 - lon1) * 111_320 * Math.cos((lat1 * Math.PI) / 180), (lat2 - lat1) * 110_574);

/** Whether [lon, lat] lies in a Polygon or MultiPolygon (even-odd over all rings). */
function inside([x, y], geometry) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let odd = false;
  for (const rings of polygons) {
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
      }
    }
  }
  return odd;
}

/**
 * A free spot in the city centre (shopping area `centrum`): inside the area,
 * at least 20 m from every existing unit (so the new unit is clicked alone),
 * the one closest to the middle of the centre's units.
 */
async function centreSpot(units) {
  const centrum = await getJson(atlas.baseUrl, '/api/layers/shopping_areas/features/centrum');
  const own = units.filter((unit) => unit.properties.area_id === 'centrum').map((unit) => unit.geometry.coordinates);
  assert.ok(own.length > 0, 'the demo has units in the centre');
  const middle = [own.reduce((sum, [lon]) => sum + lon, 0) / own.length, own.reduce((sum, [, lat]) => sum + lat, 0) / own.length];
  let best = null;
  for (let dx = -60; dx <= 60; dx += 1) {
    for (let dy = -60; dy <= 60; dy += 1) {
      const spot = [middle[0] + dx * 0.00005, middle[1] + dy * 0.00003];
      if (!inside(spot, centrum.geometry)) continue;
      if (units.some((unit) => metres(spot, unit.geometry.coordinates) < 20)) continue;
      const distance = metres(spot, middle);
      if (!best || distance < best.distance) best = { spot, distance };
    }
  }
  assert.ok(best, 'a free spot in the centre');
  return best.spot;
}

/** Where [lon, lat] is on the page, in page pixels. */
async function onPage(page, coordinates) {
  const box = await page.locator('#map').boundingBox();
  const point = await page.evaluate((c) => window.__atlasMap.project(c), coordinates);
  return { x: box.x + point.x, y: box.y + point.y };
}

/** The form's placed point, as the page keeps it. */
async function placed(page) {
  const data = await page.locator('.unit-create-form-box').evaluate((element) => ({ ...element.dataset }));
  return data.lon === undefined ? null : [Number(data.lon), Number(data.lat)];
}

/** How many shop units there are, as the API counts them. */
async function unitCount(cookie) {
  const { body } = await request('GET', '/api/layers/shop_units/features?limit=10000', { cookie });
  return body.features.length;
}

async function allUnits(cookie) {
  const { status, body } = await request('GET', '/api/layers/shop_units/features?limit=10000', { cookie });
  assert.equal(status, 200);
  return body.features;
}

describe('a new shop unit (Nieuw handelspand)', () => {
  test('the retail team places a vacant unit in the centre: the cards count it and the map shows it', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    const units = await allUnits(login.cookie);
    const spot = await centreSpot(units);
    const neighbour = [...units].sort((a, b) => metres(spot, a.geometry.coordinates) - metres(spot, b.geometry.coordinates))[0];
    const street = neighbour.properties.street;
    const address = `${street} 999`;

    const city = await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city');
    const date = city.date;
    const before = city.groups[0];
    const areaBefore = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=shopping_area&date=${date}`)).groups.find((group) => group.id === 'centrum');

    await withAtlas(t, browser, atlas.baseUrl, at(18, spot), async ({ page, errors }) => {
      await signIn(page, RETAIL.name, password);
      await openVacancy(page);
      assert.equal(await kpiText(page, 'city', 'units'), count(before.units));
      assert.equal(await kpiText(page, 'city', 'vacant'), count(before.vacant));

      await page.getByRole('button', { name: 'Nieuw handelspand' }).click();
      const form = page.locator('.unit-create-form');
      await form.waitFor({ state: 'visible' });
      assert.equal(await page.getByRole('button', { name: 'Nieuw handelspand' }).count(), 0, 'the action makes way for its form');

      // Placed a little east of the spot, then the pin is dragged onto it.
      const target = await onPage(page, spot);
      await page.mouse.click(target.x + 40, target.y);
      const marker = page.locator('.unit-create-marker');
      await marker.waitFor({ state: 'visible' });
      const first = await placed(page);
      assert.ok(first, 'the click placed the unit');
      assert.ok(first[0] > spot[0] && metres(first, spot) > 5, `placed east of the spot: ${first}`);
      assert.equal(await page.locator('.maplibregl-popup').count(), 0, 'placing opens no popup');

      const pin = await marker.boundingBox();
      const grab = { x: pin.x + pin.width / 2, y: pin.y + pin.height / 2 };
      await page.mouse.move(grab.x, grab.y);
      await page.mouse.down();
      await page.mouse.move(grab.x - 20, grab.y, { steps: 4 });
      await page.mouse.move(grab.x - 40, grab.y, { steps: 4 });
      await page.mouse.up();
      await page.waitForFunction(([lon]) => Number(document.querySelector('.unit-create-form-box')?.dataset.lon) < lon, first);
      const moved = await placed(page);
      assert.ok(metres(moved, spot) < 1.5, `the dragged pin sits on the spot: ${metres(moved, spot).toFixed(2)} m off`);

      await form.getByLabel('Adres').fill(address);
      await form.getByLabel('Straat').fill(street);
      await form.getByLabel('Branche').selectOption('periodic');
      assert.ok(await form.getByLabel('Soort').isDisabled(), 'only daily shops have a kind');
      await form.getByLabel('Status').selectOption('vacant');
      assert.ok(await form.getByLabel('Uitbater').isDisabled(), 'a vacant unit has no occupant');
      await form.getByLabel('Winkelvloeroppervlakte (m²)').fill('85,5');
      await form.getByLabel('Geldig vanaf').fill(date);
      await form.getByLabel('Notitie').fill('Nieuw in de inventaris');

      const answer = page.waitForResponse((response) => response.url().endsWith('/api/shop_units') && response.request().method() === 'POST');
      await form.getByRole('button', { name: 'Aanmaken' }).click();
      const response = await answer;
      assert.equal(response.status(), 201, await response.text());
      const sent = response.request().postDataJSON();
      assert.deepEqual(
        { ...sent, lon: undefined, lat: undefined },
        { lon: undefined, lat: undefined, address, street, category: 'periodic', status: 'vacant', floor_area_m2: 85.5, valid_from: date, note: 'Nieuw in de inventaris' },
        'no kind and no occupant are sent',
      );
      assert.ok(metres([sent.lon, sent.lat], moved) < 1e-6, 'the pin\'s point is sent');
      const { unit, version } = await response.json();
      assert.equal(version, 1);
      assert.equal(unit.status, 'vacant');
      assert.equal(unit.floor_area_m2, 85.5);
      assert.equal(unit.area_id, 'centrum', 'the server finds it in the centre');
      await page.getByText(`${address} is aangemaakt.`).waitFor();

      // The cards count it: one unit and one vacant unit more in Genk, as the API now says.
      await page.waitForFunction(
        ([units, vacant]) =>
          document.querySelector('[data-card="city"] [data-kpi="units"] .kpi-value')?.textContent === units &&
          document.querySelector('[data-card="city"] [data-kpi="vacant"] .kpi-value')?.textContent === vacant,
        [count(before.units + 1), count(before.vacant + 1)],
        { timeout: 30_000 },
      );
      const afterCity = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=city&date=${date}`)).groups[0];
      assert.equal(afterCity.units, before.units + 1);
      assert.equal(afterCity.vacant, before.vacant + 1);
      assert.equal(afterCity.occupied, before.occupied);
      for (const kpi of ['units', 'occupied', 'vacant']) assert.equal(await kpiText(page, 'city', kpi), count(afterCity[kpi]), kpi);
      const areaAfter = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=shopping_area&date=${date}`)).groups.find((group) => group.id === 'centrum');
      assert.equal(areaAfter.units, areaBefore.units + 1);
      assert.equal(areaAfter.vacant, areaBefore.vacant + 1);
      if ((await page.locator('[data-card="area"]').getAttribute('data-group-id')) === 'centrum') {
        assert.equal(await kpiText(page, 'area', 'vacant'), count(areaAfter.vacant));
      }

      // The map: the new unit's popup opens, and the unit is drawn where it was placed.
      const popup = page.locator(`.maplibregl-popup article.popup[data-feature-id="${unit.id}"]`);
      await popup.waitFor({ state: 'visible', timeout: 20_000 });
      await page.locator('.popup-status').waitFor({ state: 'detached', timeout: 10_000 });
      assert.equal(await popup.locator('.popup-title').textContent(), address);
      assert.equal(await popup.locator('dd[data-field="status"]').textContent(), 'Leeg');
      // Issue 19, item 11: 85,5 m² shows as typed, not rounded to 86 m².
      assert.equal(await popup.locator('dd[data-field="floor_area_m2"]').textContent(), '85,5 m²');
      await mapIdle(page);
      const drawn = (await renderedFeatures(page, 'shop_units')).find((feature) => String(feature.properties.id) === unit.id);
      assert.ok(drawn, 'the new unit is drawn on the map');
      assert.ok(metres(drawn.geometry.coordinates, moved) < 1, 'where it was placed');
      assert.equal(await page.locator('.unit-create-marker').count(), 0, 'the pin is gone');
      assert.equal(await page.getByRole('button', { name: 'Nieuw handelspand' }).count(), 1, 'the action is back');
      assert.deepEqual(errors, []);
    });
  });

  test('a refused field is marked in Dutch and nothing is created', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    const units = await allUnits(login.cookie);
    const spot = await centreSpot(units);
    const unitsBefore = units.length;
    const city = await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city');

    await withAtlas(t, browser, atlas.baseUrl, at(18, spot), async ({ page, context }) => {
      await signIn(page, RETAIL.name, password);
      await openVacancy(page);
      await page.getByRole('button', { name: 'Nieuw handelspand' }).click();
      const form = page.locator('.unit-create-form');
      await form.getByLabel('Adres').fill('Proefstraat 1');
      await form.getByLabel('Straat').fill('Proefstraat');
      await form.getByLabel('Branche').selectOption('daily');
      await form.getByLabel('Soort').selectOption('bakery');
      await form.getByLabel('Winkelvloeroppervlakte (m²)').fill('-5');
      await form.getByLabel('Uitbater').fill('Bakkerij Proef');
      const field = (name) => form.locator(`.form-field[data-field="${name}"]`);

      // Not placed yet: the form says to click the map before anything is sent.
      await form.getByRole('button', { name: 'Aanmaken' }).click();
      await field('location').locator('.form-field-error').filter({ hasText: 'Klik op de kaart om het pand te plaatsen.' }).waitFor();
      assert.equal(await form.locator('.form-message').textContent(), 'Niet aangemaakt: vul in of verbeter Ligging.');

      // Placed, a negative floor area: marked on that field with a Dutch reason.
      const target = await onPage(page, spot);
      await page.mouse.click(target.x, target.y);
      await page.locator('.unit-create-marker').waitFor({ state: 'visible' });
      await form.getByRole('button', { name: 'Aanmaken' }).click();
      const areaError = field('floor_area_m2').locator('.form-field-error');
      await areaError.filter({ hasText: 'Een winkelvloer is groter dan 0 m² en hoogstens 50.000 m².' }).waitFor();
      assert.equal(await form.locator('.form-message').textContent(), 'Niet aangemaakt: controleer het veld "Winkelvloeroppervlakte (m²)".');
      assert.equal(await form.getByLabel('Winkelvloeroppervlakte (m²)').getAttribute('aria-invalid'), 'true');
      assert.equal(await field('location').locator('.form-field-error').textContent(), '', 'the earlier mark is cleared');
      const shown = await form.textContent();
      assert.ok(!/sales floor|expected|invalid parameter/.test(shown), `no English from the server: ${shown}`);

      // Not a number.
      await form.getByLabel('Winkelvloeroppervlakte (m²)').fill('groot');
      await form.getByRole('button', { name: 'Aanmaken' }).click();
      await areaError.filter({ hasText: 'Geef een getal, bijvoorbeeld 120 of 85,5.' }).waitFor();

      // A date more than a year ahead.
      await form.getByLabel('Winkelvloeroppervlakte (m²)').fill('120');
      await form.getByLabel('Geldig vanaf').fill('2099-01-01');
      await form.getByRole('button', { name: 'Aanmaken' }).click();
      await field('valid_from').locator('.form-field-error').filter({ hasText: 'Kies een datum vanaf 1900 en hoogstens een jaar vooruit.' }).waitFor();

      // Signed out behind the page's back: the form offers to sign in again, and the top bar says signed out.
      await form.getByLabel('Geldig vanaf').fill(city.date);
      await context.clearCookies();
      await form.getByRole('button', { name: 'Aanmaken' }).click();
      await form.locator('.form-message').filter({ hasText: 'Niet aangemaakt: je bent niet meer aangemeld.' }).waitFor();
      await form.getByRole('group', { name: 'Opnieuw aanmelden' }).waitFor();
      await page.locator('.login-role').waitFor({ state: 'detached' });
      assert.equal(await form.getByLabel('Adres').inputValue(), 'Proefstraat 1', 'what was typed stays');

      assert.equal(await unitCount(login.cookie), unitsBefore, 'no unit was created');
      const cityAfter = (await getJson(atlas.baseUrl, `/api/vacancy/summary?by=city&date=${city.date}`)).groups[0];
      assert.equal(cityAfter.units, city.groups[0].units, 'the figures are unchanged');
    });
  });

  test('is offered only to the retail team and administrators', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await openVacancy(page);
      assert.ok(await page.getByRole('heading', { name: 'Leegstand', exact: true }).isVisible());
      assert.equal(await page.getByRole('button', { name: 'Nieuw handelspand' }).count(), 0, 'not for the public');

      const planner = atlas.passwords[PLANNER.name];
      const retail = atlas.passwords[RETAIL.name];
      assert.ok(planner && retail, 'the accounts were made for this test');
      await signIn(page, PLANNER.name, planner);
      assert.equal(await page.getByRole('button', { name: 'Nieuw handelspand' }).count(), 0, 'not for a planner');
      await page.getByRole('button', { name: 'Afmelden' }).click();
      await page.getByRole('button', { name: 'Aanmelden', exact: true }).waitFor();

      await signIn(page, RETAIL.name, retail);
      await page.getByRole('button', { name: 'Nieuw handelspand' }).waitFor({ state: 'visible' });
      // Signing out with the form open closes it and takes the action away.
      await page.getByRole('button', { name: 'Nieuw handelspand' }).click();
      await page.locator('.unit-create-form').waitFor({ state: 'visible' });
      await page.getByRole('button', { name: 'Afmelden' }).click();
      await page.getByRole('button', { name: 'Aanmelden', exact: true }).waitFor();
      assert.equal(await page.locator('.unit-create-form').count(), 0, 'the form is closed');
      assert.equal(await page.getByRole('button', { name: 'Nieuw handelspand' }).count(), 0, 'logged out, the action is not shown');
    });
  });
});
