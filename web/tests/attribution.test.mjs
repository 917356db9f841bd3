// The map credits its data sources (issue 11): the wijken's source and
// licence, in the page's language, always visible on the map; OpenStreetMap
// only where OSM data was imported (the server decides by the `osm-` ids an
// import leaves, see `model::provenance`).

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WEB_DIR, getJson, launchBrowser, startAtlas, withAtlas } from './harness.mjs';

const WIJKEN_NL = 'Wijken: © gemeentebesturen, verzameld door Data & Analyse van de Vlaamse provincies, Modellicentie Gratis Hergebruik';
const WIJKEN_EN = 'Neighbourhoods (wijken): © gemeentebesturen, verzameld door Data & Analyse van de Vlaamse provincies, Modellicentie Gratis Hergebruik';
const WIJKEN_URL = 'https://github.com/provinciesincijfers/gebiedsniveaus/blob/master/gemeente_statsec_wijken/readme.md';
const OSM_FIXTURE = path.resolve(WEB_DIR, '../tests/data/genk_centre.osm');

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** The credits control: its text, and whether a person sees it on the map. */
async function credits(page) {
  const control = page.locator('.atlas-credits');
  await control.waitFor({ state: 'visible', timeout: 30_000 });
  const box = await control.boundingBox();
  const map = await page.locator('#map').boundingBox();
  const inside = box.x >= map.x && box.y >= map.y && box.x + box.width <= map.x + map.width + 0.5 && box.y + box.height <= map.y + map.height + 0.5;
  // nothing covers it: the element at its middle is the control or inside it
  const onTop = await page.evaluate(() => {
    const control = document.querySelector('.atlas-credits');
    const rect = control.getBoundingClientRect();
    const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    return control.contains(hit);
  });
  return { text: (await control.textContent()).trim(), inside, onTop, box };
}

describe('the map credits the demo data', () => {
  let atlas;
  before(async () => {
    atlas = await startAtlas();
  });
  after(async () => {
    await atlas?.stop();
  });

  test('names the wijken source and licence in Dutch and English, and no OpenStreetMap', async (t) => {
    const layers = (await getJson(atlas.baseUrl, '/api/layers')).layers;
    const neighbourhoods = layers.find((layer) => layer.id === 'neighbourhoods');
    assert.deepEqual(neighbourhoods.sources.map((source) => source.id), ['wijken']);
    assert.ok(layers.every((layer) => !layer.sources.some((source) => source.id === 'openstreetmap')), 'the demo holds no OSM data');

    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const dutch = await credits(page);
      assert.equal(dutch.text, WIJKEN_NL);
      assert.ok(dutch.inside && dutch.onTop, `visible on the map: ${JSON.stringify(dutch)}`);
      assert.ok(dutch.box.height < 40, `one short line (${dutch.box.height} px)`);
      const link = page.getByRole('link', { name: WIJKEN_NL });
      assert.equal(await link.getAttribute('href'), WIJKEN_URL, 'the link the licence asks for');
      assert.equal(await page.getByRole('contentinfo', { name: 'Bronvermelding' }).count(), 1);

      await page.getByRole('button', { name: 'English' }).click();
      const english = await credits(page);
      assert.equal(english.text, WIJKEN_EN);
      assert.ok(english.inside && english.onTop, JSON.stringify(english));
      assert.equal(await page.getByRole('contentinfo', { name: 'Attribution' }).count(), 1);

      // the credits stay on the map whichever task's panel is open
      await page.getByRole('tab', { name: 'Local shops' }).click();
      assert.ok((await credits(page)).onTop, 'visible beside the coverage panel');
    });
  });
});

describe('the map credits OpenStreetMap where OSM data was imported', () => {
  let atlas;
  before(async () => {
    atlas = await startAtlas({ osm: OSM_FIXTURE });
  });
  after(async () => {
    await atlas?.stop();
  });

  test('adds © OpenStreetMap-bijdragers after the wijken', async (t) => {
    const layers = (await getJson(atlas.baseUrl, '/api/layers')).layers;
    const streets = layers.find((layer) => layer.id === 'streets');
    assert.deepEqual(streets.sources.map((source) => source.id), ['openstreetmap']);
    const tilejson = await getJson(atlas.baseUrl, '/tiles/shop_units.json');
    assert.match(tilejson.attribution, /© OpenStreetMap-bijdragers/);

    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const dutch = await credits(page);
      assert.equal(dutch.text, `${WIJKEN_NL} | © OpenStreetMap-bijdragers`);
      assert.ok(dutch.inside && dutch.onTop, JSON.stringify(dutch));
      const osm = page.getByRole('link', { name: '© OpenStreetMap-bijdragers' });
      assert.equal(await osm.getAttribute('href'), 'https://www.openstreetmap.org/copyright');
      await page.getByRole('button', { name: 'English' }).click();
      assert.equal((await credits(page)).text, `${WIJKEN_EN} | © OpenStreetMap contributors`);
    });
  });
});
