// The printable map (issue 14): the print button's dialog makes one A4 or A3
// page of the view with the title, the date, the legend of the layers shown,
// a scale bar and ratio, a north arrow and the credits. Chromium's page.pdf()
// (print media, the page's own @page size) stands in for "Save as PDF"; the
// text is read back with pdftotext. The pages are kept as PDF and PNG in
// web/test-results/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RESULTS_DIR, launchBrowser, mapIdle, startAtlas, withAtlas } from './harness.mjs';

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

const today = () => {
  const [year, month, day] = new Date().toISOString().slice(0, 10).split('-');
  return `${day}-${month}-${year}`;
};

/** Print through the dialog with `window.print` caught; returns the PDF's text and page count. */
async function printToPdf(page, { title, paper, orientation, name }) {
  await page.evaluate(() => {
    window.__printed = 0;
    window.print = () => {
      window.__printed += 1;
    };
  });
  const dialog = page.locator('dialog.print-dialog');
  await dialog.waitFor({ state: 'visible' });
  await dialog.locator('input[name="title"]').fill(title);
  await dialog.locator(`input[name="paper"][value="${paper}"]`).check();
  await dialog.locator(`input[name="orientation"][value="${orientation}"]`).check();
  await dialog.locator('button[type="submit"]').click();
  await page.waitForFunction(() => window.__printed === 1, null, { timeout: 20_000 });
  assert.equal(await page.locator('dialog.print-dialog').count(), 0, 'the dialog is gone');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const pdfPath = path.join(RESULTS_DIR, `${name}.pdf`);
  writeFileSync(pdfPath, await page.pdf({ preferCSSPageSize: true, printBackground: true }));
  const info = execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' });
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)[1]);
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info).slice(1).map(Number);
  const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
  execFileSync('pdftoppm', ['-png', '-r', '50', '-singlefile', pdfPath, pdfPath.replace(/\.pdf$/, '')]);
  return { pages, size, text: text.replace(/\s+/g, ' ') };
}

/** The map's 1:N on paper from Web Mercator alone (metres per pixel at the centre's latitude), not from the page's code. */
async function expectedRatio(page, printedWidthMm) {
  return page.evaluate((printedWidthMm) => {
    const map = window.__atlasMap;
    const metresPerPixel = (40_075_016.686 * Math.cos((map.getCenter().lat * Math.PI) / 180)) / (512 * 2 ** map.getZoom());
    return (metresPerPixel * map.getContainer().clientWidth) / (printedWidthMm / 1000);
  }, printedWidthMm);
}

const MM_PER_PT = 25.4 / 72;

describe('the printable map', () => {
  test('A4 landscape: one page with the title, the date, the legend of the layers shown, the scale and the credits', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '#14/50.9700/5.5000', async ({ page }) => {
      // keyboard: the button is reachable and opens the dialog; Escape closes it
      const button = page.getByRole('button', { name: 'Kaart afdrukken' });
      await button.focus();
      await page.keyboard.press('Enter');
      await page.locator('dialog.print-dialog').waitFor({ state: 'visible' });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'title', 'the title field has the focus');
      await page.keyboard.press('Escape');
      await page.locator('dialog.print-dialog').waitFor({ state: 'detached' });

      await page.getByRole('checkbox', { name: /^Bedrijven\b/ }).uncheck();
      await mapIdle(page);
      await button.click();
      const { pages, size, text } = await printToPdf(page, { title: 'Genk-Centrum: winkels en straten', paper: 'A4', orientation: 'landscape', name: 'print-a4-landscape' });
      assert.equal(pages, 1);
      assert.ok(Math.abs(size[0] * MM_PER_PT - 297) < 1 && Math.abs(size[1] * MM_PER_PT - 210) < 1, `A4 landscape: ${size}`);
      assert.ok(text.includes('Genk-Centrum: winkels en straten'), text);
      assert.ok(text.includes(`Afgedrukt op ${today()}`), text);
      assert.ok(text.includes('Legenda'));
      for (const shown of ['Handelspanden', 'Straten', 'Wijken', 'In gebruik', 'Leeg']) assert.ok(text.includes(shown), `${shown} in the legend: ${text}`);
      assert.ok(!/Legenda.*\bBedrijven\b(?!terreinen)/.test(text), 'a layer switched off is not in the legend');
      assert.ok(!text.includes('Inwoners'), 'the residents are off at start');
      assert.ok(text.includes('Wijken: © gemeentebesturen'), 'the credits');
      assert.ok(text.includes('Noto Sans'), 'the font is credited');
      assert.match(text, /\b\d+(\.\d+)? ?(m|km)\b/, 'a scale bar length');
      const printedWidthMm = await page.evaluate(() => parseFloat(document.querySelector('.print-map').style.width));
      const ratio = Number(/schaal 1:([\d.]+) op A4/.exec(text)[1].replace(/\./g, ''));
      const expected = await expectedRatio(page, printedWidthMm);
      assert.ok(Math.abs(ratio / expected - 1) < 0.01, `1:${ratio} against 1:${Math.round(expected)}`);
      assert.equal(await page.locator('.print-north').count(), 1, 'a north arrow');
    });
  });

  test('A3 portrait and in English: one page of A3', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '#13/50.9650/5.5000', async ({ page }) => {
      await page.getByRole('button', { name: 'Print the map' }).click();
      const { pages, size, text } = await printToPdf(page, { title: 'Genk for investors', paper: 'A3', orientation: 'portrait', name: 'print-a3-portrait' });
      assert.equal(pages, 1);
      assert.ok(Math.abs(size[0] * MM_PER_PT - 297) < 1 && Math.abs(size[1] * MM_PER_PT - 420) < 1, `A3 portrait: ${size}`);
      assert.ok(text.includes('Genk for investors') && text.includes(`Printed on ${today()}`) && text.includes('Legend'), text);
      assert.ok(text.includes('Shop units') && text.includes('Neighbourhoods'), text);
      assert.match(text, /scale 1:[\d,]+ on A3/);
    }, { lang: 'en' });
  });

  test('on a phone the print button is there and the page still comes out as one A4', async (t) => {
    await withAtlas(t, browser, atlas.baseUrl, '#14/50.9700/5.5000', async ({ page }) => {
      await page.getByRole('button', { name: 'Kaart afdrukken' }).click();
      const { pages, text } = await printToPdf(page, { title: 'Op de telefoon', paper: 'A4', orientation: 'portrait', name: 'print-phone' });
      assert.equal(pages, 1);
      assert.ok(text.includes('Op de telefoon'));
    }, { viewport: { width: 390, height: 800 } });
  });
});
