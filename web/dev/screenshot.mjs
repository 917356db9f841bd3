// Take a screenshot of a running atlas page with the system Chromium.
// Usage: node dev/screenshot.mjs <url> <out.png> [width] [height] [--click-task vacancy] [--lang en]
import { chromium } from 'playwright-core';

const [url, out, width = '1440', height = '900', ...rest] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
page.on('console', (message) => console.log(`[console.${message.type()}]`, message.text()));
page.on('pageerror', (error) => console.log('[pageerror]', error.message));
page.on('requestfailed', (request) => console.log('[requestfailed]', request.url(), request.failure()?.errorText));
await page.goto(url);
await page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', null, { timeout: 30000 });
for (let index = 0; index < rest.length; index += 2) {
  const [flag, value] = [rest[index], rest[index + 1]];
  if (flag === '--click-task') await page.click(`#task-${value}`);
  if (flag === '--lang') await page.click(`.language[data-lang="${value}"]`);
  if (flag === '--click') {
    const [lon, lat] = value.split(',').map(Number);
    const point = await page.evaluate(([lon, lat]) => window.__atlasMap.project([lon, lat]), [lon, lat]);
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + point.x, box.y + point.y);
    await page.waitForTimeout(600);
  }
  if (flag === '--search') {
    await page.fill('#search-input', value);
    await page.waitForTimeout(300);
    if (rest[index + 2] === '--enter') await page.keyboard.press('Enter');
  }
  if (flag === '--wait') await page.waitForTimeout(Number(value));
}
if (await page.evaluate(() => document.body.dataset.state) === 'ready') await page.evaluate(() => new Promise((resolve) => (window.__atlasMap.loaded() ? resolve() : window.__atlasMap.once('idle', resolve))));
console.log('state', await page.evaluate(() => document.body.dataset.state), 'hash', await page.evaluate(() => location.hash));
await page.screenshot({ path: out });
await browser.close();
