// Dates typed in forms read dd-mm-jjjj in Dutch whatever the browser's own
// locale (issue 14): in an English (en-US) Chromium, where a `type="date"`
// field would show mm/dd/yyyy, the Uitbreiding and Buurtaanbod date fields
// show and read dd-mm-jjjj, send ISO dates, refuse a date that does not
// exist, and keep the date across a language switch.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, launchBrowser, mapIdle, startAtlas } from './harness.mjs';

let browser;
let atlas;
before(async () => {
  browser = await launchBrowser();
  atlas = await startAtlas();
});
after(async () => {
  await browser?.close();
  await atlas?.stop();
});

/** The atlas in Dutch in a browser whose own locale is American English. */
async function englishBrowserDutchAtlas() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${atlas.baseUrl}/?lang=nl`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
  await mapIdle(page);
  assert.equal(await page.evaluate(() => navigator.language), 'en-US');
  return { context, page };
}

describe('dates typed as dd-mm-jjjj', () => {
  test('Uitbreiding: typed the Dutch way, sent as ISO, a wrong date refused, kept across a language switch', async () => {
    const { context, page } = await englishBrowserDutchAtlas();
    try {
      await page.getByRole('tab', { name: 'Uitbreiding' }).click();
      const panel = page.getByRole('tabpanel', { name: 'Uitbreiding' });
      const field = panel.getByLabel('Nodig tegen');
      assert.equal(await field.getAttribute('type'), 'text');
      assert.equal(await field.getAttribute('placeholder'), 'dd-mm-jjjj');
      await panel.getByLabel('Activiteit', { exact: true }).selectOption({ label: 'Logistiek' });

      // a date that does not exist: marked, said beside the field, nothing sent
      await field.fill('31-02-2026');
      await field.press('Tab');
      assert.equal(await field.getAttribute('aria-invalid'), 'true');
      assert.match(await panel.locator('.date-message').first().textContent(), /Geen datum/);
      let sentWrong = false;
      const spy = (request) => {
        if (request.url().endsWith('/api/sites/search')) sentWrong = true;
      };
      page.on('request', spy);
      await panel.getByRole('button', { name: 'Zoeken', exact: true }).click();
      await page.waitForTimeout(500);
      page.off('request', spy);
      assert.equal(sentWrong, false, 'no search with a wrong date');
      assert.match(await panel.textContent(), /Nodig tegen is geen datum/);

      // typed short, written back in full, sent as ISO
      await field.fill('5-12-2026');
      await field.press('Tab');
      assert.equal(await field.inputValue(), '05-12-2026');
      assert.equal(await field.getAttribute('aria-invalid'), null);
      const sent = page.waitForRequest((request) => request.url().endsWith('/api/sites/search') && request.method() === 'POST');
      await panel.getByRole('button', { name: 'Zoeken', exact: true }).click();
      assert.equal(JSON.parse((await sent).postData()).needed_by, '2026-12-05');

      // the language switch keeps the date and changes the hint
      await page.getByRole('button', { name: 'English' }).click();
      const english = page.getByRole('tabpanel', { name: 'Expansion' }).getByLabel('Needed by');
      assert.equal(await english.inputValue(), '05-12-2026');
      assert.equal(await english.getAttribute('placeholder'), 'dd-mm-yyyy');
    } finally {
      await context.close();
    }
  });

  test('Buurtaanbod: the date of the figures reads dd-mm-jjjj and a typed one is asked for as ISO', async () => {
    const { context, page } = await englishBrowserDutchAtlas();
    try {
      await page.getByRole('tab', { name: 'Buurtaanbod' }).click();
      const panel = page.getByRole('tabpanel', { name: 'Buurtaanbod' });
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.state === 'ready', null, { timeout: 60_000 });
      const field = panel.getByLabel('Toestand op');
      const newest = (await getJson(atlas.baseUrl, '/api/coverage?kind=bakery&threshold_m=800')).date.slice(0, 10);
      const [year, month, day] = newest.split('-');
      assert.equal(await field.inputValue(), `${day}-${month}-${year}`, 'the figures\' date, written dd-mm-jjjj');
      const asked = page.waitForRequest((request) => request.url().includes('/api/coverage?') && request.url().includes('date=2025-06-01'));
      await field.fill('01-06-2025');
      await field.press('Enter');
      await field.press('Tab');
      await asked;
    } finally {
      await context.close();
    }
  });
});
