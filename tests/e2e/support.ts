/**
 * End-to-end support: Debian's Chromium driven by playwright-core against a real in-process
 * server serving the built apps (client/dist). Opens the console, the field-unit page and the
 * commander tablet signed in as a seeded user, taps the server's WebSocket upgrades so a test
 * can cut one page's connection from the server side, and saves screenshots.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import type { Command, CommandResult } from '../../server/protocol';
import type { TestServer } from '../support/app';

export type BeaconApp = 'console' | 'unit' | 'tablet';

const CLIENT_DIST = resolve(__dirname, '../../client/dist');
export const SCREENSHOT_DIR = resolve(__dirname, '../artifacts/screenshots');

/** Each app on the device it is made for. */
const DEVICES: Record<BeaconApp, BrowserContextOptions> = {
  console: { viewport: { width: 1920, height: 1080 } },
  unit: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  tablet: { viewport: { width: 1180, height: 820 }, hasTouch: true },
};

/** Throws unless the browser apps are built (the server serves client/dist). */
export function assertClientBuilt(): void {
  for (const app of ['console', 'unit', 'tablet'] as const) {
    if (!existsSync(join(CLIENT_DIST, app, 'index.html'))) {
      throw new Error(`client/dist/${app}/index.html is missing: run scripts/install.sh to build the browser apps`);
    }
  }
}

/** Debian's Chromium, headless, talking only to loopback (never a downloaded browser). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export interface OpenApp {
  context: BrowserContext;
  page: Page;
  /** Marks this page's requests (User-Agent suffix), WebSocket upgrade included: see `SocketTap`. */
  tag: string;
  /** Uncaught page errors and console errors, for failure messages and the report. */
  errors: string[];
  close(): Promise<void>;
}

export interface OpenAppOptions {
  /** Grant geolocation and place the device here (the unit page's GPS). */
  geolocation?: { lat: number; lon: number };
  /** Browser language (default en-US, so the apps start in English). */
  locale?: string;
  /** Wait for `connection-state` to be `live` after signing in (default true). */
  waitLive?: boolean;
}

/** A fresh browser context on the app's device, signed in through the login form. */
export async function openApp(browser: Browser, server: TestServer, app: BeaconApp, username: string, opts: OpenAppOptions = {}): Promise<OpenApp> {
  const tag = `${app}-${username}-${randomUUID().slice(0, 8)}`;
  const context = await browser.newContext({
    ...DEVICES[app],
    locale: opts.locale ?? 'en-US',
    timezoneId: 'Asia/Shanghai',
    userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${browser.version()} Safari/537.36 BeaconE2E/${tag}`,
    ...(opts.geolocation
      ? { geolocation: { latitude: opts.geolocation.lat, longitude: opts.geolocation.lon, accuracy: 5 }, permissions: ['geolocation'] }
      : {}),
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
  });
  const opened: OpenApp = { context, page, tag, errors, close: () => context.close() };
  try {
    await page.goto(`http://127.0.0.1:${server.port}/${app}/`);
    await page.getByTestId('login-username').fill(username);
    await page.getByTestId('login-password').fill(server.app.config.DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    if (opts.waitLive !== false) await waitForAttribute(page, '[data-testid="connection-state"]', 'data-state', 'live', 15_000);
    return opened;
  } catch (err) {
    await context.close().catch(() => {});
    throw new Error(`could not open the ${app} as ${username}: ${(err as Error).message}${errors.length ? `\npage errors: ${errors.join(' | ')}` : ''}`);
  }
}

/**
 * Runs a story; on failure saves a screenshot of every page involved (`FAILED-<name>-<tag>`)
 * and adds their page errors to the failure's message.
 */
export async function withEvidence(name: string, pages: () => OpenApp[], run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const notes: string[] = [];
    for (const o of pages()) {
      await screenshot(o.page, `FAILED-${name}-${o.tag}`).catch(() => {});
      if (o.errors.length) notes.push(`${o.tag}: ${o.errors.slice(-5).join(' | ')}`);
    }
    if (notes.length && err instanceof Error) err.message += `\npage errors:\n${notes.join('\n')}`;
    throw err;
  }
}

/** Saves tests/artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Removes the FAILED-* screenshots of an earlier run, so those left over are this run's. */
export function clearFailureScreenshots(): void {
  if (!existsSync(SCREENSHOT_DIR)) return;
  for (const f of readdirSync(SCREENSHOT_DIR)) if (f.startsWith('FAILED-')) rmSync(join(SCREENSHOT_DIR, f));
}

/** Css selector of a `data-testid`. */
export const tid = (id: string) => `[data-testid="${id}"]`;

/** Waits until the element matching `selector` has `attr` equal to `value` (or matching it). */
export async function waitForAttribute(page: Page, selector: string, attr: string, value: string | RegExp, timeoutMs = 5000): Promise<void> {
  const expected = typeof value === 'string' ? { s: value } : { re: value.source, flags: value.flags };
  try {
    await page.waitForFunction(({ selector, attr, expected }) => {
      const got = document.querySelector(selector)?.getAttribute(attr);
      if (got == null) return false;
      return 's' in expected ? got === expected.s : new RegExp(expected.re!, expected.flags).test(got);
    }, { selector, attr, expected: expected as { s?: string; re?: string; flags?: string } }, { timeout: timeoutMs, polling: 'raf' });
  } catch {
    const got = await page.evaluate(({ selector, attr }) => {
      const el = document.querySelector(selector);
      return el ? `${attr}=${JSON.stringify(el.getAttribute(attr))}` : 'no such element';
    }, { selector, attr }).catch(() => 'page gone');
    throw new Error(`${selector} did not get ${attr}=${String(value)} within ${timeoutMs} ms (${got})`);
  }
}

/**
 * Starts watching the DOM for `selector[attr]` to become `value` and resolves with the
 * wall-clock time (Date.now(), same clock as the test process) of the mutation that made it so.
 * Start it before the action whose effect it measures.
 */
export async function watchAttribute(page: Page, selector: string, attr: string, value: string, timeoutMs = 5000): Promise<() => Promise<number>> {
  const key = randomUUID();
  await page.evaluate(({ key, selector, attr, value }) => {
    const w = window as unknown as { __e2eSeen?: Record<string, number> };
    w.__e2eSeen ??= {};
    const check = () => {
      if (w.__e2eSeen![key] === undefined && document.querySelector(selector)?.getAttribute(attr) === value) {
        w.__e2eSeen![key] = Date.now();
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: [attr] });
  }, { key, selector, attr, value });
  return async () => {
    try {
      const handle = await page.waitForFunction((key) => (window as unknown as { __e2eSeen?: Record<string, number> }).__e2eSeen?.[key], key, { timeout: timeoutMs });
      return (await handle.jsonValue()) as number;
    } catch {
      const got = await page.evaluate(({ selector, attr }) => document.querySelector(selector)?.getAttribute(attr) ?? 'no such element', { selector, attr });
      throw new Error(`${selector} did not change to ${attr}=${value} within ${timeoutMs} ms (now ${got})`);
    }
  };
}

/** Records every value `connection-state` shows from now on (to see a short `reconnecting`). */
export async function recordConnectionStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __e2eStates?: string[]; __e2eStatesObserver?: MutationObserver };
    w.__e2eStatesObserver?.disconnect();
    w.__e2eStates = [];
    let last: string | null = null;
    const note = () => {
      const s = document.querySelector('[data-testid="connection-state"]')?.getAttribute('data-state') ?? null;
      if (s !== null && s !== last) w.__e2eStates!.push(s);
      last = s;
    };
    note();
    w.__e2eStatesObserver = new MutationObserver(note);
    w.__e2eStatesObserver.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => (window as unknown as { __e2eStates?: string[] }).__e2eStates ?? []);
}

/** Polls `probe` until it returns something other than undefined/false/null. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The server's HTTP API as a signed-in user (for the parts of a story a test only sets up). */
export class ApiAs {
  private readonly auth: string;

  constructor(private readonly server: TestServer, readonly username: string) {
    this.auth = `Bearer ${server.token(username)}`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.server.port}${path}`, {
      method,
      headers: { authorization: this.auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { code?: string; message?: string };
    if (!res.ok) throw new Error(`${this.username} ${method} ${path}: HTTP ${res.status} ${json.code}: ${json.message}`);
    return json;
  }

  command(cmd: DistributiveOmit<Command, 'commandId'>): Promise<CommandResult> {
    return this.request('POST', '/api/v1/commands', { ...cmd, commandId: randomUUID().replaceAll('-', '') });
  }

  async createIncident(input: { incidentType: string; priority: 1 | 2 | 3 | 4; lat: number; lon: number; description: string; address?: string }): Promise<string> {
    const r = await this.command({
      type: 'incident.create', incidentType: input.incidentType, priority: input.priority,
      location: { lat: input.lat, lon: input.lon }, description: input.description, address: input.address,
    });
    return r.createdId!;
  }

  incident(incidentId: string): Promise<IncidentSnapshot> {
    return this.request('GET', `/api/v1/incidents/${incidentId}`);
  }

  recommend(incidentId: string, limit = 3): Promise<{ recommended: string[] }> {
    return this.request('GET', `/api/v1/incidents/${incidentId}/recommendations?limit=${limit}`);
  }

  unit(unitId: string): Promise<{ id: string; status: string; incidentId: string | null }> {
    return this.request('GET', `/api/v1/units/${unitId}`);
  }

  positions(positions: { unitId: string; lat: number; lon: number; heading?: number; speedKmh?: number }[]): Promise<{ accepted: number }> {
    const at = new Date().toISOString();
    return this.request('POST', '/api/v1/avl', { positions: positions.map((p) => ({ at, ...p })) });
  }
}

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

export interface IncidentSnapshot {
  id: string;
  state: string;
  version: number;
  units: Record<string, { status: string }>;
  divisions: Record<string, string>;
  resourceRequests: { requests: { capability: string; count: number }[]; note: string }[];
  noteCount: number;
}

/**
 * Watches the server's WebSocket upgrades, so a test can cut one page's live connection from
 * the server side (the TCP socket destroyed, no close frame: what a crashed node or a dropped
 * NAT entry looks like to the browser) and refuse reconnections for a while.
 */
export class SocketTap {
  private readonly sockets: { tag: string; socket: Duplex }[] = [];
  private refusing = false;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex) => {
    if (this.refusing) {
      socket.destroy();
      return;
    }
    const tag = /BeaconE2E\/(\S+)/.exec(req.headers['user-agent'] ?? '')?.[1] ?? 'untagged';
    this.sockets.push({ tag, socket });
  };

  constructor(private readonly server: TestServer) {
    // Before the WebSocket server's own listener, so a refused upgrade never reaches it.
    server.app.server.prependListener('upgrade', this.onUpgrade);
  }

  /** Open live sockets of the page opened with this tag. */
  openSockets(tag: string): number {
    return this.sockets.filter((s) => s.tag === tag && !s.socket.destroyed).length;
  }

  /** Destroys the page's open sockets; returns how many. */
  drop(tag: string): number {
    const open = this.sockets.filter((s) => s.tag === tag && !s.socket.destroyed);
    for (const s of open) s.socket.destroy();
    return open.length;
  }

  /** While refusing, every new WebSocket upgrade is cut at once (the server looks down). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  detach(): void {
    this.refusing = false;
    this.server.app.server.off('upgrade', this.onUpgrade);
  }
}
