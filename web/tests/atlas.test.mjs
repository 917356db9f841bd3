// End-to-end tests of the atlas page in headless Chromium: what a person sees
// and does (layers drawn, a toggle, a popup, search, language, a shared link).
// Run with `npm run test:browser` (see harness.mjs for the environment).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bboxOf, getJson, launchBrowser, mapIdle, renderedFeatures, startAtlas, styleLayersOf, withAtlas } from './harness.mjs';

let atlas;
let browser;
let vennestraat; // [lon, lat] of the middle of Vennestraat, from the API

before(async () => {
  atlas = await startAtlas();
  browser = await launchBrowser();
  // Winterslag, where DOMAIN.md puts Vennestraat (about lat 50.977–50.982).
  const streets = await getJson(atlas.baseUrl, '/api/layers/streets/features?bbox=5.46,50.96,5.51,51.0&limit=10000');
  const segments = streets.features.filter((feature) => feature.properties.name === 'Vennestraat');
  assert.ok(segments.length > 0, 'the demo has a Vennestraat');
  const boxes = segments.map((feature) => bboxOf(feature.geometry));
  const box = [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
  vennestraat = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
});

after(async () => {
  await browser?.close();
  await atlas?.stop();
});

const at = (zoom, [lon, lat]) => `#${zoom}/${lat.toFixed(5)}/${lon.toFixed(5)}`;

describe('the atlas page', () => {
  test('opens in Dutch on Genk with a toggle per server layer and nothing from outside', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page, requests, errors }) => {
      assert.equal(await page.getAttribute('html', 'lang'), 'nl');
      assert.equal(await page.locator('.brand-name').textContent(), 'Genk Atlas');
      for (const task of ['Kaart', 'Leegstand', 'Uitbreiding', 'Buurtaanbod']) {
        assert.ok(await page.getByRole('tab', { name: task }).isVisible(), task);
      }
      assert.ok(await page.getByRole('heading', { name: 'Lagen' }).isVisible());

      const { layers } = await getJson(atlas.baseUrl, '/api/layers');
      for (const layer of layers) {
        const toggle = page.getByRole('checkbox', { name: layer.title_nl, exact: true });
        assert.equal(await toggle.count(), 1, `a toggle for ${layer.id}`);
      }

      // it opens on the whole city, from the data: every neighbourhood in
      // view, and the city filling the view on one axis at least
      const city = layers.find((layer) => layer.id === 'neighbourhoods').bbox;
      const [[west, south], [east, north]] = await page.evaluate(() => window.__atlasMap.getBounds().toArray());
      assert.ok(west <= city[0] && south <= city[1] && east >= city[2] && north >= city[3], `the city ${city} in view ${[west, south, east, north]}`);
      const filled = Math.max((city[2] - city[0]) / (east - west), (city[3] - city[1]) / (north - south));
      assert.ok(filled > 0.75, `the city fills the view (${filled.toFixed(2)})`);
      const zoom = await page.evaluate(() => window.__atlasMap.getZoom());
      assert.match(await page.evaluate(() => location.hash), new RegExp(`^#${Math.round(zoom * 100) / 100}/50\\.9\\d*/5\\.[45]`));
      assert.ok(await page.locator('.maplibregl-ctrl-scale').isVisible(), 'a scale bar');
      assert.match(await page.locator('.maplibregl-ctrl-scale').textContent(), /\d+\s*(m|km)$/);
      assert.ok(await page.getByRole('button', { name: 'Inzoomen' }).isVisible(), 'a zoom control in Dutch');

      const origin = new URL(atlas.baseUrl).origin;
      const outside = requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:'));
      assert.deepEqual(outside, [], 'no request leaves the atlas');
      assert.deepEqual(errors, [], 'no errors in the console (a style MapLibre refuses shows here)');
    });
  });

  test('draws shop units near Vennestraat', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, at(16, vennestraat), async ({ page }) => {
      const units = await renderedFeatures(page, 'shop_units');
      assert.ok(units.length > 0, 'shop units are drawn on screen');
      assert.ok(
        units.some((unit) => String(unit.properties.address ?? '').includes('Vennestraat') || unit.properties.street === 'Vennestraat'),
        `a drawn unit lies on Vennestraat: ${units.slice(0, 3).map((unit) => unit.properties.address).join(', ')}`,
      );
    });
  });

  test('hides shop units when their layer is switched off', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, at(16, vennestraat), async ({ page }) => {
      const toggle = page.getByRole('checkbox', { name: 'Handelspanden', exact: true });
      assert.ok(await toggle.isChecked());
      assert.ok((await renderedFeatures(page, 'shop_units', { withId: false })).length > 0);

      await toggle.uncheck();
      await mapIdle(page);
      assert.equal((await renderedFeatures(page, 'shop_units', { withId: false })).length, 0, 'no shop unit drawn');
      for (const id of await styleLayersOf(page, 'shop_units')) {
        assert.equal(await page.evaluate((id) => window.__atlasMap.getLayoutProperty(id, 'visibility'), id), 'none');
      }

      await toggle.check();
      await mapIdle(page);
      assert.ok((await renderedFeatures(page, 'shop_units', { withId: false })).length > 0, 'drawn again');
    });
  });

  test('opens a popup with the address when a shop unit is clicked', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, at(17, vennestraat), async ({ page }) => {
      const units = await renderedFeatures(page, 'shop_units');
      assert.ok(units.length > 0, 'a shop unit to click');
      const mapBox = await page.locator('#map').boundingBox();
      // The unit closest to the middle of the screen, so the popup has room.
      const points = await page.evaluate(
        (units) => units.map((unit) => ({ unit, point: window.__atlasMap.project(unit.geometry.coordinates) })),
        units,
      );
      const middle = { x: mapBox.width / 2, y: mapBox.height / 2 };
      points.sort((a, b) => Math.hypot(a.point.x - middle.x, a.point.y - middle.y) - Math.hypot(b.point.x - middle.x, b.point.y - middle.y));
      const { unit, point } = points[0];

      await page.mouse.click(mapBox.x + point.x, mapBox.y + point.y);
      const popup = page.locator('.maplibregl-popup');
      await popup.waitFor({ state: 'visible', timeout: 10_000 });
      await page.locator('.popup-status').waitFor({ state: 'detached', timeout: 10_000 });
      const text = await popup.textContent();
      assert.ok(text.includes(unit.properties.address), `the popup shows ${unit.properties.address}: ${text}`);
      assert.ok(await popup.getByText('Adres', { exact: true }).isVisible(), 'under the Dutch field title');
      const since = await popup.locator('dd[data-field="status_since"]').textContent();
      assert.match(since, /^\d{2}-\d{2}-\d{4}$/, 'dates read dd-mm-jjjj');
      const area = await popup.locator('dd[data-field="floor_area_m2"]').textContent();
      assert.match(area, /^[\d.]+(,\d+)? m²/, 'areas in m² with Dutch number formatting');

      await page.keyboard.press('Escape');
      await popup.waitFor({ state: 'detached', timeout: 5_000 });
    });
  });

  test('flies to Thor Park from the search box', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const parks = await getJson(atlas.baseUrl, '/api/layers/business_parks/features?limit=10000');
      const thor = parks.features.find((feature) => feature.properties.name === 'Thor Park');
      assert.ok(thor, 'the demo has Thor Park');
      const [minLon, minLat, maxLon, maxLat] = bboxOf(thor.geometry);

      const search = page.getByRole('combobox');
      await search.fill('thor');
      const option = page.getByRole('option', { name: /Thor Park/ });
      await option.waitFor({ state: 'visible', timeout: 15_000 });
      assert.match(await option.textContent(), /Bedrijventerrein/);
      await search.press('Enter');

      await page.waitForFunction(() => window.__atlasMap.isMoving(), null, { timeout: 5_000 }).catch(() => {});
      await mapIdle(page);
      const view = await page.evaluate(() => ({ zoom: window.__atlasMap.getZoom(), center: window.__atlasMap.getCenter(), bounds: window.__atlasMap.getBounds().toArray() }));
      assert.ok(view.center.lng > minLon && view.center.lng < maxLon && view.center.lat > minLat && view.center.lat < maxLat, `centre ${JSON.stringify(view.center)} lies in Thor Park`);
      assert.ok(view.zoom > 12.5, `zoomed in (${view.zoom})`);
      const [[west, south], [east, north]] = view.bounds;
      assert.ok(west <= minLon && east >= maxLon && south <= minLat && north >= maxLat, 'the whole park is in view');
      const hash = await page.evaluate(() => location.hash);
      assert.ok(hash.startsWith(`#${Math.round(view.zoom * 100) / 100}/`), `the URL follows the map (${hash})`);
    });
  });

  test('switches every label between Dutch and English', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      assert.ok(await page.getByRole('heading', { name: 'Lagen' }).isVisible());
      await page.getByRole('button', { name: 'English' }).click();
      assert.ok(await page.getByRole('heading', { name: 'Layers' }).isVisible());
      assert.equal(await page.getAttribute('html', 'lang'), 'en');
      for (const task of ['Map', 'Vacancy', 'Expansion', 'Local shops']) {
        assert.ok(await page.getByRole('tab', { name: task }).isVisible(), task);
      }
      assert.equal(await page.getByRole('checkbox', { name: 'Shop units', exact: true }).count(), 1);
      assert.ok(await page.getByRole('button', { name: 'Zoom in' }).isVisible());
      assert.match(await page.getByRole('combobox').getAttribute('placeholder'), /^Find/);

      await page.getByRole('button', { name: 'Nederlands' }).click();
      assert.ok(await page.getByRole('heading', { name: 'Lagen' }).isVisible());
      assert.equal(await page.getAttribute('html', 'lang'), 'nl');
    });
  });

  test('reopens the view a link names', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '#15.25/50.98/5.48', async ({ page }) => {
      const view = await page.evaluate(() => ({ zoom: window.__atlasMap.getZoom(), center: window.__atlasMap.getCenter() }));
      assert.ok(Math.abs(view.zoom - 15.25) < 0.01, `zoom ${view.zoom}`);
      assert.ok(Math.abs(view.center.lat - 50.98) < 1e-4 && Math.abs(view.center.lng - 5.48) < 1e-4, JSON.stringify(view.center));
    });
  });

  test('shows each task in its own panel, with the keyboard too', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await page.getByRole('tab', { name: 'Kaart' }).focus();
      await page.keyboard.press('ArrowRight');
      const vacancy = page.getByRole('tab', { name: 'Leegstand' });
      assert.equal(await vacancy.getAttribute('aria-selected'), 'true');
      const panel = page.getByRole('tabpanel', { name: 'Leegstand' });
      assert.ok(await panel.isVisible());
      assert.ok(!(await page.getByRole('heading', { name: 'Lagen' }).isVisible()), 'the layer panel is put away');
      // Leegstand: its heading, then the city's KPI card with the API's unit count.
      assert.ok(await panel.getByRole('heading', { name: 'Leegstand', level: 2 }).isVisible());
      await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'ready', null, { timeout: 30_000 });
      const city = (await getJson(atlas.baseUrl, '/api/vacancy/summary?by=city')).groups[0];
      const units = new Intl.NumberFormat('nl-BE', { maximumFractionDigits: 0 }).format(city.units);
      assert.equal(await panel.locator('[data-card="city"] [data-kpi="units"] .kpi-value').textContent(), units);
      assert.ok(await panel.getByRole('heading', { name: 'Genk', level: 3 }).isVisible(), 'the city card');

      // Buurtaanbod: its heading and the choice of shop kind.
      await page.getByRole('tab', { name: 'Buurtaanbod' }).click();
      const coverage = page.getByRole('tabpanel', { name: 'Buurtaanbod' });
      assert.ok(await coverage.getByRole('heading', { name: 'Buurtaanbod', level: 2 }).isVisible());
      assert.ok(await coverage.getByText('Soort winkel', { exact: true }).first().isVisible());
      assert.ok(!(await panel.isVisible()), 'the Leegstand panel is put away');

      // Uitbreiding: its heading and the request form.
      await page.getByRole('tab', { name: 'Uitbreiding' }).click();
      const expansion = page.getByRole('tabpanel', { name: 'Uitbreiding' });
      assert.ok(await expansion.getByRole('heading', { name: 'Uitbreiding', level: 2 }).isVisible());
      assert.ok(await expansion.getByLabel('Activiteit', { exact: true }).isVisible());
      assert.ok(await expansion.getByRole('button', { name: 'Zoeken', exact: true }).isVisible());

      // None of them is a placeholder any more.
      assert.equal(await page.getByText('Komt binnenkort').count(), 0);
    });
  });
});
