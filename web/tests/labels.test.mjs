// The map speaks (issue 14): street, district, area and place names are drawn
// from glyphs the atlas serves itself; no label is ever an occupant for the
// public; nothing is fetched from outside the atlas. A screenshot of the map
// at z15 around Vennestraat is kept in web/test-results/ as an artefact.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RESULTS_DIR, getJson, launchBrowser, mapIdle, startAtlas, withAtlas } from './harness.mjs';
import { apiRequest, at } from './tasks.mjs';

const RETAIL = { name: 'winkel', role: 'retail' };

let browser;
let atlas;
before(async () => {
  browser = await launchBrowser();
  atlas = await startAtlas({ writable: true, users: [RETAIL] });
});
after(async () => {
  await browser?.close();
  await atlas?.stop();
});

/** The texts of the labels drawn now (placed, not hidden by a collision), by atlas layer and label layer. */
async function drawnLabels(page) {
  return page.evaluate(() => {
    const map = window.__atlasMap;
    const labelLayers = map.getStyle().layers.filter((layer) => layer.type === 'symbol' && layer.metadata?.['atlas:role'] === 'label');
    return map.queryRenderedFeatures(undefined, { layers: labelLayers.map((layer) => layer.id) }).map((feature) => {
      const layer = labelLayers.find((candidate) => candidate.id === feature.layer.id);
      const field = layer.layout['text-field'].flat(Infinity).find((part) => part !== 'get' && part !== 'upcase');
      return { styleLayer: layer.id, atlasLayer: layer.metadata['atlas:layer'], text: String(feature.properties[field]), id: feature.properties.id };
    });
  });
}

const names = async (layer) => (await getJson(atlas.baseUrl, `/api/layers/${layer}/features?limit=10000`)).features;

describe('labels on the map', () => {
  test('district, area and main street names at z13, from the atlas\'s own glyphs', async (t) => {
    const districts = new Set((await names('neighbourhoods')).map((feature) => feature.properties.name));
    const streets = await names('streets');
    const major = new Set(streets.filter((street) => ['motorway', 'primary', 'secondary'].includes(street.properties.class)).map((street) => street.properties.name));
    await withAtlas(t, browser, atlas.baseUrl, '#13/50.9650/5.5000', async ({ page, requests }) => {
      const labels = await drawnLabels(page);
      const drawnDistricts = labels.filter((label) => label.atlasLayer === 'neighbourhoods');
      assert.ok(drawnDistricts.length >= 5, `district names drawn: ${drawnDistricts.map((label) => label.text)}`);
      for (const label of drawnDistricts) assert.ok(districts.has(label.text), `${label.text} is a district`);
      // each district's name once: its label point is in one tile
      assert.equal(new Set(drawnDistricts.map((label) => label.id)).size, drawnDistricts.length, 'a district named twice');
      const drawnStreets = labels.filter((label) => label.styleLayer === 'streets-label-major');
      assert.ok(drawnStreets.length >= 3, `main street names drawn: ${drawnStreets.map((label) => label.text)}`);
      for (const label of drawnStreets) assert.ok(major.has(label.text), `${label.text} is a main street`);
      assert.equal(labels.filter((label) => label.styleLayer === 'streets-label-minor').length, 0, 'no residential street names at z13');
      assert.ok(labels.some((label) => label.atlasLayer === 'places'), 'place names drawn');
      const glyphs = requests.filter((url) => new URL(url).pathname.startsWith('/fonts/'));
      assert.ok(glyphs.some((url) => url.endsWith('/0-255.pbf')), `glyphs asked: ${glyphs}`);
      const outside = requests.filter((url) => !url.startsWith(atlas.baseUrl) && !url.startsWith('data:') && !url.startsWith('blob:'));
      assert.deepEqual(outside, [], 'nothing is fetched from outside the atlas');
    });
  });

  test('at z15 around Vennestraat the streets are named along them; the screenshot is kept', async (t) => {
    const venne = (await names('streets')).find((street) => street.properties.name === 'Vennestraat');
    const [lon, lat] = venne.geometry.coordinates[Math.floor(venne.geometry.coordinates.length / 2)];
    await withAtlas(t, browser, atlas.baseUrl, at(15, [lon, lat]), async ({ page }) => {
      const labels = await drawnLabels(page);
      const streetNames = new Set(labels.filter((label) => label.atlasLayer === 'streets').map((label) => label.text));
      assert.ok(streetNames.has('Vennestraat'), `street names: ${[...streetNames]}`);
      assert.ok(labels.some((label) => label.styleLayer === 'streets-label-minor'), 'residential streets named from z15');
      assert.ok(labels.some((label) => label.atlasLayer === 'shopping_areas' && label.text === 'Vennestraat'), 'the shopping area is named');
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS_DIR, 'labels-vennestraat-z15.png') });
    });
  });

  test('shops are labelled by address, never by occupant, for the public and the retail team alike', async (t) => {
    const login = await apiRequest(atlas.baseUrl, 'POST', '/api/session', { body: { name: RETAIL.name, password: atlas.passwords[RETAIL.name] } });
    assert.equal(login.status, 200);
    const units = (await apiRequest(atlas.baseUrl, 'GET', '/api/layers/shop_units/features?limit=10000', { cookie: login.cookie })).body.features;
    const occupants = new Set(units.map((unit) => unit.properties.occupant).filter(Boolean));
    assert.ok(occupants.size > 100, 'the demo has occupants to leak');
    const street = units.filter((unit) => unit.properties.street === 'Vennestraat');
    const [lon, lat] = street[Math.floor(street.length / 2)].geometry.coordinates;
    await withAtlas(t, browser, atlas.baseUrl, at(18, [lon, lat]), async ({ page }) => {
      let addresses = (await drawnLabels(page)).filter((label) => label.atlasLayer === 'shop_units');
      assert.ok(addresses.length >= 3, `addresses drawn at z18: ${addresses.map((label) => label.text)}`);
      const known = new Set(units.map((unit) => unit.properties.address));
      for (const label of addresses) assert.ok(known.has(label.text), `${label.text} is an address`);
      const texts = (await drawnLabels(page)).map((label) => label.text);
      assert.deepEqual(texts.filter((text) => occupants.has(text)), [], 'no label is an occupant');
      // signed in as retail the labels are still addresses (tiles never hold an occupant)
      await page.context().addCookies([{ name: login.cookie.split('=')[0], value: login.cookie.split('=').slice(1).join('='), url: atlas.baseUrl }]);
      await page.reload();
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
      await mapIdle(page);
      addresses = (await drawnLabels(page)).filter((label) => label.atlasLayer === 'shop_units');
      assert.ok(addresses.length >= 3);
      assert.deepEqual((await drawnLabels(page)).map((label) => label.text).filter((text) => occupants.has(text)), []);
    });
  });

  test('switching a layer off takes its labels with it', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '#13/50.9650/5.5000', async ({ page }) => {
      assert.ok((await drawnLabels(page)).some((label) => label.atlasLayer === 'neighbourhoods'));
      await page.getByRole('checkbox', { name: /^Wijken/ }).uncheck();
      await mapIdle(page);
      assert.deepEqual((await drawnLabels(page)).filter((label) => label.atlasLayer === 'neighbourhoods'), []);
    });
  });
});
