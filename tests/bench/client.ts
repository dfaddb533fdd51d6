/**
 * The dispatcher console in Debian's Chromium: what it costs to download (the JS and CSS its
 * index.html pulls in), how long a cold load takes until the signed-in map is ready, and how
 * long the map takes to follow a batch of positions with 2,000 units moving and 200 incidents
 * open. `npm run bench` runs it last; `node --import tsx tests/bench/client.ts` runs it alone.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/app';
import { launchBrowser } from '../e2e/support';
import { ms, num, summarize, type LatencySummary } from './stats';

const CLIENT_DIST = resolve(__dirname, '../../client/dist');
const LOAD_RUNS = 5;
const UNITS = 2000;
const INCIDENTS = 200;
const BATCHES = 20;
const WARMUP_BATCHES = 3;
export const MAP_UPDATE_GOAL_MS = 50;

export interface BundleFile { path: string; raw: number; gzip: number }

export interface ClientBenchResult {
  chromium: string;
  bundle: { files: BundleFile[]; raw: number; gzip: number };
  /** Navigation start → signed-in map ready (ms), cold cache each run. */
  load: { restored: number[]; viaForm: number[] };
  map: { units: number; incidents: number; batches: number; views: MapViewResult[] };
}

/** The JS and CSS the console's index.html references (scripts, module preloads, stylesheets). */
export function consoleBundle(dist = CLIENT_DIST): ClientBenchResult['bundle'] {
  const html = readFileSync(join(dist, 'console', 'index.html'), 'utf8');
  const refs = new Set<string>();
  for (const m of html.matchAll(/<(script|link)\b[^>]*>/g)) {
    const tag = m[0];
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if (!url || /^https?:/.test(url)) continue;
    const isScript = m[1] === 'script';
    const isStyleOrPreload = /\brel="(stylesheet|modulepreload)"/.test(tag);
    if ((isScript || isStyleOrPreload) && /\.(m?js|css)$/.test(url)) refs.add(url);
  }
  const files = [...refs].map((url) => {
    const file = url.startsWith('/') ? join(dist, url) : join(dist, 'console', url);
    const body = readFileSync(file);
    return { path: url, raw: body.length, gzip: gzipSync(body).length };
  });
  return { files, raw: files.reduce((s, f) => s + f.raw, 0), gzip: files.reduce((s, f) => s + f.gzip, 0) };
}

/**
 * A console-sized browser context. tsx (esbuild with keepNames) wraps the named functions inside
 * `page.evaluate` callbacks in a `__name(...)` helper that only exists in Node: give the page one.
 */
async function consoleContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'en-US' });
  await context.addInitScript('globalThis.__name = (fn) => fn;');
  return context;
}

/** Resolves with performance.now() (ms since navigation start) once the signed-in map is ready. */
async function mapReadyAt(page: Page): Promise<number> {
  const handle = await page.waitForFunction(() => {
    const c = window.__beaconConsole;
    const drawn = document.querySelector('.beacon-unit-marker, .beacon-unit-cluster') !== null;
    return c && c.live.state === 'live' && c.stores.units.items.size > 0 && drawn ? performance.now() : false;
  }, undefined, { polling: 'raf', timeout: 20_000 });
  return (await handle.jsonValue()) as number;
}

async function measureLoads(browser: Browser, server: TestServer, progress: (line: string) => void): Promise<ClientBenchResult['load']> {
  const url = `http://127.0.0.1:${server.port}/console/`;
  const restored: number[] = [];
  const viaForm: number[] = [];
  for (let i = 0; i < LOAD_RUNS; i++) {
    // A reload mid-shift: the session is in sessionStorage, the HTTP cache is cold.
    const session = await (await fetch(`http://127.0.0.1:${server.port}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'dispatcher.police', password: server.app.config.DEMO_PASSWORD }),
    })).json();
    let context = await consoleContext(browser);
    await context.addInitScript((s) => sessionStorage.setItem('beacon.session.console', s), JSON.stringify(session));
    let page = await context.newPage();
    await page.goto(url);
    restored.push(await mapReadyAt(page));
    await context.close();

    // Signing in at the start of a shift: the form is filled as soon as it shows.
    context = await consoleContext(browser);
    page = await context.newPage();
    await page.goto(url);
    await page.getByTestId('login-username').fill('dispatcher.police');
    await page.getByTestId('login-password').fill(server.app.config.DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    viaForm.push(await mapReadyAt(page));
    await context.close();
  }
  progress(`client: console load (session restored) ${restored.map((x) => x.toFixed(0)).join(', ')} ms; via the form ${viaForm.map((x) => x.toFixed(0)).join(', ')} ms`);
  return { restored, viaForm };
}

/** Where the map looks while positions arrive: the whole city (clusters) or a few streets (single markers). */
const VIEWS = [
  { name: 'whole city', zoom: null },
  { name: 'street level (zoom 15, city centre)', zoom: 15 },
] as const;

export interface MapViewResult {
  view: string;
  /** Writing the batch into the units store (what the feed handler does for a burst of positions). */
  write: LatencySummary;
  /** The units layer's own figure for each batch (`unitsLayer.lastUpdateMs()`: re-index + marker diff). */
  layer: LatencySummary;
  /** Main-thread work per batch: write + layer redraw (the goal is judged on this and on long frames). */
  work: LatencySummary;
  /** First position written → redraw done (includes waiting for the store's and the layer's animation frames). */
  toRedraw: LatencySummary;
  /** Long animation frames (> 50 ms, rendering included) seen during the measured batches, and the longest. */
  longFrames: number;
  longestFrameMs: number;
  /** Unit markers and clusters on the map after the last batch. */
  markers: number;
  clusters: number;
}

/** Seeds the console's stores with synthetic units and incidents, then moves every unit BATCHES times per view. */
async function measureMapUpdates(browser: Browser, server: TestServer, progress: (line: string) => void): Promise<MapViewResult[]> {
  const context = await consoleContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/console/`);
    await page.getByTestId('login-username').fill('dispatcher.police');
    await page.getByTestId('login-password').fill(server.app.config.DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await mapReadyAt(page);
    await page.evaluate(({ units, incidents }) => {
      const c = window.__beaconConsole!;
      const rand = (min: number, max: number) => min + Math.random() * (max - min);
      const statuses = ['available', 'available', 'available', 'dispatched', 'en_route', 'on_scene', 'returning'];
      const types = ['patrol-car', 'fire-engine', 'als-ambulance', 'road-repair-truck'];
      const agencies = ['police', 'fire', 'ems', 'city'];
      const districts = ['xihu', 'shangcheng', 'binjiang'];
      const now = new Date().toISOString();
      for (let i = 0; i < units; i++) {
        const id = `SYN-${String(i).padStart(4, '0')}`;
        c.stores.units.items.set(id, {
          id, version: 1, status: statuses[i % statuses.length]!, callsign: `Synthetic ${i}`, typeId: types[i % 4]!, agencyId: agencies[i % 4]!,
          stationId: 'st-police-xihu', homeDistrictId: districts[i % 3]!, capabilities: ['patrol'], incidentId: null, emergency: false,
          since: now, outOfServiceReason: null, lastReason: null,
          position: { lat: rand(30.22, 30.30), lon: rand(120.10, 120.22), at: now, heading: rand(0, 360), speedKmh: rand(0, 60) },
        });
      }
      c.stores.units.changed();
      for (let i = 0; i < incidents; i++) {
        const id = `INC-SYN-${String(i).padStart(4, '0')}`;
        c.stores.incidents.items.set(id, {
          id, version: 3, state: i % 3 === 0 ? 'pending' : 'dispatched', incidentType: 'theft', priority: (1 + (i % 4)) as 1 | 2 | 3 | 4,
          agencyId: 'police', districtId: districts[i % 3]!, location: { lat: rand(30.22, 30.30), lon: rand(120.10, 120.22) }, recordings: [], calls: [],
          address: `Synthetic Rd ${i}`, description: 'synthetic benchmark incident', pendingTargetMs: 600_000, intakeComplete: true,
          createdAt: now, divisions: {}, resourceRequests: [], units: {}, alerts: [], mergedInto: null, holdReason: null,
          disposition: null, closedAt: null, noteCount: 0, escalations: 0, firstDispatchedAt: null, firstOnSceneAt: null,
        });
      }
      c.stores.incidents.changed();
    }, { units: UNITS, incidents: INCIDENTS });
    await page.waitForTimeout(1000); // the queue and the layers take the new data in

    const results: MapViewResult[] = [];
    for (const view of VIEWS) {
      const samples = await page.evaluate(async ({ zoom, batches, warmup }) => {
        const c = window.__beaconConsole!;
        const layer = c.unitsLayer;
        const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())));
        if (zoom !== null) c.map.setView([30.26, 120.16], zoom, { animate: false });
        for (let i = 0; i < 5; i++) await nextFrame();
        // Note when the layer redraws, without changing what it does.
        let redraws = 0;
        let redrawnAt = 0;
        const update = layer.update.bind(layer);
        layer.update = () => {
          update();
          redraws++;
          redrawnAt = performance.now();
        };
        const longFrames: number[] = [];
        let measuring = false;
        const loaf = new PerformanceObserver((list) => {
          if (measuring) for (const e of list.getEntries()) longFrames.push(e.duration);
        });
        try {
          loaf.observe({ type: 'long-animation-frame', buffered: false });
        } catch {
          // Not supported: reported as 0 long frames.
        }
        const out = { write: [] as number[], layer: [] as number[], work: [] as number[], toRedraw: [] as number[] };
        const ids = [...c.stores.units.items.keys()].filter((id) => id.startsWith('SYN-'));
        try {
          for (let b = 0; b < warmup + batches; b++) {
            measuring = b >= warmup;
            const before = redraws;
            const started = performance.now();
            for (const id of ids) {
              const u = c.stores.units.items.get(id)!;
              const p = u.position!;
              const d = () => (Math.random() - 0.5) * 0.001;
              c.stores.units.items.set(id, { ...u, position: { ...p, lat: p.lat + d(), lon: p.lon + d(), at: new Date().toISOString() } });
            }
            c.stores.units.changed();
            const written = performance.now();
            for (let f = 0; f < 120 && redraws === before; f++) await nextFrame();
            if (redraws === before) throw new Error(`the units layer did not redraw after batch ${b}`);
            await nextFrame(); // the frame that shows the moved markers
            await nextFrame(); // and one more, so its long-frame entry (if any) is delivered
            if (b < warmup) continue;
            const layerMs = layer.lastUpdateMs();
            out.write.push(written - started);
            out.layer.push(layerMs);
            out.work.push(written - started + layerMs);
            out.toRedraw.push(redrawnAt - started);
          }
          await new Promise((r) => setTimeout(r, 100));
        } finally {
          measuring = false;
          loaf.disconnect();
          delete (layer as { update?: unknown }).update;
        }
        return {
          ...out, longFrames,
          markers: document.querySelectorAll('.beacon-unit-marker').length,
          clusters: document.querySelectorAll('.beacon-unit-cluster').length,
        };
      }, { zoom: view.zoom, batches: BATCHES, warmup: WARMUP_BATCHES });
      const r: MapViewResult = {
        view: view.name, write: summarize(samples.write), layer: summarize(samples.layer), work: summarize(samples.work),
        toRedraw: summarize(samples.toRedraw), longFrames: samples.longFrames.length, longestFrameMs: Math.max(0, ...samples.longFrames),
        markers: samples.markers, clusters: samples.clusters,
      };
      progress(`client: map update at ${r.view} (${r.markers} markers, ${r.clusters} clusters): work p50 ${ms(r.work.p50)} / max ${ms(r.work.max)} ms ` +
        `(layer max ${ms(r.layer.max)}), redraw after p50 ${ms(r.toRedraw.p50)} ms, ${r.longFrames} frames > 50 ms (longest ${ms(r.longestFrameMs)})`);
      results.push(r);
    }
    return results;
  } finally {
    await context.close();
  }
}

export async function runClientBench(progress: (line: string) => void): Promise<ClientBenchResult> {
  if (!existsSync(join(CLIENT_DIST, 'console', 'index.html'))) throw new Error('client/dist is missing: run scripts/install.sh');
  const bundle = consoleBundle();
  progress(`client: console bundle ${num(bundle.raw / 1024)} KiB raw, ${num(bundle.gzip / 1024)} KiB gzip in ${bundle.files.length} files`);
  const server = await startTestServer({ backend: 'pglite' });
  const browser = await launchBrowser();
  try {
    const load = await measureLoads(browser, server, progress);
    const views = await measureMapUpdates(browser, server, progress);
    return { chromium: browser.version(), bundle, load, map: { units: UNITS, incidents: INCIDENTS, batches: BATCHES, views } };
  } finally {
    await browser.close();
    await server.stop();
    rmSync(server.app.config.DATA_DIR, { recursive: true, force: true });
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const median = (xs: number[]) => summarize(xs).p50;

/** True when every batch's work stays under the goal and no frame took longer than it. */
export function meetsMapGoal(v: MapViewResult): boolean {
  return v.work.max < MAP_UPDATE_GOAL_MS && v.longFrames === 0;
}

/** The "Browser console" section of BENCHMARKS.md. */
export function clientSection(r: ClientBenchResult): string[] {
  const range = (xs: number[]) => `${ms(median(xs))} ms (${ms(Math.min(...xs))}-${ms(Math.max(...xs))})`;
  const verdict = r.map.views.map((v) => `${v.view}: ${meetsMapGoal(v) ? '**met**' : '**missed**'}`).join('; ');
  return [
    '## 4. Browser console',
    '',
    `Chromium ${r.chromium} (Debian, headless, software rendering), 1920x1080, on the same cores as the server.`,
    '',
    '| Figure | Value |',
    '|---|--:|',
    `| Initial bundle: JS + CSS referenced by console/index.html (${r.bundle.files.length} files), raw | ${kib(r.bundle.raw)} |`,
    `| Same, gzip (zlib default level) | ${kib(r.bundle.gzip)} |`,
    `| Load, session restored: navigation start to signed-in map ready, median of ${r.load.restored.length} (min-max) | ${range(r.load.restored)} |`,
    `| Load, signing in through the form: same, median of ${r.load.viaForm.length} (min-max) | ${range(r.load.viaForm)} |`,
    '',
    `Map update with ${num(r.map.units)} units all moving and ${num(r.map.incidents)} open incidents, ${r.map.batches} batches per view. ` +
      `Goal: < ${MAP_UPDATE_GOAL_MS} ms per batch (work per batch, and no frame over ${MAP_UPDATE_GOAL_MS} ms): ${verdict}.`,
    '',
    '| View | Markers / clusters | Write p50 / max | Layer redraw p50 / p95 / max | Work p50 / p95 / max | Redraw done after p50 / max | Frames > 50 ms (longest) |',
    '|---|--:|--:|--:|--:|--:|--:|',
    ...r.map.views.map((v) => `| ${v.view} | ${v.markers} / ${v.clusters} | ${ms(v.write.p50)} / ${ms(v.write.max)} | ` +
      `${ms(v.layer.p50)} / ${ms(v.layer.p95)} / ${ms(v.layer.max)} | ${ms(v.work.p50)} / ${ms(v.work.p95)} / ${ms(v.work.max)} | ` +
      `${ms(v.toRedraw.p50)} / ${ms(v.toRedraw.max)} | ${v.longFrames}${v.longFrames ? ` (${ms(v.longestFrameMs)})` : ''} |`),
    '',
    'All figures in ms. Bundle files: ' + r.bundle.files.map((f) => `\`${f.path}\` ${kib(f.raw)} (${kib(f.gzip)} gzip)`).join(', ') + '. ' +
      'The server sends these files uncompressed (server/http/static.ts does not gzip), so the raw figure is what crosses the wire today.',
    '',
    'Method: a fresh browser context per load (cold HTTP cache); "ready" is the first animation frame where the map exists, the ' +
      'connection is live, the units store holds the fleet and a unit marker or cluster is on the map. For the map, synthetic units ' +
      '(lat 30.22-30.30, lon 120.10-120.22) and incidents are written straight into `window.__beaconConsole.stores`; each batch ' +
      'replaces every synthetic unit\'s position and signals the store once, as a burst of `unit.positions` frames does. "Write" is ' +
      'that store write; "layer redraw" is `unitsLayer.lastUpdateMs()` (supercluster re-index plus marker diff); "work" is their ' +
      'sum. "Redraw done after" runs from the first position written to the end of the redraw, so it adds the store\'s and the ' +
      'layer\'s animation-frame waits (two frames by design). "Frames > 50 ms" are the browser\'s long-animation-frame entries ' +
      `during the measured batches, layout and paint of the moved markers included. ${WARMUP_BATCHES} warm-up batches per view are not counted.`,
  ];
}

/** Puts the client section before BENCHMARKS.md's "Method" section (or reports why it is missing). */
export function withClientSection(report: string, outcome: { ok: true; value: ClientBenchResult } | { ok: false; error: string }): string {
  const lines = outcome.ok ? clientSection(outcome.value) : ['## 4. Browser console', '', `**Not measured: the bench failed:** ${outcome.error}`];
  const at = report.indexOf('\n## Method');
  return at < 0 ? `${report}\n${lines.join('\n')}\n` : `${report.slice(0, at)}\n${lines.join('\n')}\n${report.slice(at)}`;
}

if (require.main === module) {
  const started = performance.now();
  runClientBench((line) => process.stderr.write(`[client bench +${((performance.now() - started) / 1000).toFixed(0)} s] ${line}\n`)).then(
    (r) => {
      process.stdout.write(`${clientSection(r).join('\n')}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`client bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
