/**
 * End-to-end support for body cameras: Debian's Chromium with a fake camera and microphone,
 * a crew turning its camera on from the unit page, and the receive statistics a viewer page
 * exposes (`window.__beaconVideo` on the console, `window.__beaconTabletVideo` on the tablet).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/app';
import { assertClientBuilt, eventually, openApp, tid, waitForAttribute, withEvidence, type BeaconApp, type OpenApp, type OpenAppOptions } from './support';

/** Debian's Chromium with a fake camera/microphone, permission prompts accepted, and loopback ICE. */
export function launchMediaBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
    ],
  });
}

/** One received camera video, as `lib/media.ts` reports it. */
export interface VideoStat { producerId: string; unitId: string | null; framesDecoded: number; frameWidth: number; frameHeight: number }
export interface VideoStats { framesDecoded: number; audioBytes: number; videoBytes: number; videos: VideoStat[] }

/** Which page global holds a viewer's statistics. */
export type Viewer = '__beaconVideo' | '__beaconTabletVideo';

/** The viewer page's receive statistics now (null while it views nothing). */
export function videoStats(page: Page, viewer: Viewer = '__beaconVideo'): Promise<VideoStats | null> {
  return page.evaluate((key) => (window as unknown as Record<string, { stats(): Promise<unknown> } | undefined>)[key]?.stats() ?? null, viewer) as Promise<VideoStats | null>;
}

/** The unit's camera video on the viewer page now, if it is received. */
export async function unitVideo(page: Page, unitId: string, viewer: Viewer = '__beaconVideo'): Promise<VideoStat | undefined> {
  return (await videoStats(page, viewer))?.videos.find((v) => v.unitId === unitId);
}

/** Waits until the unit's video decodes `frames` more frames than it had (fresh frames, not a stale count). */
export async function framesRising(page: Page, unitId: string, what: string, timeoutMs = 15_000, frames = 10, viewer: Viewer = '__beaconVideo'): Promise<VideoStat> {
  const before = (await unitVideo(page, unitId, viewer).catch(() => undefined))?.framesDecoded ?? 0;
  return eventually(what, async () => {
    const v = await unitVideo(page, unitId, viewer);
    return v && v.framesDecoded >= before + frames ? v : undefined;
  }, timeoutMs);
}

/**
 * Opens the unit page of a crew assigned to an incident and turns its body camera on; resolves
 * once the page says the camera is live (both producers created).
 */
export async function crewWithCameraOn(browser: Browser, server: TestServer, username: string, at: { lat: number; lon: number }): Promise<OpenApp> {
  const unit = await openApp(browser, server, 'unit', username, { geolocation: at });
  const toggle = unit.page.getByTestId('camera-toggle');
  await toggle.waitFor();
  await toggle.click();
  await waitForAttribute(unit.page, tid('camera-toggle'), 'data-live', 'true', 15_000);
  return unit;
}

/** Turns the crew's camera off or on again from the unit page. */
export async function switchCamera(unit: OpenApp, on: boolean): Promise<void> {
  const toggle = unit.page.getByTestId('camera-toggle');
  if ((await toggle.getAttribute('aria-checked')) !== String(on)) await toggle.click();
  await waitForAttribute(unit.page, tid('camera-toggle'), 'data-live', String(on), 15_000);
}

/** Marks the page so a test can tell it was not reloaded (the marker dies with the document). */
export async function markPage(page: Page): Promise<number> {
  return page.evaluate(() => {
    (window as unknown as { __e2eMark?: string }).__e2eMark = 'not reloaded';
    return performance.timeOrigin;
  });
}

/** Whether the page is still the document `markPage` marked (same time origin, marker present). */
export async function samePage(page: Page, timeOrigin: number): Promise<boolean> {
  return page.evaluate((origin) => (window as unknown as { __e2eMark?: string }).__e2eMark === 'not reloaded' && performance.timeOrigin === origin, timeOrigin);
}

/** What a body-camera E2E file shares: one test server, one media browser, the pages it opened. */
export interface MediaSuite {
  readonly server: TestServer;
  readonly browser: Browser;
  /** Pages to close when the file is done. */
  readonly opened: OpenApp[];
  /** Opens an app page that the suite closes when the file is done. */
  open(app: BeaconApp, username: string, opts?: OpenAppOptions): Promise<OpenApp>;
  /** `crewWithCameraOn` for a page that the suite closes when the file is done. */
  crew(username: string, at: { lat: number; lon: number }): Promise<OpenApp>;
  /** Runs a step; on failure saves a screenshot of every opened page (`FAILED-<name>-<tag>`) and adds their errors to the message. */
  withEvidence(name: string, step: () => Promise<void>): Promise<void>;
}

/**
 * Starts a test server (with `env`) and a media browser before the file's tests, and closes
 * every opened page, the browser and the server after them.
 */
export function mediaSuite(env: Record<string, string> = {}, extraSetup?: (suite: MediaSuite) => Promise<void>): MediaSuite {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const opened: OpenApp[] = [];
  const suite: MediaSuite = {
    get server() {
      if (!server) throw new Error('the media suite has not started');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the media suite has not started');
      return browser;
    },
    opened,
    async open(app, username, opts) {
      const o = await openApp(suite.browser, suite.server, app, username, opts);
      opened.push(o);
      return o;
    },
    async crew(username, at) {
      const o = await crewWithCameraOn(suite.browser, suite.server, username, at);
      opened.push(o);
      return o;
    },
    withEvidence(name, step) {
      return withEvidence(name, () => opened, step);
    },
  };
  beforeAll(async () => {
    assertClientBuilt();
    server = await startTestServer({ env });
    browser = await launchMediaBrowser();
    await extraSetup?.(suite);
  }, 60_000);
  afterAll(async () => {
    for (const o of opened) await o.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  }, 60_000);
  return suite;
}
