// First paint of the map at z13 in Chromium: the labelled style against the
// style as it was before labels (its symbol layers and `glyphs` taken out on
// the way in, as the front end did), on the same server. Each run is a fresh
// browser context; the time is from navigation to the map's first `idle`
// (every tile and glyph range in and drawn). Alternates the two, after one
// warm-up each (the server's tile and glyph caches full); prints the medians.
//   node first_paint.mjs BASE_URL RUNS

// playwright-core is the front end's (web/node_modules), this file is outside it
const { chromium } = await import(new URL('../../web/node_modules/playwright-core/index.mjs', import.meta.url).href);

const [base, runsText = '7'] = process.argv.slice(2);
const runs = Number(runsText);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});

async function paint(labelled) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'nl-BE' });
  const page = await context.newPage();
  if (!labelled) {
    await page.route('**/tiles/style.json', async (route) => {
      const style = await (await route.fetch()).json();
      style.layers = style.layers.filter((layer) => layer.type !== 'symbol');
      delete style.glyphs;
      await route.fulfill({ json: style });
    });
  }
  let glyphRequests = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/fonts/')) glyphRequests += 1;
  });
  const started = Date.now();
  await page.goto(`${base}/#13/50.9650/5.5000`);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
  const ms = await page.evaluate(
    (started) =>
      new Promise((resolve) => {
        const map = window.__atlasMap;
        const check = () => {
          if (map.loaded() && !map.isMoving()) resolve(Date.now() - started);
        };
        map.on('idle', check);
        setInterval(() => {
          map.triggerRepaint();
          check();
        }, 50);
        check();
      }),
    started,
  );
  const symbols = await page.evaluate(() => window.__atlasMap.getStyle().layers.filter((layer) => layer.type === 'symbol').length);
  await context.close();
  return { ms, glyphRequests, symbols };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
await paint(true);
await paint(false);
const times = { labelled: [], unlabelled: [] };
let shape = {};
for (let run = 0; run < runs; run += 1) {
  for (const labelled of run % 2 === 0 ? [true, false] : [false, true]) {
    const result = await paint(labelled);
    times[labelled ? 'labelled' : 'unlabelled'].push(result.ms);
    shape[labelled ? 'labelled' : 'unlabelled'] = result;
  }
}
await browser.close();
for (const kind of ['labelled', 'unlabelled']) {
  console.log(`${kind}\tmedian ${median(times[kind])} ms\truns ${times[kind].join(' ')}\tsymbol layers ${shape[kind].symbols}\tglyph requests ${shape[kind].glyphRequests}`);
}
console.log(`ratio labelled/unlabelled first paint at z13: ${(median(times.labelled) / median(times.unlabelled)).toFixed(2)}x`);
