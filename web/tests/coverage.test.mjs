// Browser tests of the Buurtaanbod panel: the figures a person reads and the
// colours on the map are the API's (checked neighbourhood by neighbourhood),
// a shop dropped in a poorly covered neighbourhood raises its share (and the
// page shows what the server answers for that very request), a shop's
// walking isochrones and the residents beyond reach appear on the map.
// Run with `npm run test:browser` (see harness.mjs for the environment).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bboxOf, getJson, launchBrowser, mapIdle, startAtlas, withAtlas } from './harness.mjs';
import { openCoverage } from './tasks.mjs';

let atlas;
let browser;

before(async () => {
  atlas = await startAtlas();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await atlas?.stop();
});

// ---- how the page writes numbers (nl-BE), computed independently of the page ----
const percent = (share, digits = 0) =>
  share === null ? '—' : new Intl.NumberFormat('nl-BE', { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(share);
const SHARE_COLOURS = ['#c2372b', '#f08a52', '#f6d77c', '#8fbfdc', '#3a6fb0'];
const colourOf = (share) => (share === null ? '#c4c9ce' : SHARE_COLOURS[Math.min(4, Math.floor(share / 0.2 + 1e-12))]);

/** Choropleth features drawn on screen now: code → share and fill colour. */
async function drawnChoropleth(page) {
  return page.evaluate(() => {
    const map = window.__atlasMap;
    const drawn = new Map();
    for (const feature of map.queryRenderedFeatures(undefined, { layers: ['coverage-choropleth-fill'] })) {
      const colour = feature.layer.paint['fill-color'];
      const hex = colour && typeof colour === 'object' && 'r' in colour ? `#${[colour.r, colour.g, colour.b].map((v) => Math.round(v * 255).toString(16).padStart(2, '0')).join('')}` : String(colour);
      drawn.set(feature.properties.code, { share: feature.properties.share ?? null, colour: hex });
    }
    return [...drawn.entries()];
  });
}

describe('the Buurtaanbod panel', () => {
  test('colours each neighbourhood by its share of residents within 800 m of a bakery', async (t) => {
    const api = await getJson(atlas.baseUrl, '/api/coverage?kind=bakery&threshold_m=800');
    assert.ok(api.neighbourhoods.length >= 31, 'the demo has the 31 wijken');
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page, errors, requests }) => {
      const panel = await openCoverage(page, 'Bakker', '800 m');

      // The city figure, in words.
      assert.equal(await panel.locator('.coverage-big').textContent(), percent(api.city.share));
      const sentence = await panel.locator('.coverage-sentence').textContent();
      assert.match(sentence, /binnen 800 m wandelen van een bakker/);

      // The legend: five classes of share and "no residents".
      const legend = panel.locator('.coverage-legend');
      assert.ok(await legend.getByRole('heading', { name: 'Aandeel inwoners binnen bereik' }).isVisible());
      assert.equal(await legend.locator('li').count(), 6);

      // The choropleth: every neighbourhood on screen carries the API's share and its class colour.
      const drawn = new Map(await drawnChoropleth(page));
      assert.ok(drawn.size >= 20, `most neighbourhoods are drawn at the city view (${drawn.size})`);
      const byCode = new Map(api.neighbourhoods.map((entry) => [entry.code, entry]));
      for (const [code, { share, colour }] of drawn) {
        const expected = byCode.get(code);
        assert.ok(expected, `the API knows ${code}`);
        assert.equal(share, expected.share, `${code}: share`);
        assert.equal(colour, colourOf(expected.share), `${code}: colour of ${expected.share}`);
      }
      assert.ok(new Set([...drawn.values()].map((entry) => entry.colour)).size >= 2, 'more than one class shows');

      // The table: one row per neighbourhood, worst covered first, the share as the API says.
      const rows = panel.locator('.coverage-table tbody tr');
      assert.equal(await rows.count(), api.neighbourhoods.length);
      const firstCode = await rows.first().getAttribute('data-code');
      const lowest = Math.min(...api.neighbourhoods.filter((entry) => entry.share !== null).map((entry) => entry.share));
      assert.equal(byCode.get(firstCode).share, lowest, 'sorted by share, lowest first');
      for (const entry of api.neighbourhoods.slice(0, 10)) {
        const cell = panel.locator(`.coverage-table tbody tr[data-code="${entry.code}"] td[data-column="share"]`);
        assert.equal((await cell.textContent()).trim(), percent(entry.share), entry.name);
      }
      // Sorting by share the other way puts the best covered first.
      await panel.getByRole('button', { name: 'Bereikt' }).click();
      assert.equal(await panel.locator('th[data-column="share"]').getAttribute('aria-sort'), 'descending');
      const highest = Math.max(...api.neighbourhoods.filter((entry) => entry.share !== null).map((entry) => entry.share));
      assert.equal(byCode.get(await rows.first().getAttribute('data-code')).share, highest);

      // A row zooms the map to its neighbourhood.
      const neighbourhoods = await getJson(atlas.baseUrl, '/api/layers/neighbourhoods/features?limit=10000');
      const lastCode = await rows.last().getAttribute('data-code');
      const polygon = neighbourhoods.features.find((feature) => feature.properties.code === lastCode);
      await rows.last().locator('th').click();
      await page.waitForFunction(() => window.__atlasMap.isMoving(), null, { timeout: 3_000 }).catch(() => {});
      await mapIdle(page);
      const [minLon, minLat, maxLon, maxLat] = bboxOf(polygon.geometry);
      const [[west, south], [east, north]] = await page.evaluate(() => window.__atlasMap.getBounds().toArray());
      assert.ok(west <= minLon && east >= maxLon && south <= minLat && north >= maxLat, `${polygon.properties.name} is in view`);
      assert.ok(east - west < 3 * (maxLon - minLon) + 0.02, 'and the map zoomed in on it');

      // The residents beyond reach: as many points as the API lists.
      const gaps = await getJson(atlas.baseUrl, '/api/coverage/gaps?kind=bakery&threshold_m=800');
      await panel.getByRole('checkbox', { name: 'Inwoners buiten bereik tonen' }).check();
      await panel.getByText(/buiten bereik$/).filter({ hasText: /adres/ }).waitFor({ timeout: 30_000 });
      const note = await panel.locator('.coverage-option .field-hint').textContent();
      const expectedCount = new Intl.NumberFormat('nl-BE').format(gaps.features.length);
      assert.ok(note.startsWith(gaps.features.length === 1 ? '1 adres' : `${expectedCount} adressen`), note);
      await mapIdle(page);
      if (gaps.features.length > 0) {
        const shown = await page.evaluate(() => window.__atlasMap.queryRenderedFeatures(undefined, { layers: ['coverage-gaps'] }).length);
        assert.ok(shown > 0, 'gap residents are drawn');
      }
      const origin = new URL(atlas.baseUrl).origin;
      assert.deepEqual(requests.filter((url) => !url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')), [], 'no request leaves the atlas');
      assert.deepEqual(errors, [], 'no errors in the console');
    });
  });

  test('a bakery dropped in a poorly covered neighbourhood raises its share', async (t) => {
    const api = await getJson(atlas.baseUrl, '/api/coverage?kind=bakery&threshold_m=800');
    const gaps = await getJson(atlas.baseUrl, '/api/coverage/gaps?kind=bakery&threshold_m=800');
    // The worst covered neighbourhood with people in it and a reachable resident beyond 800 m.
    const candidates = api.neighbourhoods
      .filter((entry) => entry.population >= 200 && entry.share !== null && entry.share < 0.9)
      .sort((a, b) => a.share - b.share);
    let target = null;
    let resident = null;
    for (const entry of candidates) {
      const inside = gaps.features.filter(
        (feature) => !feature.properties.unreachable && [entry.code, entry.name].includes(feature.properties.neighbourhood),
      );
      if (inside.length > 0) {
        target = entry;
        resident = inside.sort((a, b) => b.properties.population - a.properties.population)[0];
        break;
      }
    }
    assert.ok(target && resident, 'a poorly covered neighbourhood with a resident beyond reach');
    const [lon, lat] = resident.geometry.coordinates;

    await withAtlas(t, browser, atlas.baseUrl, `#16/${lat.toFixed(6)}/${lon.toFixed(6)}`, async ({ page, errors }) => {
      const panel = await openCoverage(page, 'Bakker', '800 m');
      await panel.getByRole('button', { name: 'Winkels plaatsen of weghalen' }).click();
      assert.equal(await panel.getByRole('button', { name: 'Klaar met plaatsen' }).getAttribute('aria-pressed'), 'true');

      // Click the map on the resident's address: that drops an imagined bakery there.
      const box = await page.locator('#map').boundingBox();
      const point = await page.evaluate(([lon, lat]) => window.__atlasMap.project([lon, lat]), [lon, lat]);
      const sent = page.waitForRequest((request) => request.url().endsWith('/api/coverage/whatif') && request.method() === 'POST');
      await page.mouse.click(box.x + point.x, box.y + point.y);
      const request = JSON.parse((await sent).postData());
      assert.equal(request.kind, 'bakery');
      assert.equal(request.threshold_m, 800);
      assert.equal(request.add.length, 1);
      assert.equal(request.add[0].kind, 'bakery');
      assert.ok(Math.abs(request.add[0].lon - lon) < 2e-5 && Math.abs(request.add[0].lat - lat) < 2e-5, 'the shop lies where the map was clicked');
      assert.equal(await page.locator('.maplibregl-popup').count(), 0, 'no feature popup while placing shops');
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.whatif === 'ready', null, { timeout: 30_000 });

      // The server's answer for that very request is what the page shows.
      const response = await fetch(`${atlas.baseUrl}/api/coverage/whatif`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
      assert.equal(response.status, 200);
      const whatIf = await response.json();
      const before = whatIf.before.neighbourhoods.find((entry) => entry.code === target.code);
      const afterEntry = whatIf.after.neighbourhoods.find((entry) => entry.code === target.code);
      assert.equal(before.share, target.share, 'before is today');
      assert.ok(afterEntry.share > before.share, `${target.name}: ${before.share} → ${afterEntry.share}`);

      const change = panel.locator(`.coverage-changes li[data-code="${target.code}"]`);
      await change.waitFor({ timeout: 10_000 });
      const text = await change.textContent();
      assert.ok(text.startsWith(`${target.name}: ${percent(before.share, 1)} → ${percent(afterEntry.share, 1)} (+`), text);
      assert.ok(await change.evaluate((element) => element.classList.contains('is-up')));
      // The table shows the share after the change and the rise.
      const row = panel.locator(`.coverage-table tbody tr[data-code="${target.code}"]`);
      assert.equal((await row.locator('td[data-column="share"]').textContent()).trim(), percent(afterEntry.share));
      assert.match(await row.locator('td[data-column="change"]').textContent(), /^\+\d/);
      // And the map is recoloured with it.
      await mapIdle(page);
      const drawn = new Map(await drawnChoropleth(page));
      assert.equal(drawn.get(target.code)?.share, afterEntry.share, 'the choropleth shows the share after');
      assert.equal(drawn.get(target.code)?.colour, colourOf(afterEntry.share));
      const added = await page.evaluate(() => window.__atlasMap.queryRenderedFeatures(undefined, { layers: ['coverage-whatif-added'] }).length);
      assert.equal(added, 1, 'the imagined bakery is drawn');

      // Undo: back to today's figures.
      await panel.getByRole('button', { name: 'Alles wissen' }).click();
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.whatif === 'none');
      assert.equal((await row.locator('td[data-column="share"]').textContent()).trim(), percent(target.share));

      // From the keyboard: Enter on the map places a shop in its centre.
      const centre = await page.evaluate(() => window.__atlasMap.getCenter().toArray());
      const typed = page.waitForRequest((request) => request.url().endsWith('/api/coverage/whatif'));
      await page.locator('.maplibregl-canvas').focus();
      await page.keyboard.press('Enter');
      const keyed = JSON.parse((await typed).postData());
      assert.equal(keyed.add.length, 1);
      assert.ok(Math.abs(keyed.add[0].lon - centre[0]) < 1e-6 && Math.abs(keyed.add[0].lat - centre[1]) < 1e-6, 'at the centre of the map');
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.whatif === 'ready', null, { timeout: 30_000 });
      assert.deepEqual(errors, [], 'no errors in the console');
    });
  });

  test('an imagined supermarket for the daily basket, which becomes a bakery when the question does', async (t) => {
    const gaps = await getJson(atlas.baseUrl, '/api/coverage/gaps?kind=daily&threshold_m=800');
    const units = await getJson(atlas.baseUrl, '/api/layers/shop_units/features?limit=10000');
    const daily = units.features.filter((unit) => ['supermarket', 'bakery', 'butcher', 'grocery'].includes(unit.properties.kind) && unit.geometry?.type === 'Point');
    // Metres between two [lon, lat] points near Genk (equirectangular is plenty at this range).
    const metres = ([a, b], [c, d]) => Math.hypot((c - a) * 111_320 * Math.cos((b * Math.PI) / 180), (d - b) * 110_540);
    // A resident beyond reach with no daily shop within 50 m, so the click drops a shop rather than removing one.
    const resident = gaps.features.find((feature) => !feature.properties.unreachable && daily.every((unit) => metres(unit.geometry.coordinates, feature.geometry.coordinates) > 50));
    assert.ok(resident, 'a resident beyond reach of the daily basket');
    const [lon, lat] = resident.geometry.coordinates;
    await withAtlas(t, browser, atlas.baseUrl, `#16/${lat.toFixed(6)}/${lon.toFixed(6)}`, async ({ page, errors }) => {
      const panel = await openCoverage(page, 'Dagelijks pakket', '800 m');
      await panel.getByRole('button', { name: 'Winkels plaatsen of weghalen' }).click();
      await panel.getByLabel('Soort nieuwe winkel').selectOption({ label: 'Supermarkt' });
      const box = await page.locator('#map').boundingBox();
      const point = await page.evaluate(([lon, lat]) => window.__atlasMap.project([lon, lat]), [lon, lat]);
      let sent = page.waitForRequest((request) => request.url().endsWith('/api/coverage/whatif'));
      await page.mouse.click(box.x + point.x, box.y + point.y);
      let request = JSON.parse((await sent).postData());
      assert.equal(request.kind, 'daily');
      assert.deepEqual(request.add.map((shop) => shop.kind), ['supermarket']);
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.whatif === 'ready', null, { timeout: 30_000 });
      const response = await fetch(`${atlas.baseUrl}/api/coverage/whatif`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
      const whatIf = await response.json();
      assert.ok(whatIf.after.city.covered > whatIf.before.city.covered, 'a supermarket covers the resident it stands by');
      assert.equal(await panel.locator('.coverage-changes li[data-code="city"]').count(), 1);
      assert.ok(await panel.getByText('Nieuwe supermarkt 1').isVisible());

      // The question changes to bakeries: the imagined shop is asked about as a bakery.
      sent = page.waitForRequest((request) => request.url().endsWith('/api/coverage/whatif'));
      await panel.getByRole('radio', { name: 'Bakker', exact: true }).check();
      request = JSON.parse((await sent).postData());
      assert.equal(request.kind, 'bakery');
      assert.deepEqual(request.add.map((shop) => shop.kind), ['bakery']);
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.whatif === 'ready', null, { timeout: 30_000 });
      assert.ok(await panel.getByText('Nieuwe bakker 1').isVisible());
      assert.deepEqual(errors, [], 'no errors in the console');
    });
  });

  test('a click on a bakery shows how far 400, 800 and 1,200 m of walking reach', async (t) => {
    const units = await getJson(atlas.baseUrl, '/api/layers/shop_units/features?limit=10000');
    const bakery = units.features.find((unit) => unit.properties.kind === 'bakery' && unit.properties.status === 'occupied' && unit.geometry?.type === 'Point');
    assert.ok(bakery, 'the demo has an open bakery');
    const [lon, lat] = bakery.geometry.coordinates;
    const isochrones = await getJson(atlas.baseUrl, `/api/coverage/isochrones?unit=${encodeURIComponent(bakery.id)}`);
    await withAtlas(t, browser, atlas.baseUrl, `#16/${lat.toFixed(6)}/${lon.toFixed(6)}`, async ({ page, errors }) => {
      const panel = await openCoverage(page, 'Bakker', '800 m');
      const box = await page.locator('#map').boundingBox();
      const point = await page.evaluate(([lon, lat]) => window.__atlasMap.project([lon, lat]), [lon, lat]);
      await page.mouse.click(box.x + point.x, box.y + point.y);
      await panel.getByRole('heading', { name: `Wandelbereik van ${bakery.properties.address}` }).waitFor({ timeout: 30_000 });
      await panel.locator('.coverage-isochrones .coverage-legend-list').waitFor({ state: 'visible', timeout: 30_000 });
      await mapIdle(page);
      const bands = await page.evaluate(() => [...new Set(window.__atlasMap.queryRenderedFeatures(undefined, { layers: ['coverage-isochrones-fill'] }).map((feature) => feature.properties.band))].sort((a, b) => a - b));
      const expected = [...new Set(isochrones.features.map((feature) => feature.properties.limit_m ?? feature.properties.threshold_m))].sort((a, b) => a - b);
      assert.deepEqual(bands, expected, 'the bands the server computed are drawn');
      assert.deepEqual(expected, [400, 800, 1200]);
      // Issue 19: the click shows the reach, not the shop's popup over it.
      assert.equal(await page.locator('.maplibregl-popup').count(), 0, 'no popup over the isochrones');
      assert.deepEqual(errors, [], 'no errors in the console');
    });
  });

  test('says quietly when the server has no coverage routes yet', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      // An older server: every coverage route answers 404.
      await page.route(/\/api\/coverage/, (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' }));
      await page.getByRole('tab', { name: 'Buurtaanbod' }).click();
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.state === 'unavailable', null, { timeout: 30_000 });
      const panel = page.getByRole('tabpanel', { name: 'Buurtaanbod' });
      assert.ok(await panel.getByRole('status').getByText('De berekening van het buurtaanbod is nog niet beschikbaar op deze server.').isVisible());
      assert.ok(!(await panel.locator('.coverage-table').isVisible()), 'no table without figures');
      assert.equal(await panel.getByRole('button', { name: 'Opnieuw proberen' }).count(), 0, 'nothing to retry: the route is not there');
    });
  });

  test('reads in English too', async (t) => {
    await withAtlas(
      t,
      browser,
      atlas.baseUrl,
      '',
      async ({ page }) => {
        await page.getByRole('tab', { name: 'Local shops' }).click();
        const panel = page.getByRole('tabpanel', { name: 'Local shops' });
        await panel.getByRole('radio', { name: 'Pharmacy', exact: true }).check();
        await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.state === 'ready', null, { timeout: 60_000 });
        assert.match(await panel.locator('.coverage-sentence').textContent(), /walk of a pharmacy$/);
        assert.ok(await panel.getByRole('button', { name: 'Place or remove shops' }).isVisible());
      },
      { lang: 'en' },
    );
  });
});
