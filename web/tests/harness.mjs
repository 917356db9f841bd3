// Test harness for the browser tests: start `atlas serve` on the demo, launch
// the system Chromium (never a downloaded one), open the atlas page and wait
// until the map has rendered. A failed step leaves a screenshot in
// web/test-results/.
//
// Environment:
//   ATLAS_BIN        the atlas binary (default ../target/release/atlas)
//   ATLAS_DEMO_GPKG  the demo GeoPackage (`atlas demo --out /tmp/genk.gpkg`)
//   ATLAS_URL        use an atlas that is already running instead (e.g. the
//                    dev mock: `npm run mock`); then no server is started
//   CHROMIUM         the browser (default /usr/bin/chromium)

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = path.resolve(here, '..');
export const DIST_DIR = path.join(WEB_DIR, 'dist');
export const RESULTS_DIR = path.join(WEB_DIR, 'test-results');

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // MapLibre needs WebGL: a software GL (SwiftShader through ANGLE) in headless mode.
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseUrl, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`atlas serve exited with code ${child.exitCode} before it was healthy`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.ok) return;
      lastError = new Error(`health answered ${response.status}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`atlas did not become healthy at ${baseUrl} within ${timeoutMs} ms: ${lastError?.message}`);
}

/**
 * Start the server (or use ATLAS_URL); returns { baseUrl, stop, log, passwords }.
 * With `writable` the server gets its own copy of the demo (a test that edits
 * leaves the shared file alone), and `users` ([{ name, role }]) are made on that
 * copy with `atlas user add` first; `passwords[name]` is each one's password.
 * With `osm` (the path of an OpenStreetMap extract) that extract is imported
 * into the copy with `atlas import osm` first (implies `writable`).
 */
export async function startAtlas({ writable = false, users = [], osm = null } = {}) {
  if (osm) writable = true;
  if (!existsSync(path.join(DIST_DIR, 'index.html'))) {
    throw new Error(`${DIST_DIR}/index.html is missing: run \`npm run build\` in web/ first`);
  }
  if (process.env.ATLAS_URL) {
    const baseUrl = process.env.ATLAS_URL.replace(/\/$/, '');
    await waitForHealth(baseUrl, null, 10_000);
    return { baseUrl, stop: async () => {}, log: () => '', passwords: {} };
  }
  const bin = path.resolve(WEB_DIR, process.env.ATLAS_BIN ?? '../target/release/atlas');
  const gpkg = process.env.ATLAS_DEMO_GPKG;
  if (!existsSync(bin)) throw new Error(`no atlas binary at ${bin}: build it with \`cargo build --release --bin atlas\` or set ATLAS_BIN`);
  if (!gpkg || !existsSync(gpkg)) {
    throw new Error(`set ATLAS_DEMO_GPKG to a demo GeoPackage (\`${bin} demo --out /tmp/genk.gpkg\`); got ${gpkg ?? 'nothing'}`);
  }
  let served = gpkg;
  let scratch = null;
  const passwords = {};
  if (writable) {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'atlas-test-'));
    served = path.join(scratch, path.basename(gpkg));
    copyFileSync(gpkg, served);
    for (const { name, role } of users) {
      // The one-time password is the only line on stdout.
      passwords[name] = execFileSync(bin, ['user', 'add', name, '--role', role, '--gpkg', served], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    }
    if (osm) execFileSync(bin, ['import', 'osm', osm, '--since', '2024-01-01', '--gpkg', served], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(bin, ['serve', '--gpkg', served, '--addr', `127.0.0.1:${port}`, '--web-dir', DIST_DIR], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    await waitForHealth(baseUrl, child, 120_000);
  } catch (error) {
    child.kill('SIGKILL');
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    throw new Error(`${error.message}\n--- atlas output ---\n${output}`);
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }).then(() => {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });
  return { baseUrl, stop, log: () => output, passwords };
}

export async function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * A fresh page on the atlas at `hash` (e.g. `#16/50.979/5.482`), in a Dutch
 * (nl-BE) browser of `viewport` (a desktop by default), waited until the
 * layer panel is built and the map is idle. Records the URLs it requests
 * and the errors it logs.
 */
export async function openAtlas(browser, baseUrl, hash = '', { lang, viewport = { width: 1440, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport, locale: 'nl-BE' });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  const query = lang ? `?lang=${lang}` : '';
  await page.goto(`${baseUrl}/${query}${hash}`);
  await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 60_000 });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'ready') throw new Error(`the atlas page did not load (state ${state}): ${errors.join('; ')}`);
  await mapIdle(page);
  return { page, context, requests, errors };
}

/** Wait until the map has no tiles loading and no camera movement. */
export async function mapIdle(page, timeout = 60_000) {
  const ok = await page.evaluate(
    (timeout) =>
      new Promise((resolve) => {
        const map = window.__atlasMap;
        if (!map) return resolve(false);
        // an 'idle' that fired before we listened never comes again, so also
        // ask for a frame now and then and look again
        const finish = (ok) => {
          clearTimeout(timer);
          clearInterval(poll);
          map.off('idle', check);
          resolve(ok);
        };
        const check = () => {
          if (map.loaded() && !map.isMoving()) finish(true);
        };
        const timer = setTimeout(() => finish(false), timeout);
        const poll = setInterval(() => {
          map.triggerRepaint();
          check();
        }, 250);
        map.on('idle', check);
        check();
      }),
    timeout,
  );
  if (!ok) throw new Error(`the map did not become idle within ${timeout} ms`);
}

/** Run `body(page)` on a fresh page; on failure save a screenshot named after the test. */
export async function withAtlas(testContext, browser, baseUrl, hash, body, options) {
  let opened = null;
  try {
    opened = await openAtlas(browser, baseUrl, hash, options);
    await body(opened);
  } catch (error) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const name = testContext.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    const file = path.join(RESULTS_DIR, `${name}.png`);
    if (opened) {
      await opened.page.screenshot({ path: file }).catch(() => {});
      error.message += `\n(screenshot: ${file})`;
    }
    throw error;
  } finally {
    await opened?.context.close();
  }
}

/** The style layer ids that draw an atlas layer, read from the live map. */
export async function styleLayersOf(page, atlasLayer) {
  return page.evaluate(
    (id) => window.__atlasMap.getStyle().layers.filter((layer) => layer.metadata?.['atlas:layer'] === id).map((layer) => layer.id),
    atlasLayer,
  );
}

/** Features of an atlas layer drawn on screen now (optionally only real features, not clusters). */
export async function renderedFeatures(page, atlasLayer, { withId = true } = {}) {
  return page.evaluate(
    ({ id, withId }) => {
      const map = window.__atlasMap;
      const layers = map.getStyle().layers.filter((layer) => layer.metadata?.['atlas:layer'] === id).map((layer) => layer.id);
      return map
        .queryRenderedFeatures(undefined, { layers })
        .filter((feature) => !withId || feature.properties?.id !== undefined)
        .map((feature) => ({ properties: feature.properties, geometry: feature.geometry }));
    },
    { id: atlasLayer, withId },
  );
}

/** GET a JSON document from the atlas. */
export async function getJson(baseUrl, pathAndQuery) {
  const response = await fetch(`${baseUrl}${pathAndQuery}`);
  if (!response.ok) throw new Error(`${pathAndQuery}: ${response.status}`);
  return response.json();
}

/** The bounding box [minLon, minLat, maxLon, maxLat] of a GeoJSON geometry. */
export function bboxOf(geometry) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (coordinates) => {
    if (typeof coordinates[0] === 'number') {
      box[0] = Math.min(box[0], coordinates[0]);
      box[1] = Math.min(box[1], coordinates[1]);
      box[2] = Math.max(box[2], coordinates[0]);
      box[3] = Math.max(box[3], coordinates[1]);
    } else coordinates.forEach(visit);
  };
  visit(geometry.coordinates);
  return box;
}
