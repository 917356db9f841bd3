// Browser tests of what the city's users ran into (issue 19), each named after
// the problem it guards against: Dutch number input, the site reasons in the
// interface's language, the printed site sheet,
// an expired session in the edit dialog, the confirmation after a save, the
// new-unit form's checks, the known places in the search box, the canal beside
// the quays and the panels at phone and tablet size. A Dutch
// (nl-BE) browser throughout; the server runs on its own copy of the demo.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RESULTS_DIR, launchBrowser, mapIdle, renderedFeatures, startAtlas, withAtlas } from './harness.mjs';
import { apiRequest, at, kpiText, loneOccupiedUnits, openCoverage, openUnitPopup, openVacancy, signIn } from './tasks.mjs';

const RETAIL = { name: 'winkelteam', role: 'retail' };
const PHONE = { width: 390, height: 844 };
const TABLET = { width: 820, height: 1180 };
const ddmmyyyy = (iso) => `${iso.slice(8, 10)}-${iso.slice(5, 7)}-${iso.slice(0, 4)}`;

let atlas;
let browser;
const request = (...args) => apiRequest(atlas.baseUrl, ...args);

before(async () => {
  atlas = await startAtlas({ writable: true, users: [RETAIL] });
  browser = await launchBrowser();
  mkdirSync(RESULTS_DIR, { recursive: true });
});

after(async () => {
  await browser?.close();
  await atlas?.stop();
});

/** The Uitbreiding form with logistics on the quay; returns the panel. */
async function openExpansion(page) {
  await page.getByRole('tab', { name: 'Uitbreiding' }).click();
  const panel = page.getByRole('tabpanel', { name: 'Uitbreiding' });
  await panel.getByLabel('Activiteit', { exact: true }).selectOption({ label: 'Logistiek' });
  await panel.getByRole('checkbox', { name: 'Kaai aan het kanaal' }).check();
  return panel;
}

/** Press Zoeken and return the JSON the page sent. */
async function search(page, panel) {
  const sent = page.waitForRequest((r) => r.url().endsWith('/api/sites/search') && r.method() === 'POST');
  await panel.getByRole('button', { name: 'Zoeken', exact: true }).click();
  const body = JSON.parse((await sent).postData());
  await page.waitForFunction(() => document.getElementById('panel-expansion')?.dataset.state === 'ready', null, { timeout: 30_000 });
  return body;
}

const reading = (panel, label) => panel.getByLabel(label).locator('xpath=following-sibling::*[contains(@class, "number-reading")][1]');

describe('issue 19: what the users ran into', () => {
  // First of the edits: it needs the demo's own newest date, before any edit dated today.
  test('an edit moves the reporting date without a word: the chosen date stays, and the panel offers the newer data', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    const [, , unit] = await loneOccupiedUnits(atlas.baseUrl, login.cookie);
    const newest = (await request('GET', '/api/vacancy/trend?by=city')).body.to;
    const today = new Date().toISOString().slice(0, 10);
    assert.ok(newest < today, `the demo's data end before today (${newest})`);
    const candidates = async (date) => (await request('GET', `/api/vacancy/summary?by=city&date=${date}`)).body.groups[0].register_candidates;
    const candidatesBefore = await candidates(newest);

    await withAtlas(t, browser, atlas.baseUrl, at(18, unit.geometry.coordinates), async ({ page }) => {
      await signIn(page, RETAIL.name, password);
      await openVacancy(page);
      const shown = page.locator('.vacancy-date-value');
      assert.equal(await shown.textContent(), ddmmyyyy(newest));
      const popup = await openUnitPopup(page, unit);
      await popup.getByRole('button', { name: 'Bewerken' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('.unit-edit-version').filter({ hasText: /Versie \d+/ }).waitFor();
      assert.equal(await dialog.getByLabel('Geldig vanaf').inputValue(), ddmmyyyy(today), 'an edit is dated today unless told otherwise');
      await dialog.getByLabel('Status').selectOption('renovation');
      await dialog.getByRole('button', { name: 'Opslaan' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });

      const note = page.locator('.vacancy-newer');
      await note.waitFor({ state: 'visible', timeout: 20_000 });
      await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'ready');
      assert.equal(await shown.textContent(), ddmmyyyy(newest), 'the chosen date stays');
      assert.equal(await note.locator('span').textContent(), `Er zijn nieuwere gegevens, tot ${ddmmyyyy(today)}; de cijfers blijven op de gekozen datum. `);
      await page.locator('#panel-vacancy').screenshot({ path: path.join(RESULTS_DIR, 'vacancy-newer-data.png') });
      assert.equal(await kpiText(page, 'city', 'register_candidates'), new Intl.NumberFormat('nl-BE').format(candidatesBefore), 'the figures are those of the chosen date');

      await note.getByRole('button', { name: `Naar ${ddmmyyyy(today)}` }).click();
      await page.waitForFunction((expected) => document.querySelector('.vacancy-date-value')?.textContent === expected, ddmmyyyy(today));
      await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'ready');
      assert.ok(await note.isHidden(), 'the note goes with the move');
    });
  });

  test('the Leegstand error state has no retry: a failed load says so with a retry and hides the half-filled controls', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      let fail = true;
      await page.route('**/api/vacancy/trend**', (route) => (fail ? route.fulfill({ status: 503, body: '{"error":"down"}', contentType: 'application/json' }) : route.continue()));
      await page.getByRole('tab', { name: 'Leegstand' }).click();
      await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'error', null, { timeout: 30_000 });
      const panel = page.locator('#panel-vacancy');
      assert.equal(await panel.locator('.vacancy-status').textContent(), 'De leegstandscijfers konden niet geladen worden. Opnieuw proberen');
      assert.ok(await panel.locator('.vacancy-date').isHidden(), 'no date slider without figures');
      assert.ok(await panel.locator('.kpi-cards').isHidden(), 'no empty cards');
      fail = false;
      await panel.getByRole('button', { name: 'Opnieuw proberen' }).click();
      await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'ready', null, { timeout: 30_000 });
      assert.ok(await panel.locator('.kpi-cards').isVisible());
    });
  });

  test('Dutch numbers are misread: 5.000 and 10.000 m² are sent as five and ten thousand, and the field says what it read', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const panel = await openExpansion(page);
      await panel.getByLabel('Oppervlakte van (m²)').fill('5.000');
      await panel.getByLabel('tot (m²)').fill('10.000');
      assert.equal(await reading(panel, 'Oppervlakte van (m²)').textContent(), 'gelezen als 5.000 m²');
      assert.equal(await reading(panel, 'tot (m²)').textContent(), 'gelezen als 10.000 m² (1 ha)');
      const sent = await search(page, panel);
      assert.equal(sent.min_area_m2, 5000);
      assert.equal(sent.max_area_m2, 10000);
      assert.ok((await panel.locator('.site-card').count()) > 0, 'sites are found, not "Geen sites voldoen"');

      // Every way a Fleming types a number, read as meant and shown back.
      const field = panel.getByLabel('Oppervlakte van (m²)');
      for (const [typed, shown] of [
        ['5000', '5.000 m²'],
        ['85,5', '85,5 m²'],
        ['1.234,5', '1.234,5 m²'],
        ['1 250', '1.250 m²'],
        ['85.5', '85,5 m²'],
        ['2.500.000', '2.500.000 m² (250 ha)'],
      ]) {
        await field.fill(typed);
        assert.equal(await reading(panel, 'Oppervlakte van (m²)').textContent(), `gelezen als ${shown}`, typed);
        assert.equal(await field.inputValue(), typed, 'what was typed stays as typed');
      }
    });
  });

  test('Dutch numbers are misread: a value that cannot be read is marked, never changed, and nothing is sent', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page, requests }) => {
      const panel = await openExpansion(page);
      await panel.getByLabel('Oppervlakte van (m²)').fill('5.0.0');
      await panel.getByLabel('Maximumprijs (€/m²)').fill('veel');
      const before = requests.filter((url) => url.endsWith('/api/sites/search')).length;
      await panel.getByRole('button', { name: 'Zoeken', exact: true }).click();
      await panel.getByText('Niet gezocht: Oppervlakte van (m²), Maximumprijs (€/m²) is geen getal.', { exact: false }).waitFor();
      for (const label of ['Oppervlakte van (m²)', 'Maximumprijs (€/m²)']) {
        assert.equal(await panel.getByLabel(label).getAttribute('aria-invalid'), 'true', label);
        assert.match(await reading(panel, label).textContent(), /^Geen getal/);
      }
      assert.equal(await panel.getByLabel('Oppervlakte van (m²)').inputValue(), '5.0.0', 'the value is not changed');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'min_area_m2', 'the first unreadable field has the focus');
      assert.equal(requests.filter((url) => url.endsWith('/api/sites/search')).length, before, 'nothing was sent');
    });
  });

  test('Dutch numbers are misread: in English, 5,000 and 85.5 read the English way', async (t) => {
    await withAtlas(
      t,
      browser,
      atlas.baseUrl,
      '',
      async ({ page }) => {
        await page.getByRole('tab', { name: 'Expansion' }).click();
        const panel = page.getByRole('tabpanel', { name: 'Expansion' });
        await panel.getByLabel('Area from (m²)').fill('5,000');
        assert.equal(await reading(panel, 'Area from (m²)').textContent(), 'read as 5,000 m²');
        await panel.getByLabel('Area from (m²)').fill('85.5');
        assert.equal(await reading(panel, 'Area from (m²)').textContent(), 'read as 85.5 m²');
      },
      { lang: 'en' },
    );
  });

  test('site reasons follow the language: in English the reasons and their numbers are English, and a switch asks again', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const dutchWords = /hemelsbreed|gewenst|bouwrijp|percelen|gemiddeld|prijs|niet |afrit|aansluiting| van | tot |te klein|te groot|beschikbaar/;
      const reasonsOf = (card) => card.locator('.criterion-reason').allTextContents();
      const panel = await openExpansion(page);
      await panel.getByLabel('Oppervlakte van (m²)').fill('5.000');
      await panel.getByLabel('tot (m²)').fill('10.000');
      assert.equal((await search(page, panel)).lang, 'nl', 'the Dutch interface asks in Dutch');
      // by id: the panel's name changes with the language
      const card = page.locator('#panel-expansion .site-card').first();
      const dutch = await reasonsOf(card);
      assert.ok(dutch.some((reason) => reason.includes('hemelsbreed')), dutch.join(' | '));
      assert.ok(dutch.includes(`${(await card.locator('.site-area').textContent()).replace(/ \(.*\)$/, '')}, gewenst 7.500 m²`), dutch.join(' | '));
      const firstSite = await card.getAttribute('data-site-id');

      // the switch asks again for the list on screen, in English
      const asked = page.waitForRequest((r) => r.url().endsWith('/api/sites/search') && r.method() === 'POST');
      await page.getByRole('button', { name: 'English' }).click();
      const again = JSON.parse((await asked).postData());
      assert.equal(again.lang, 'en');
      assert.equal(again.offset, 0);
      await page.waitForFunction(() => document.querySelector('#panel-expansion .site-card .criterion-reason')?.textContent.includes('in a straight line'), null, { timeout: 30_000 });
      const english = await reasonsOf(card);
      assert.equal(await card.getAttribute('data-site-id'), firstSite, 'the same site first');
      assert.equal(english.length, dutch.length);
      const byCriterion = async (name) => card.locator(`.site-criterion[data-criterion="${name}"] .criterion-reason`).textContent();
      assert.match(await byCriterion('motorway'), /^(\d{1,3} m|\d+\.\d km) in a straight line to (exit|junction) /);
      assert.match(await byCriterion('area_fit'), /^(\d (adjacent parcels together) )?\d{1,2},\d{3} m², wanted 7,500 m²$/);
      assert.match(await byCriterion('price'), /^(on average )?€\d{2,3}(\.\d{2})?\/m²$/);
      assert.match(await byCriterion('ready'), /ready to build$/);
      for (const reason of english) assert.doesNotMatch(reason, dutchWords, `Dutch in "${reason}"`);
      // the typed areas keep their value in English (not "10.000" read as ten)
      const expansion = page.getByRole('tabpanel', { name: 'Expansion' });
      assert.equal(await expansion.getByLabel('Area from (m²)').inputValue(), '5,000');
      assert.equal(await expansion.getByLabel('to (m²)').inputValue(), '10,000');

      // a search in English asks in English, the parcels ruled out too
      const sent = page.waitForRequest((r) => r.url().endsWith('/api/sites/search') && r.method() === 'POST');
      await expansion.getByRole('button', { name: 'Search', exact: true }).click();
      const sentBody = JSON.parse((await sent).postData());
      assert.equal(sentBody.lang, 'en');
      assert.equal(sentBody.max_area_m2, 10000);
      await page.waitForFunction(() => document.getElementById('panel-expansion')?.dataset.state === 'ready', null, { timeout: 30_000 });
      const ruledOut = await page.locator('#panel-expansion .explain-list li').allTextContents();
      assert.ok(ruledOut.length > 0, 'the closest parcels ruled out are listed');
      for (const line of ruledOut) assert.doesNotMatch(line.split(': ').slice(1).join(': '), dutchWords, `Dutch in "${line}"`);
      assert.ok(ruledOut.some((line) => / in a straight line to the nearest quay \(.*\), more than 500 m|not available: /.test(line)), ruledOut.join(' | '));
    });
  });

  test('the printed site sheet loses its title: page 1 of the PDF starts with the park, site, area and score, and holds the request', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const panel = await openExpansion(page);
      await panel.getByLabel('Oppervlakte van (m²)').fill('5.000');
      await panel.getByLabel('tot (m²)').fill('10.000');
      await search(page, panel);
      await panel.locator('.site-card').first().getByRole('button', { name: /^Vestigingsfiche van / }).click();
      const sheet = page.getByRole('dialog', { name: /^Vestigingsfiche van / });
      await sheet.locator('.sheet').waitFor({ timeout: 30_000 });
      const title = await sheet.locator('.sheet-title').textContent();
      const area = await sheet.locator('dd[data-field="area"]').textContent();
      const requestLine = await sheet.locator('.sheet-section').last().locator('p').textContent();

      const file = path.join(RESULTS_DIR, 'site-sheet.pdf');
      writeFileSync(file, await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true }));
      const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))[1]);
      const first = execFileSync('pdftotext', ['-f', '1', '-l', '1', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      assert.equal(pages, 1, 'the sheet fits on one A4 page');
      assert.ok(first.includes(title), `page 1 has the title "${title}": ${first.slice(0, 300)}`);
      assert.ok(first.includes(area.replace(/\s+/g, ' ')), `page 1 has the area ${area}`);
      assert.ok(first.includes('Score'), 'page 1 has the score');
      assert.ok(first.includes(requestLine.replace(/\s+/g, ' ').slice(0, 40)), 'page 1 holds the request');
      assert.ok(!first.includes('Afdrukken'), 'no buttons on paper');
    });
  });

  test('an expired session traps the user in the edit dialog: sign in from the dialog, keep what was typed, and the save goes through', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    const [, unit] = await loneOccupiedUnits(atlas.baseUrl, login.cookie);
    const versionBefore = (await request('GET', `/api/shop_units/${unit.id}/history`, { cookie: login.cookie })).body.version;

    await withAtlas(t, browser, atlas.baseUrl, at(18, unit.geometry.coordinates), async ({ page, context }) => {
      await signIn(page, RETAIL.name, password);
      const popup = await openUnitPopup(page, unit);
      await popup.getByRole('button', { name: 'Bewerken' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('.unit-edit-version').filter({ hasText: /Versie \d+/ }).waitFor();
      await dialog.getByLabel('Status').selectOption('renovation');
      await dialog.getByLabel('Notitie').fill('Verbouwing tot de zomer');

      // Signed out elsewhere (another tab of the same browser ends the session).
      const out = await context.request.delete(`${atlas.baseUrl}/api/session`);
      assert.ok(out.ok(), `signed out elsewhere: ${out.status()}`);

      await dialog.getByRole('button', { name: 'Opslaan' }).click();
      const again = dialog.getByRole('group', { name: 'Opnieuw aanmelden' });
      await again.waitFor();
      assert.equal(await dialog.locator('.form-message').first().textContent(), 'Niet opgeslagen: je bent niet meer aangemeld.');
      await page.locator('.login-role').waitFor({ state: 'detached', timeout: 10_000 });
      assert.equal(await page.getByRole('button', { name: 'Aanmelden', exact: true }).count(), 1, 'the top bar says signed out');
      assert.equal(await dialog.getByLabel('Status').inputValue(), 'renovation', 'what was typed stays');
      assert.equal(await dialog.getByLabel('Notitie').inputValue(), 'Verbouwing tot de zomer');
      assert.equal(await again.getByLabel('Naam').inputValue(), RETAIL.name, 'the name is offered again');

      // A wrong password first: said in the dialog, nothing saved.
      await again.getByLabel('Wachtwoord').fill('niet het wachtwoord');
      await again.getByRole('button', { name: 'Aanmelden en opnieuw proberen' }).click();
      await again.getByText('Naam of wachtwoord klopt niet.').waitFor();
      await again.getByLabel('Wachtwoord').fill(password);
      await again.getByLabel('Wachtwoord').press('Enter');
      await dialog.waitFor({ state: 'detached', timeout: 15_000 });

      await page.locator('.login-role').waitFor({ state: 'visible' });
      const history = (await request('GET', `/api/shop_units/${unit.id}/history`, { cookie: login.cookie })).body;
      assert.equal(history.version, versionBefore + 1, 'saved once');
      const last = history.events.at(-1);
      assert.equal(last.status, 'renovation');
      assert.equal(last.note, 'Verbouwing tot de zomer');
      assert.equal(last.recorded_by, RETAIL.name);
    });
  });

  test('no confirmation after saving: "Opgeslagen" says what changed, and the popup shows the new state at once', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    const [unit] = await loneOccupiedUnits(atlas.baseUrl, login.cookie);
    const address = unit.properties.address;

    await withAtlas(t, browser, atlas.baseUrl, at(18, unit.geometry.coordinates), async ({ page }) => {
      await signIn(page, RETAIL.name, password);
      const popup = await openUnitPopup(page, unit);
      await popup.getByRole('button', { name: 'Bewerken' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('.unit-edit-version').filter({ hasText: /Versie \d+/ }).waitFor();
      await dialog.getByLabel('Status').selectOption('vacant');
      await dialog.getByRole('button', { name: 'Opslaan' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });

      const said = page.getByRole('status').filter({ hasText: 'Opgeslagen' });
      await said.waitFor();
      const text = await said.textContent();
      assert.ok(text.startsWith(`Opgeslagen: ${address}: Status In gebruik → Leeg; Uitbater ${unit.properties.occupant} → —`), text);
      await popup.locator('dd[data-field="status"]').filter({ hasText: 'Leeg' }).waitFor({ timeout: 10_000 });
      assert.ok(!(await popup.textContent()).includes(unit.properties.occupant), 'the popup shows the unit as it now is');
    });
  });

  test('making a unit occupied again loses its occupant: the last one is offered, and the last change can be corrected', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    const login = await request('POST', '/api/session', { body: { name: RETAIL.name, password } });
    const [, , , unit] = await loneOccupiedUnits(atlas.baseUrl, login.cookie);
    const occupant = unit.properties.occupant;
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    const history = async () => (await request('GET', `/api/shop_units/${unit.id}/history`, { cookie: login.cookie })).body;

    await withAtlas(t, browser, atlas.baseUrl, at(18, unit.geometry.coordinates), async ({ page }) => {
      await signIn(page, RETAIL.name, password);
      const popup = await openUnitPopup(page, unit);
      const dialog = page.getByRole('dialog');
      const edit = async () => {
        await popup.getByRole('button', { name: 'Bewerken' }).click();
        await dialog.locator('.unit-edit-version').filter({ hasText: /Versie \d+/ }).waitFor();
      };
      const save = async () => {
        await dialog.getByRole('button', { name: 'Opslaan' }).click();
        await dialog.waitFor({ state: 'detached', timeout: 10_000 });
        await popup.locator('.popup-status').waitFor({ state: 'detached', timeout: 10_000 });
      };

      // Vacant since a week ago: the occupant goes.
      await edit();
      await dialog.getByLabel('Status').selectOption('vacant');
      await dialog.getByLabel('Geldig vanaf').fill(weekAgo);
      await save();

      // Occupied again today: the field is empty, the last occupant is offered.
      await edit();
      await dialog.getByLabel('Status').selectOption('occupied');
      assert.equal(await dialog.getByLabel('Uitbater').inputValue(), '', 'not filled in unasked');
      await dialog.getByRole('button', { name: `Vorige uitbater overnemen: ${occupant}` }).click();
      assert.equal(await dialog.getByLabel('Uitbater').inputValue(), occupant);
      await save();
      let events = (await history()).events;
      assert.equal(events.at(-1).status, 'occupied');
      assert.equal(events.at(-1).occupant, occupant);
      assert.equal(events.at(-1).valid_from, today);

      // The last change was wrong (it was a horeca business): correct it, on its own date.
      await edit();
      await dialog.getByRole('button', { name: `Laatste wijziging (${ddmmyyyy(today)}) corrigeren` }).click();
      assert.equal(await dialog.getByLabel('Geldig vanaf').inputValue(), ddmmyyyy(today));
      assert.match(await dialog.locator('.unit-edit-correcting').textContent(), /^Je corrigeert de wijziging van /);
      await dialog.getByLabel('Branche').selectOption('horeca');
      await dialog.screenshot({ path: path.join(RESULTS_DIR, 'unit-edit-correcting.png') });
      await save();
      events = (await history()).events;
      const ofToday = events.filter((event) => event.valid_from === today);
      assert.equal(ofToday.length, 2, 'the corrected event stays in the history');
      assert.equal(ofToday.at(-1).category, 'horeca');
      assert.equal(ofToday.at(-1).occupant, occupant, 'the correction keeps what it does not change');
      assert.equal((await request('GET', `/api/layers/shop_units/features/${unit.id}`, { cookie: login.cookie })).body.properties.category, 'horeca');

      await edit();
      await dialog.locator('.unit-edit-history summary').click();
      const superseded = dialog.locator('.unit-edit-history li.is-superseded');
      assert.equal(await superseded.count(), 1);
      assert.match(await superseded.textContent(), new RegExp(`^${ddmmyyyy(today)} · In gebruik · ${occupant.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*vervangen door een correctie$`));
    });
  });

  test('the new-unit form checks one field at a time: an empty submit marks every missing field at once and sends nothing', async (t) => {
    const password = atlas.passwords[RETAIL.name];
    if (!password) return t.skip('no account could be made (ATLAS_URL)');
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page, requests }) => {
      await signIn(page, RETAIL.name, password);
      await openVacancy(page);
      await page.getByRole('button', { name: 'Nieuw handelspand' }).click();
      const form = page.locator('.unit-create-form');
      await form.getByRole('button', { name: 'Aanmaken' }).click();
      await form.locator('.form-message').filter({ hasText: 'Niet aangemaakt: vul in of verbeter' }).waitFor();
      assert.equal(await form.locator('.form-message').textContent(), 'Niet aangemaakt: vul in of verbeter Ligging, Adres, Straat, Branche, Winkelvloeroppervlakte (m²).');
      for (const name of ['location', 'address', 'street', 'category', 'floor_area_m2']) {
        assert.notEqual(await form.locator(`.form-field[data-field="${name}"] .form-field-error`).textContent(), '', `${name} is marked`);
      }
      for (const label of ['Adres', 'Straat', 'Branche', 'Winkelvloeroppervlakte (m²)']) assert.equal(await form.getByLabel(label).getAttribute('aria-invalid'), 'true', label);
      assert.equal(requests.filter((url) => url.endsWith('/api/shop_units')).length, 0, 'nothing was sent');
    });
  });

  test('finding units: search finds an address, a company and a park spelled as one word, and sends no street list', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page, requests }) => {
      const units = (await request('GET', '/api/layers/shop_units/features?limit=10000')).body.features;
      const unit = units.find((feature) => feature.properties.address === 'Vennestraat 10');
      assert.ok(unit, 'the demo has Vennestraat 10');
      const company = (await request('GET', '/api/layers/companies/features?limit=1')).body.features[0];
      const search = page.getByRole('combobox');

      await search.fill('Vennestraat 10');
      const first = page.getByRole('option').first();
      await first.filter({ hasText: 'Vennestraat 10' }).waitFor({ timeout: 10_000 });
      assert.equal(await first.textContent(), 'Vennestraat 10Handelspand');
      await search.press('Enter');
      await page.waitForFunction(() => window.__atlasMap.isMoving(), null, { timeout: 5_000 }).catch(() => {});
      await mapIdle(page);
      const view = await page.evaluate(() => ({ zoom: window.__atlasMap.getZoom(), center: window.__atlasMap.getCenter() }));
      const [lon, lat] = unit.geometry.coordinates;
      assert.ok(Math.abs(view.center.lng - lon) < 1e-5 && Math.abs(view.center.lat - lat) < 1e-5, `centred on the unit: ${JSON.stringify(view.center)}`);
      assert.ok(view.zoom >= 17.9, `close enough to tell units apart (${view.zoom})`);
      const outlined = await page.evaluate(() => window.__atlasMap.getSource('atlas-selection').getData());
      assert.deepEqual(outlined.features.map((feature) => feature.geometry.coordinates), [unit.geometry.coordinates], 'the unit is outlined');

      await search.fill('Thorpark');
      await page.getByRole('option').first().filter({ hasText: 'Thor Park' }).waitFor({ timeout: 10_000 });
      await search.fill(company.properties.name);
      await page.getByRole('option').first().filter({ hasText: `${company.properties.name}Bedrijf` }).waitFor({ timeout: 10_000 });
      assert.deepEqual(requests.filter((url) => url.includes('/api/layers/streets/features')), [], 'no list of every street is fetched');
    });
  });

  test('the what-if says nothing when a bakery changes nothing: it says why, and the Δ column shows 0,0', async (t) => {
    // A spot on a walkable street with nobody within 450 m as the crow flies, so nobody within 400 m walking.
    const residents = (await request('GET', '/api/layers/residents/features?limit=10000')).body.features.map((feature) => feature.geometry.coordinates);
    const streets = (await request('GET', '/api/layers/streets/features?limit=10000')).body.features.filter((feature) => feature.properties.walkable === true);
    const metres = ([lon1, lat1], [lon2, lat2]) => Math.hypot((lon2 - lon1) * 111_320 * Math.cos((lat1 * Math.PI) / 180), (lat2 - lat1) * 110_574);
    const spot = streets
      .map((street) => street.geometry.coordinates[0])
      .find((point) => residents.every((home) => metres(point, home) > 450));
    assert.ok(spot, 'the demo has a street with nobody living near');
    await withAtlas(t, browser, atlas.baseUrl, at(16, spot), async ({ page }) => {
      const panel = await openCoverage(page, 'Bakker', '400 m');
      await panel.getByRole('button', { name: 'Winkels plaatsen of weghalen' }).click();
      const sent = page.waitForRequest((r) => r.url().endsWith('/api/coverage/whatif') && r.method() === 'POST');
      await page.locator('.maplibregl-canvas').focus();
      await page.keyboard.press('Enter');
      const body = JSON.parse((await sent).postData());
      assert.equal(body.add.length, 1);
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.whatif === 'ready', null, { timeout: 30_000 });
      const replay = await request('POST', '/api/coverage/whatif', { body });
      assert.equal(replay.status, 200);
      assert.deepEqual(replay.body.added, [{ index: 0, residents_within: 0 }]);
      const reason = panel.locator('.coverage-changes li.is-reason');
      await reason.waitFor({ timeout: 10_000 });
      assert.equal(await reason.textContent(), 'Nieuwe bakker 1: niemand woont binnen 400 m wandelen van deze plek.');
      const changes = await panel.locator('.coverage-table td[data-column="change"]').allTextContents();
      assert.ok(changes.length > 0 && changes.every((text) => text === '0,0' || text === '—'), `the Δ column is never blank: ${changes.slice(0, 5)}`);
    });
  });

  test('one-unit streets at 100% top the street table: streets start at 3 units, the count is shown and the minimum can be set', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await openVacancy(page);
      const panel = page.locator('#panel-vacancy');
      await panel.locator('.vacancy-segmented button[data-by="street"]').click();
      await page.waitForFunction(() => document.querySelector('.vacancy-table')?.dataset.by === 'street' && document.getElementById('panel-vacancy')?.dataset.state === 'ready');
      const date = await panel.locator('.vacancy-date-value').textContent();
      const iso = `${date.slice(6)}-${date.slice(3, 5)}-${date.slice(0, 2)}`;
      const streets = (await request('GET', `/api/vacancy/summary?by=street&date=${iso}`)).body.groups;
      const small = streets.filter((group) => group.units < 3).length;
      assert.ok(small > 0, 'the demo has streets of one or two units');
      assert.equal(await panel.getByLabel('Min. panden per rij').inputValue(), '3');
      const shown = await panel.locator('.vacancy-table tbody tr').evaluateAll((rows) => rows.map((row) => row.dataset.id));
      const wanted = streets.filter((group) => group.units >= 3).map((group) => group.id);
      assert.deepEqual([...shown].sort(), [...wanted].sort());
      assert.equal(await panel.locator('.vacancy-hidden-groups').textContent(), `${small === 1 ? '1 gebied' : `${small} gebieden`} met minder dan 3 panden niet getoond.`);
      const units = await panel.locator('.vacancy-table tbody td[data-col="units"]').allTextContents();
      assert.ok(units.every((text) => Number(text.replace(/\./g, '')) >= 3), 'every row has its unit count, at least 3');
      await panel.getByLabel('Min. panden per rij').selectOption('1');
      assert.equal(await panel.locator('.vacancy-table tbody tr').count(), streets.length);
      assert.ok(await panel.locator('.vacancy-hidden-groups').isHidden());
    });
  });

  test('the heatmap covers the map: it fades out at street level, its legend is on the map, and the layer list is reachable from Leegstand', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await openVacancy(page);
      await page.waitForFunction(() => document.querySelector('.vacancy-heatmap')?.dataset.state === 'ready', null, { timeout: 30_000 });
      const legend = page.getByRole('region', { name: 'Legende van de heatmap' });
      await legend.waitFor({ state: 'visible' });
      assert.match(await legend.locator('.map-legend-title').textContent(), /^Heatmap: /);
      await page.screenshot({ path: path.join(RESULTS_DIR, 'vacancy-heatmap-legend.png') });
      assert.equal(await legend.locator('li').count(), await page.locator('#panel-vacancy .heat-legend li').count(), 'the same legend as in the panel');
      const opacity = await page.evaluate(() => window.__atlasMap.getPaintProperty('vacancy-h3-fill', 'fill-opacity'));
      assert.equal(opacity[0], 'interpolate', 'the opacity follows the zoom');

      // At street level the units speak: no hexagon, no legend.
      const unit = (await request('GET', '/api/layers/shop_units/features?limit=1')).body.features[0];
      await page.evaluate((center) => window.__atlasMap.jumpTo({ center, zoom: 18 }), unit.geometry.coordinates);
      await mapIdle(page);
      assert.equal(await page.evaluate(() => window.__atlasMap.queryRenderedFeatures(undefined, { layers: ['vacancy-h3-fill'] }).length), 0);
      await legend.waitFor({ state: 'hidden' });

      // The layer list, over the map.
      const open = page.getByRole('button', { name: 'Lagen', exact: true });
      await open.click();
      const float = page.getByRole('region', { name: 'Lagen' });
      const units = float.getByRole('checkbox', { name: /Handelspanden/ });
      await units.uncheck();
      const visibility = await page.evaluate(() => window.__atlasMap.getStyle().layers.filter((layer) => layer.metadata?.['atlas:layer'] === 'shop_units').map((layer) => layer.layout?.visibility ?? 'visible'));
      assert.ok(visibility.length > 0 && visibility.every((value) => value === 'none'), `shop units hidden: ${visibility}`);
      await page.keyboard.press('Escape');
      await float.waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Lagen', 'the focus is back on the button');
      await page.getByRole('tab', { name: 'Kaart' }).click();
      assert.ok(await open.isHidden(), 'on Kaart the list is the sidebar');
      assert.equal(await page.locator('#panel-map .layer-panel').count(), 1, 'the list is back in the sidebar');
      assert.equal(await page.locator('#panel-map').getByRole('checkbox', { name: /Handelspanden/ }).isChecked(), false, 'with the choice made over the map');
    });
  });

  test('keyboard: Enter on the map opens the feature nearest its centre, and Tab past the popup returns to the map, where Escape closes it', async (t) => {
    const units = (await request('GET', '/api/layers/shop_units/features?limit=10000')).body.features;
    const unit = units.find((candidate) => candidate.properties.address === 'Vennestraat 10');
    await withAtlas(t, browser, atlas.baseUrl, at(18.5, unit.geometry.coordinates), async ({ page }) => {
      await page.locator('.maplibregl-canvas').focus();
      await page.keyboard.press('Enter');
      const popup = page.locator('.maplibregl-popup');
      await popup.locator(`article.popup[data-feature-id="${unit.id}"]`).waitFor({ timeout: 10_000 });
      assert.equal(await popup.locator('.popup-title').textContent(), 'Vennestraat 10');
      // The popup takes the focus; Tab through its controls until the focus leaves it.
      assert.ok(await popup.evaluate((element) => element.contains(document.activeElement)), 'the focus is in the popup');
      const controls = await popup.locator('button, a[href], input, select').count();
      for (let step = 0; step <= controls && (await popup.evaluate((element) => element.contains(document.activeElement))); step += 1) await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('maplibregl-canvas')), true, 'back on the map, not lost on the page');
      await page.keyboard.press('Escape');
      await popup.waitFor({ state: 'detached', timeout: 5_000 });
    });
  });

  test('a shared link keeps only the map position: it now also names the task, the date, the question, the request, the layers and the selected feature', async (t) => {
    const units = (await request('GET', '/api/layers/shop_units/features?limit=10000')).body.features;
    const unit = units.find((candidate) => candidate.properties.address === 'Vennestraat 10');
    const trend = (await request('GET', '/api/vacancy/trend?by=city')).body;
    const older = trend.dates[trend.dates.length - 13];
    // What the sender does: Buurtaanbod, bakers at 400 m, parcels off, a unit clicked.
    let shared;
    await withAtlas(t, browser, atlas.baseUrl, at(18, unit.geometry.coordinates), async ({ page }) => {
      await openCoverage(page, 'Bakker', '400 m');
      await page.getByRole('button', { name: 'Lagen', exact: true }).click();
      await page.getByRole('region', { name: 'Lagen' }).getByRole('checkbox', { name: /Percelen/ }).uncheck();
      await page.keyboard.press('Escape');
      await openUnitPopup(page, unit);
      shared = new URL(await page.evaluate(() => location.href));
      const params = shared.searchParams;
      assert.equal(params.get('task'), 'coverage');
      assert.equal(params.get('kind'), 'bakery');
      assert.equal(params.get('threshold'), '400');
      assert.equal(params.get('feature'), `shop_units/${unit.id}`);
      assert.ok(!params.get('layers').split(',').includes('parcels') && params.get('layers').split(',').includes('shop_units'), params.get('layers'));
      assert.match(shared.hash, /^#18\//, 'the map position stays in the hash');
    });
    // What the receiver sees.
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await page.goto(shared.href);
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
      await page.waitForFunction(() => document.getElementById('panel-coverage')?.dataset.state === 'ready', null, { timeout: 60_000 });
      assert.equal(await page.getByRole('tab', { name: 'Buurtaanbod' }).getAttribute('aria-selected'), 'true');
      const panel = page.getByRole('tabpanel', { name: 'Buurtaanbod' });
      assert.ok(await panel.getByRole('radio', { name: 'Bakker', exact: true }).isChecked());
      assert.ok(await panel.getByRole('radio', { name: '400 m', exact: true }).isChecked());
      await page.locator(`.maplibregl-popup article.popup[data-feature-id="${unit.id}"]`).waitFor({ timeout: 10_000 });
      const parcelsShown = await page.evaluate(() => window.__atlasMap.getStyle().layers.filter((layer) => layer.metadata?.['atlas:layer'] === 'parcels').some((layer) => (layer.layout?.visibility ?? 'visible') !== 'none'));
      assert.equal(parcelsShown, false, 'the parcels stay off');
    });
    // A Leegstand link with a date.
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await page.goto(`${atlas.baseUrl}/?task=vacancy&date=${older}`);
      await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'ready', null, { timeout: 60_000 });
      assert.equal(await page.locator('.vacancy-date-value').textContent(), ddmmyyyy(older));
    });
    // An Uitbreiding link with its request: the receiver's form holds it and the same sites are listed.
    let sentSites;
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const panel = await openExpansion(page);
      await panel.getByLabel('Oppervlakte van (m²)').fill('5.000');
      const body = await search(page, panel);
      assert.equal(body.min_area_m2, 5000);
      sentSites = await panel.locator('[data-site-id]').evaluateAll((cards) => cards.map((card) => card.dataset.siteId));
      assert.ok(sentSites.length > 0, 'sites are listed');
      shared = new URL(await page.evaluate(() => location.href));
      const linkedRequest = JSON.parse(shared.searchParams.get('request'));
      assert.equal(linkedRequest.min_area_m2, 5000);
      assert.deepEqual(linkedRequest.requires, ['quay']);
      assert.equal(linkedRequest.limit, undefined, 'paging is not part of the link');
    });
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const sent = page.waitForRequest((r) => r.url().endsWith('/api/sites/search') && r.method() === 'POST');
      await page.goto(shared.href);
      assert.equal(JSON.parse((await sent).postData()).min_area_m2, 5000, 'the linked request is searched at once');
      await page.waitForFunction(() => document.getElementById('panel-expansion')?.dataset.state === 'ready', null, { timeout: 60_000 });
      const panel = page.getByRole('tabpanel', { name: 'Uitbreiding' });
      assert.equal(await panel.getByLabel('Oppervlakte van (m²)').inputValue(), '5.000', 'written the Dutch way');
      assert.ok(await panel.getByRole('checkbox', { name: 'Kaai aan het kanaal' }).isChecked());
      assert.equal(await panel.getByLabel('Activiteit', { exact: true }).locator('option:checked').textContent(), 'Logistiek');
      assert.deepEqual(await panel.locator('[data-site-id]').evaluateAll((cards) => cards.map((card) => card.dataset.siteId)), sentSites, 'the same sites, in the same order');
    });
  });

  test('finding units: there is no list of the vacant units of an area: Leegstand lists the chosen area\'s units on its date', async (t) => {
    const units = (await request('GET', '/api/layers/shop_units/features?limit=10000')).body.features;
    const trend = (await request('GET', '/api/vacancy/trend?by=city')).body;
    const unitRows = (list) => list.locator('tbody tr').evaluateAll((rows) => rows.map((row) => ({ id: row.dataset.unitId, status: row.dataset.status })));
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await openVacancy(page);
      await page.locator('#vacancy-area').selectOption({ label: 'Centrum Genk' });
      const list = page.locator('details.vacancy-units');
      await list.locator('summary').click();
      assert.equal(await list.locator('summary').textContent(), `Panden van Centrum Genk op ${ddmmyyyy(trend.to)}`);
      await list.locator('tbody tr').first().waitFor();
      // Vacant by default; on the newest date the layer's own status of each unit is its state then.
      const vacant = await unitRows(list);
      const expected = units.filter((unit) => unit.properties.area_id === 'centrum' && unit.properties.status === 'vacant').map((unit) => unit.id).sort();
      assert.deepEqual(vacant.map((row) => row.id).sort(), expected);
      assert.ok(vacant.every((row) => row.status === 'vacant'));
      assert.equal(await kpiText(page, 'area', 'vacant'), String(expected.length), 'the card counts the same units');
      assert.equal(await list.getByRole('button', { name: /^Leeg \(/ }).textContent(), `Leeg (${expected.length})`);
      await list.getByRole('button', { name: /^Alle \(/ }).click();
      const all = await unitRows(list);
      assert.deepEqual(all.map((row) => row.id).sort(), units.filter((unit) => unit.properties.area_id === 'centrum').map((unit) => unit.id).sort());
      assert.deepEqual(all.slice(0, vacant.length).map((row) => row.status), vacant.map(() => 'vacant'), 'vacant units first');
      // An address opens that unit on the map.
      const first = list.locator('tbody tr').first();
      const id = await first.getAttribute('data-unit-id');
      await first.getByRole('button').click();
      await page.locator(`.maplibregl-popup article.popup[data-feature-id="${id}"]`).waitFor({ timeout: 15_000 });
    });
    // An older date: the list is that day's (the summary counts the same vacant units).
    const older = trend.dates[trend.dates.length - 25];
    const summary = (await request('GET', `/api/vacancy/summary?by=shopping_area&date=${older}`)).body.groups.find((group) => group.id === 'centrum');
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      await page.goto(`${atlas.baseUrl}/?task=vacancy&date=${older}`);
      await page.waitForFunction(() => document.getElementById('panel-vacancy')?.dataset.state === 'ready', null, { timeout: 60_000 });
      await page.locator('#vacancy-area').selectOption({ label: 'Centrum Genk' });
      const list = page.locator('details.vacancy-units');
      await list.locator('summary').click();
      await list.locator(`summary:has-text("${ddmmyyyy(older)}")`).waitFor();
      await list.locator('tbody tr').first().waitFor();
      assert.equal((await unitRows(list)).length, summary.vacant);
      const since = await list.locator('tbody tr td:nth-child(3)').allTextContents();
      const days = since.map((text) => text.slice(6, 10) + text.slice(3, 5) + text.slice(0, 2));
      assert.deepEqual(days, [...days].sort(), 'longest vacant first');
      assert.ok(days.every((day) => day <= older.replaceAll('-', '')), 'every vacancy began by the chosen date');
    });
  });

  test('site cards hide the access that was required: the numbered markers stay apart when the map zooms out', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const panel = await openExpansion(page);
      await search(page, panel);
      await mapIdle(page);
      const markers = () => page.evaluate(() => [...document.querySelectorAll('.site-marker[data-site-id]')].filter((element) => !element.hidden && element.closest('.maplibregl-marker')).map((element) => {
        const box = element.getBoundingClientRect();
        return { rank: Number(element.textContent), x: box.x + box.width / 2, y: box.y + box.height / 2, moved: element.classList.contains('is-moved') };
      }));
      const tooClose = (placed) => placed.flatMap((a, i) => placed.slice(i + 1).filter((b) => Math.hypot(a.x - b.x, a.y - b.y) < 29).map((b) => `${a.rank}-${b.rank}`));
      for (const zoom of [15, 13, 12, 11]) {
        await page.evaluate((z) => window.__atlasMap.jumpTo({ zoom: z }), zoom);
        await mapIdle(page);
        const placed = await markers();
        assert.ok(placed.length >= 5, `markers shown at z${zoom}: ${placed.length}`);
        assert.deepEqual(tooClose(placed), [], `no two markers overlap at z${zoom}`);
        assert.equal(placed.find((marker) => marker.rank === 1).moved, false, 'rank 1 stays on its site');
        if (zoom === 11) assert.ok(placed.some((marker) => marker.moved), 'at z11 the sites crowd, so some markers moved');
      }
    });
  });

  test('finding units: legend entries filter the layer, so "only vacant units" is two clicks away', async (t) => {
    const units = (await request('GET', '/api/layers/shop_units/features?limit=10000')).body.features;
    const vacant = units.find((candidate) => candidate.properties.status === 'vacant' && candidate.properties.area_id === 'centrum');
    await withAtlas(t, browser, atlas.baseUrl, at(17.5, vacant.geometry.coordinates), async ({ page }) => {
      const row = page.locator('#panel-map .layer-row[data-layer="shop_units"]');
      const statuses = () => page.evaluate(() => {
        const map = window.__atlasMap;
        const layers = map.getStyle().layers.filter((layer) => layer.metadata?.['atlas:layer'] === 'shop_units').map((layer) => layer.id);
        return [...new Set(map.queryRenderedFeatures(undefined, { layers }).filter((feature) => feature.properties.id !== undefined).map((feature) => feature.properties.status))].sort();
      });
      const before = await statuses();
      assert.ok(before.length > 1 && before.includes('vacant'), `several statuses in view: ${before}`);
      for (const status of ['occupied', 'renovation', 'non_commercial']) await row.locator(`.legend-entry[data-value="${status}"]`).click();
      assert.equal(await row.locator('.legend-entry[data-value="vacant"]').getAttribute('aria-pressed'), 'true');
      assert.equal(await row.locator('.legend-entry[data-value="occupied"]').getAttribute('aria-pressed'), 'false');
      await mapIdle(page);
      assert.deepEqual(await statuses(), ['vacant'], 'only vacant units are drawn');
      for (const status of ['occupied', 'renovation', 'non_commercial']) await row.locator(`.legend-entry[data-value="${status}"]`).click();
      await mapIdle(page);
      assert.ok((await statuses()).length > 1, 'all back');
    });
  });

  test('search finds known places (EnergyVille, ZOL)', async (t) => {
    const places = (await request('GET', '/api/layers/places/features?limit=1000')).body.features;
    const place = (name) => places.find((feature) => feature.properties.name === name) ?? assert.fail(`the demo has ${name}`);
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const search = page.getByRole('combobox');
      const centredOn = async (feature) => {
        await page.waitForFunction(() => window.__atlasMap.isMoving(), null, { timeout: 5_000 }).catch(() => {});
        await mapIdle(page);
        const view = await page.evaluate(() => ({ zoom: window.__atlasMap.getZoom(), center: window.__atlasMap.getCenter() }));
        const [lon, lat] = feature.geometry.coordinates;
        assert.ok(Math.abs(view.center.lng - lon) < 1e-4 && Math.abs(view.center.lat - lat) < 1e-4, `centred on ${feature.properties.name}: ${JSON.stringify(view.center)}`);
        assert.ok(view.zoom >= 16, `zoomed in (${view.zoom})`);
      };

      // As typed by the users: nothing was found before.
      await search.fill('EnergyVille');
      const first = page.getByRole('option').first();
      await first.filter({ hasText: 'EnergyVille' }).waitFor({ timeout: 10_000 });
      assert.equal(await first.textContent(), 'EnergyVilleBekende plaats');
      await search.press('Enter');
      await centredOn(place('EnergyVille'));

      // By another name: the place under its own name.
      const zol = place('ZOL campus Sint-Jan');
      await search.fill('ZOL');
      await first.filter({ hasText: 'ZOL campus Sint-Jan' }).waitFor({ timeout: 10_000 });
      assert.equal(await first.textContent(), 'ZOL campus Sint-JanBekende plaats');
      await search.fill('ziekenhuis oost-limburg');
      await first.filter({ hasText: 'ZOL campus Sint-Jan' }).waitFor({ timeout: 10_000 });
      await first.click();
      await centredOn(zol);

      // The place is drawn as its own marker, and its popup names it and its kind.
      assert.ok((await renderedFeatures(page, 'places')).some((feature) => feature.properties.name === zol.properties.name), 'the ZOL is drawn');
      const point = await page.evaluate((coordinates) => window.__atlasMap.project(coordinates), zol.geometry.coordinates);
      const box = await page.locator('#map canvas').boundingBox();
      await page.mouse.click(box.x + point.x, box.y + point.y);
      const popup = page.locator('.popup[data-layer="places"]');
      await popup.waitFor({ timeout: 10_000 });
      assert.equal(await popup.locator('.popup-title').textContent(), 'ZOL campus Sint-Jan');
      assert.equal(await popup.locator('.popup-layer').textContent(), 'Bekende plaatsen');
      assert.equal(await popup.locator('dd[data-field="kind"]').textContent(), 'Ziekenhuis');
      assert.match(await popup.locator('dd[data-field="alt_names"]').textContent(), /^ZOL, Ziekenhuis Oost-Limburg/);
      await page.getByRole('button', { name: 'English' }).click();
      await page.mouse.click(box.x + point.x, box.y + point.y);
      await popup.locator('dd[data-field="kind"]').filter({ hasText: 'Hospital' }).waitFor({ timeout: 10_000 });
      assert.equal(await popup.locator('.popup-layer').textContent(), 'Known places');
    });
  });

  test('the canal is drawn when a quay is required', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '', async ({ page }) => {
      const toggle = (layer) => page.locator(`#layer-toggle-${layer}`);
      // Both are on the map at the start; someone switched them off.
      for (const layer of ['waterways', 'access_points']) {
        assert.ok(await toggle(layer).isChecked(), `${layer} are shown at the start`);
        await toggle(layer).uncheck();
      }
      await mapIdle(page);
      assert.deepEqual(await renderedFeatures(page, 'waterways'), [], 'the canal is switched off');

      const panel = await openExpansion(page);
      const sent = await search(page, panel);
      assert.deepEqual(sent.requires, ['quay']);
      assert.ok((await panel.locator('.site-card').count()) > 0, 'sites on the quay are found');
      await mapIdle(page);
      const canal = (await renderedFeatures(page, 'waterways')).filter((feature) => feature.properties.name === 'Albertkanaal');
      assert.ok(canal.length > 0, 'the Albertkanaal is drawn beside the sites');
      assert.equal(canal[0].properties.kind, 'canal');
      const quays = (await renderedFeatures(page, 'access_points')).filter((feature) => feature.properties.kind === 'quay');
      assert.ok(quays.length > 0, 'and the quays');
      const line = await page.evaluate(() => window.__atlasMap.getPaintProperty('waterways-line', 'line-color'));
      assert.equal(line, '#3a86c8', 'a blue line');
      for (const layer of ['waterways', 'access_points']) assert.ok(await toggle(layer).isChecked(), `the layer list says ${layer} are shown again`);
    });
  });

  for (const [size, viewport] of [
    ['phone', PHONE],
    ['tablet', TABLET],
  ]) {
    test(`phones: every panel is full width under the map at ${size} size (${viewport.width}×${viewport.height}), the map in reach`, async (t) => {
      await withAtlas(
        t,
        browser,
        atlas.baseUrl,
        '',
        async ({ page }) => {
          for (const [tab, id] of [
            ['Kaart', 'panel-map'],
            ['Leegstand', 'panel-vacancy'],
            ['Uitbreiding', 'panel-expansion'],
            ['Buurtaanbod', 'panel-coverage'],
          ]) {
            await page.getByRole('tab', { name: tab }).click();
            if (id === 'panel-vacancy') await page.waitForFunction(() => ['ready', 'error'].includes(document.getElementById('panel-vacancy')?.dataset.state), null, { timeout: 30_000 });
            await mapIdle(page);
            const panel = await page.locator(`#${id}`).boundingBox();
            const map = await page.locator('#map').boundingBox();
            const wide = viewport.width < 761;
            if (wide) {
              assert.ok(panel.width >= viewport.width - 2, `${tab}: the panel is full width (${panel.width} px)`);
              assert.ok(map.width >= viewport.width - 2, `${tab}: so is the map (${map.width} px)`);
            } else {
              assert.ok(panel.width >= 300, `${tab}: the panel is readable (${panel.width} px)`);
              assert.ok(map.width >= 400, `${tab}: the map keeps room (${map.width} px)`);
            }
            assert.ok(map.height >= 240 && map.y < viewport.height, `${tab}: the map is on screen (${map.height} px high at ${map.y})`);
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
            assert.ok(overflow <= 0, `${tab}: nothing sticks out sideways (${overflow} px)`);
            await page.screenshot({ path: path.join(RESULTS_DIR, `${size}-${id}.png`) });
          }
        },
        { viewport },
      );
    });
  }
});
