/**
 * The shift the dispatch-flow stories share: a real server, a browser, the police dispatcher's
 * console open all shift, their other desk over HTTP and a supervisor's, and the helpers the
 * console and field stories both use. `dispatchShift()` registers the suite's beforeAll/afterAll.
 */
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/app';
import {
  ApiAs, assertClientBuilt, clearFailureScreenshots, launchBrowser, openApp, SocketTap, tid,
  waitForAttribute, type BeaconApp, type OpenApp, type OpenAppOptions,
} from './support';

/** A city block near the West Lake police station, where the patrols start. */
export const NEAR_XIHU_STATION = { lat: 30.2772, lon: 120.1207 };

export interface DispatchShift {
  readonly server: TestServer;
  readonly tap: SocketTap;
  /** The police dispatcher's console, open all shift. */
  readonly desk: OpenApp;
  /** The police dispatcher's other desk (HTTP), for what a test only sets up. */
  readonly police: ApiAs;
  readonly supervisor: ApiAs;
  open(app: BeaconApp, username: string, opts?: OpenAppOptions): Promise<OpenApp>;
  close(o: OpenApp): Promise<void>;
}

/** Registers the shift's beforeAll/afterAll; its members are there once beforeAll ran. */
export function dispatchShift(): DispatchShift {
  let server: TestServer;
  let browser: Browser;
  let tap: SocketTap;
  let desk: OpenApp;
  let police: ApiAs;
  let supervisor: ApiAs;
  const opened: OpenApp[] = [];
  const shift: DispatchShift = {
    get server() { return server; },
    get tap() { return tap; },
    get desk() { return desk; },
    get police() { return police; },
    get supervisor() { return supervisor; },
    async open(app, username, opts) {
      const o = await openApp(browser, server, app, username, opts);
      opened.push(o);
      return o;
    },
    async close(o) {
      opened.splice(opened.indexOf(o), 1);
      await o.close();
    },
  };
  beforeAll(async () => {
    assertClientBuilt();
    clearFailureScreenshots();
    server = await startTestServer();
    tap = new SocketTap(server);
    browser = await launchBrowser();
    police = new ApiAs(server, 'dispatcher.police');
    supervisor = new ApiAs(server, 'supervisor.police');
    desk = await shift.open('console', 'dispatcher.police');
  }, 60_000);
  afterAll(async () => {
    for (const o of opened) await o.close().catch(() => {});
    await browser?.close();
    tap?.detach();
    await server?.stop();
  }, 60_000);
  return shift;
}

export { withEvidence } from './support';

/** Fills an input, or picks an option when the field is a <select>. */
export async function setField(page: Page, testId: string, value: string): Promise<void> {
  const field = page.getByTestId(testId);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

/** Ids behind `prefix` in data-testids present on the page (e.g. queue-row-<id>). */
export async function idsOf(page: Page, prefix: string, within?: string): Promise<string[]> {
  return page.evaluate(({ prefix, within }) => {
    const root = within ? document.querySelector(within) : document;
    return Array.from(root?.querySelectorAll(`[data-testid^="${prefix}"]`) ?? []).map((el) => el.getAttribute('data-testid')!.slice(prefix.length));
  }, { prefix, within });
}

export async function openIncidentOnConsole(page: Page, incidentId: string): Promise<void> {
  await page.getByTestId(`queue-row-${incidentId}`).click();
  await waitForAttribute(page, tid('incident-detail'), 'data-incident-id', incidentId);
}

/** An incident dispatched with its recommended units, for stories that start there. */
export async function dispatchedIncident(api: ApiAs, input: Parameters<ApiAs['createIncident']>[0]): Promise<{ incidentId: string; unitIds: string[] }> {
  const incidentId = await api.createIncident(input);
  const { recommended } = await api.recommend(incidentId);
  expect(recommended.length).toBeGreaterThan(0);
  await api.command({ type: 'incident.dispatch', incidentId, unitIds: recommended });
  return { incidentId, unitIds: recommended };
}
