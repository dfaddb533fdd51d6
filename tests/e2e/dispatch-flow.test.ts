/**
 * The browser apps against a real server, as a dispatch centre lives a shift: the police
 * dispatcher takes a call on the console and dispatches the recommended patrol with one key,
 * the crew acknowledges on the phone and the console shows it within a second, units move on
 * the map, the command line dispatches, a console that loses its connection catches up, the
 * fire commander organises the scene on the tablet while the fire dispatcher watches, and the
 * console speaks Chinese. Screenshots of the three apps land in tests/artifacts/screenshots.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/app';
import {
  ApiAs, assertClientBuilt, clearFailureScreenshots, eventually, launchBrowser, openApp, recordConnectionStates, screenshot, SocketTap, tid,
  waitForAttribute, watchAttribute, type BeaconApp, type OpenApp, type OpenAppOptions,
} from './support';

jest.setTimeout(60_000);

let server: TestServer;
let browser: Browser;
let tap: SocketTap;
let desk: OpenApp; // the police dispatcher's console, open all shift
let police: ApiAs; // the police dispatcher's other desk (HTTP), for what a test only sets up
let supervisor: ApiAs;
const opened: OpenApp[] = [];

/** The incident taken on the console in the first story, used by the next ones. */
const story: { incidentId?: string; unitId?: string } = {};

/** A city block near the West Lake police station, where the patrols start. */
const NEAR_XIHU_STATION = { lat: 30.2772, lon: 120.1207 };

beforeAll(async () => {
  assertClientBuilt();
  clearFailureScreenshots();
  server = await startTestServer();
  tap = new SocketTap(server);
  browser = await launchBrowser();
  police = new ApiAs(server, 'dispatcher.police');
  supervisor = new ApiAs(server, 'supervisor.police');
  desk = await open('console', 'dispatcher.police');
}, 60_000);

afterAll(async () => {
  for (const o of opened) await o.close().catch(() => {});
  await browser?.close();
  tap?.detach();
  await server?.stop();
}, 60_000);

async function open(app: BeaconApp, username: string, opts?: OpenAppOptions): Promise<OpenApp> {
  const o = await openApp(browser, server, app, username, opts);
  opened.push(o);
  return o;
}

async function close(o: OpenApp): Promise<void> {
  opened.splice(opened.indexOf(o), 1);
  await o.close();
}

/** Runs a story; on failure saves a screenshot of every page involved and adds their errors. */
async function withEvidence(name: string, pages: () => OpenApp[], run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const notes: string[] = [];
    for (const [i, o] of pages().entries()) {
      await screenshot(o.page, `FAILED-${name}-${i}`).catch(() => {});
      if (o.errors.length) notes.push(`${o.tag}: ${o.errors.slice(-5).join(' | ')}`);
    }
    if (notes.length && err instanceof Error) err.message += `\npage errors:\n${notes.join('\n')}`;
    throw err;
  }
}

/** Fills an input, or picks an option when the field is a <select>. */
async function setField(page: Page, testId: string, value: string): Promise<void> {
  const field = page.getByTestId(testId);
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
  else await field.fill(value);
}

/** Ids behind `prefix` in data-testids present on the page (e.g. queue-row-<id>). */
async function idsOf(page: Page, prefix: string, within?: string): Promise<string[]> {
  return page.evaluate(({ prefix, within }) => {
    const root = within ? document.querySelector(within) : document;
    return Array.from(root?.querySelectorAll(`[data-testid^="${prefix}"]`) ?? []).map((el) => el.getAttribute('data-testid')!.slice(prefix.length));
  }, { prefix, within });
}

async function openIncidentOnConsole(page: Page, incidentId: string): Promise<void> {
  await page.getByTestId(`queue-row-${incidentId}`).click();
  await waitForAttribute(page, tid('incident-detail'), 'data-incident-id', incidentId);
}

/** An incident dispatched with its recommended units, for stories that start there. */
async function dispatchedIncident(api: ApiAs, input: Parameters<ApiAs['createIncident']>[0]): Promise<{ incidentId: string; unitIds: string[] }> {
  const incidentId = await api.createIncident(input);
  const { recommended } = await api.recommend(incidentId);
  expect(recommended.length).toBeGreaterThan(0);
  await api.command({ type: 'incident.dispatch', incidentId, unitIds: recommended });
  return { incidentId, unitIds: recommended };
}

test('a dispatcher takes a call on the console, sees the recommendation and dispatches it with D', async () => {
  const page = desk.page;
  await withEvidence('console-dispatch', () => [desk], async () => {
    const before = new Set(await idsOf(page, 'queue-row-'));
    await page.getByTestId('new-incident-button').click();
    await page.getByTestId('incident-form').waitFor();
    await setField(page, 'incident-form-type', 'theft');
    await setField(page, 'incident-form-priority', '3');
    await setField(page, 'incident-form-address', '18 Shuguang Rd');
    await setField(page, 'incident-form-description', 'bicycle stolen from rack outside the library');
    await setField(page, 'incident-form-lat', String(NEAR_XIHU_STATION.lat));
    await setField(page, 'incident-form-lon', String(NEAR_XIHU_STATION.lon));
    await page.getByTestId('incident-form-submit').click();

    const incidentId = await eventually('the new incident in the queue', async () =>
      (await idsOf(page, 'queue-row-')).find((id) => !before.has(id)));
    expect(incidentId).toMatch(/^INC-/);
    story.incidentId = incidentId;
    expect(await police.incident(incidentId)).toMatchObject({ incidentType: 'theft', priority: 3, address: '18 Shuguang Rd' });

    await openIncidentOnConsole(page, incidentId);
    await page.getByTestId('recommendation-panel').waitFor();
    const recommended = await eventually('a recommended unit', async () => {
      const ids = await idsOf(page, 'recommended-unit-', tid('recommendation-panel'));
      return ids.length > 0 ? ids : undefined;
    });
    expect([...recommended].sort()).toEqual([...(await police.recommend(incidentId)).recommended].sort());
    const unitId = recommended[0]!;
    story.unitId = unitId;

    await page.getByTestId('incident-detail').focus();
    await page.keyboard.press('D');
    await waitForAttribute(page, tid(`assigned-unit-${unitId}`), 'data-status', 'dispatched');
    expect(await police.incident(incidentId)).toMatchObject({ state: 'dispatched', units: { [unitId]: { status: 'dispatched' } } });
    await waitForAttribute(page, tid(`unit-chip-${unitId}`), 'data-status', 'dispatched');
  });
});

test('the crew acknowledges and goes en route on the phone, and the console shows each change within a second', async () => {
  if (!story.incidentId || !story.unitId) {
    // The console story failed: start this one from an incident dispatched over HTTP.
    const d = await dispatchedIncident(police, { incidentType: 'theft', priority: 3, ...NEAR_XIHU_STATION, description: 'phone snatched' });
    Object.assign(story, { incidentId: d.incidentId, unitId: d.unitIds[0] });
    await openIncidentOnConsole(desk.page, d.incidentId);
  }
  const { incidentId, unitId } = story as Required<typeof story>;
  const crew = await open('unit', unitId.toLowerCase(), { geolocation: NEAR_XIHU_STATION });
  await withEvidence('unit-ack', () => [desk, crew], async () => {
    await waitForAttribute(crew.page, tid('assignment'), 'data-incident-id', incidentId);
    await waitForAttribute(crew.page, tid('unit-status'), 'data-status', 'dispatched');
    await screenshot(crew.page, 'unit-assignment');

    const latencies: Record<string, number> = {};
    for (const [button, status] of [['status-btn-acknowledge', 'acknowledged'], ['status-btn-en_route', 'en_route']] as const) {
      const onConsole = await watchAttribute(desk.page, tid(`assigned-unit-${unitId}`), 'data-status', status, 3000);
      const chip = await watchAttribute(desk.page, tid(`unit-chip-${unitId}`), 'data-status', status, 3000);
      const tappedAt = Date.now();
      await crew.page.getByTestId(button).tap();
      latencies[status] = (await onConsole()) - tappedAt;
      latencies[`${status} (unit board)`] = (await chip()) - tappedAt;
      await waitForAttribute(crew.page, tid('unit-status'), 'data-status', status);
    }
    console.log(`tap on the phone → console DOM: ${JSON.stringify(latencies)} ms`);
    for (const ms of Object.values(latencies)) expect(ms).toBeLessThan(1000);
    expect(await police.incident(incidentId)).toMatchObject({ units: { [unitId]: { status: 'en_route' } } });

    // On the way, the phone shares its position and the crew sends a word to dispatch.
    const onTheWay = { lat: 30.2751, lon: 120.1188 };
    await crew.context.setGeolocation({ latitude: onTheWay.lat, longitude: onTheWay.lon, accuracy: 8 });
    await crew.page.getByTestId('gps-toggle').tap();
    await waitForAttribute(crew.page, tid('gps-last-sent'), 'data-sent-at', /^\d{4}-/, 5000);
    await eventually(`${unitId} at the phone's position on the console`, () => desk.page.evaluate(({ unitId, lat, lon }) => {
      const p = window.__beaconConsole?.stores.units.items.get(unitId)?.position;
      return !!p && Math.abs(p.lat - lat) < 1e-6 && Math.abs(p.lon - lon) < 1e-6;
    }, { unitId, ...onTheWay }));
    await crew.page.getByTestId('note-input').fill('victim waiting at the library entrance');
    await crew.page.getByTestId('note-submit').tap();
    await desk.page.locator(`${tid('incident-detail')} ${tid('timeline-item')}[data-type="incident.note.added"]`, { hasText: 'victim waiting at the library entrance' }).waitFor({ timeout: 3000 });
    await crew.page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(crew.page, 'unit-en-route');
  });
});

test('units move on the console map as their positions arrive', async () => {
  await withEvidence('map-moves', () => [desk], async () => {
    const page = desk.page;
    await page.getByTestId('map').waitFor();
    const moves = [
      { unitId: 'P-110', lat: 30.2551, lon: 120.1702 },
      { unitId: 'P-111', lat: 30.2688, lon: 120.1903 },
      { unitId: 'P-112', lat: 30.2402, lon: 120.1351 },
    ];
    expect(await supervisor.positions(moves)).toEqual({ accepted: moves.length });
    for (const m of moves) {
      const position = await eventually(`${m.unitId} moved in the console's unit store`, () => page.evaluate(({ unitId, lat, lon }) => {
        const p = window.__beaconConsole?.stores.units.items.get(unitId)?.position;
        return p && Math.abs(p.lat - lat) < 1e-6 && Math.abs(p.lon - lon) < 1e-6 ? p : undefined;
      }, m));
      expect(position).toMatchObject({ lat: m.lat, lon: m.lon });
      // Close enough that the unit is drawn on its own, not inside a cluster.
      await page.evaluate(({ lat, lon }) => window.__beaconConsole!.map.setView([lat, lon], 16, { animate: false }), m);
      await eventually(`${m.unitId}'s marker at its new position`, () => markerAt(page, m.unitId, m.lat, m.lon));
    }

    // Watching one unit: its marker follows the next fix without anyone touching the map.
    const next = { unitId: 'P-112', lat: 30.2409, lon: 120.1362 };
    const sentAt = Date.now();
    await supervisor.positions([next]);
    await eventually('P-112 marker follows the next fix', () => markerAt(page, next.unitId, next.lat, next.lon));
    console.log(`position report → marker moved on the console: ${Date.now() - sentAt} ms`);
    expect(await page.evaluate(() => window.__beaconConsole!.unitsLayer.lastUpdateMs())).toBeGreaterThanOrEqual(0);
    await page.evaluate(() => {
      const c = window.__beaconConsole!;
      const ring = c.stores.units.values().filter((u) => u.position).map((u) => [u.position!.lat, u.position!.lon] as [number, number]);
      c.map.fitBounds(ring, { padding: [20, 20], animate: false });
    });
  });
});

/** True when the unit's marker is drawn on its own at exactly this position. */
function markerAt(page: Page, unitId: string, lat: number, lon: number): Promise<boolean> {
  return page.evaluate(({ unitId, lat, lon }) => {
    const el = document.querySelector<HTMLElement>(`.beacon-unit-marker[data-unit-id="${unitId}"]`);
    return !!el && Math.abs(Number(el.dataset.lat) - lat) < 1e-6 && Math.abs(Number(el.dataset.lon) - lon) < 1e-6;
  }, { unitId, lat, lon });
}

test('the command line dispatches a unit: "d <unit> <incident>"', async () => {
  await withEvidence('command-line', () => [desk], async () => {
    const page = desk.page;
    const incidentId = await police.createIncident({
      incidentType: 'theft', priority: 3, lat: 30.2801, lon: 120.2050, address: 'Qingchun Rd 300', description: 'shoplifter detained by store staff',
    });
    const unitId = (await police.recommend(incidentId)).recommended[0]!;
    await page.getByTestId(`queue-row-${incidentId}`).waitFor();

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('command-line');
    await page.keyboard.type(`d ${unitId} ${incidentId}`);
    await page.keyboard.press('Enter');

    await eventually(`${unitId} dispatched to ${incidentId}`, async () => (await police.incident(incidentId)).units[unitId]);
    await waitForAttribute(page, tid('command-result'), 'data-result', 'ack');
    await waitForAttribute(page, tid(`unit-chip-${unitId}`), 'data-status', 'dispatched');
    expect(await police.unit(unitId)).toMatchObject({ status: 'dispatched', incidentId });
  });
});

test('the console with a shift\'s incidents and units on the map', async () => {
  // More of a shift's picture: a few more calls and units out on patrol.
  for (const [i, call] of [
    { incidentType: 'traffic-accident', priority: 2, lat: 30.2622, lon: 120.1581, description: 'two cars, one injured', address: 'Hubin Rd & Pinghai Rd' },
    { incidentType: 'disturbance', priority: 3, lat: 30.2466, lon: 120.2012, description: 'loud argument in a restaurant', address: 'Qianjiang Rd 58' },
    { incidentType: 'suspicious-person', priority: 4, lat: 30.2905, lon: 120.1421, description: 'man trying car doors', address: 'Wensan Rd 120' },
  ].entries()) {
    await police.createIncident(call as Parameters<ApiAs['createIncident']>[0]);
    await supervisor.positions([{ unitId: `P-11${3 + i}`, lat: call.lat + 0.004, lon: call.lon - 0.004, heading: 90, speedKmh: 30 }]);
  }
  await eventually('three more rows in the queue', async () => (await idsOf(desk.page, 'queue-row-')).length >= 5);
  await desk.page.waitForTimeout(500); // let the map draw
  await screenshot(desk.page, 'console-shift');
  expect(desk.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
});

test('a console whose connection drops says so, then resumes and shows what happened meanwhile', async () => {
  const watcher = await open('console', 'dispatcher.police');
  await withEvidence('resume', () => [watcher], async () => {
    const page = watcher.page;
    expect(tap.openSockets(watcher.tag)).toBe(1);
    const soonClosed = await police.createIncident({ incidentType: 'disturbance', priority: 4, lat: 30.25, lon: 120.16, description: 'music after midnight' });
    await page.getByTestId(`queue-row-${soonClosed}`).waitFor();

    const cuts = [
      { how: 'the server cuts the socket', cut: () => expect(tap.drop(watcher.tag)).toBe(1) },
      { how: 'the page drops its connection', cut: () => page.evaluate(() => window.__beaconConsole!.live.dropConnection()) },
    ];
    for (const { how, cut } of cuts) {
      const states = await recordConnectionStates(page);
      tap.refuse(true); // the server stays unreachable while the calls come in
      await cut();
      await waitForAttribute(page, tid('connection-state'), 'data-state', 'reconnecting', 3000);

      const meanwhile = [
        await police.createIncident({ incidentType: 'theft', priority: 3, lat: 30.26, lon: 120.15, description: `while offline (${how}) 1` }),
        await police.createIncident({ incidentType: 'assault', priority: 2, lat: 30.27, lon: 120.17, description: `while offline (${how}) 2` }),
      ];
      const closing = how.startsWith('the server') ? soonClosed : null;
      if (closing) await police.command({ type: 'incident.close', incidentId: closing, disposition: 'quiet on arrival' });
      await page.waitForTimeout(800);
      expect(await page.getByTestId('connection-state').getAttribute('data-state')).toBe('reconnecting');
      // Stale, and saying so.
      expect(await page.getByTestId(`queue-row-${meanwhile[0]}`).count()).toBe(0);
      expect(await page.getByTestId('incident-queue').getAttribute('data-stale')).toBe('true');

      tap.refuse(false);
      const backAt = Date.now();
      await waitForAttribute(page, tid('connection-state'), 'data-state', 'live', 15_000);
      for (const id of meanwhile) await page.getByTestId(`queue-row-${id}`).waitFor({ timeout: 5000 });
      if (closing) await page.getByTestId(`queue-row-${closing}`).waitFor({ state: 'detached', timeout: 5000 });
      console.log(`${how}: states ${JSON.stringify(await states())}, caught up ${Date.now() - backAt} ms after the server came back`);
      expect(await states()).toEqual(expect.arrayContaining(['reconnecting', 'live']));
      expect((await states()).at(-1)).toBe('live');
      expect(await page.getByTestId('incident-queue').getAttribute('data-stale')).toBe('false');
    }
  });
  tap.refuse(false);
  await close(watcher);
});

test('the fire commander puts a unit into a division on the tablet, and the fire dispatcher sees it', async () => {
  const fire = new ApiAs(server, 'dispatcher.fire');
  const { incidentId, unitIds } = await dispatchedIncident(fire, {
    incidentType: 'structure-fire', priority: 2, lat: 30.2762, lon: 120.1680, address: 'Yan\'an Rd 98', description: 'smoke from 3rd floor window, people on balcony',
  });
  const fireDesk = await open('console', 'dispatcher.fire');
  const commander = await open('tablet', 'commander.fire');
  await withEvidence('tablet-division', () => [fireDesk, commander], async () => {
    await openIncidentOnConsole(fireDesk.page, incidentId);
    const tablet = commander.page;
    await tablet.getByTestId('incident-list').waitFor();
    await tablet.getByTestId(`incident-item-${incidentId}`).tap();
    await tablet.getByTestId('ics-board').waitFor();
    const unitId = unitIds[0]!;
    const unitCard = tablet.getByTestId(`ics-unit-${unitId}`);
    await unitCard.waitFor();
    for (const u of unitIds) await tablet.getByTestId(`ics-unit-${u}`).waitFor();
    await screenshot(tablet, 'tablet-ics-before');

    const columns = (await idsOf(tablet, 'division-', tid('ics-board'))).filter((s) => s !== 'unassigned');
    expect(columns.length).toBeGreaterThan(0);
    const column = tablet.getByTestId(`division-${columns[0]}`);

    const assignedEvent = `${tid('timeline-item')}[data-type="incident.unit.division.assigned"]`;
    let how = 'finger drag';
    await fingerDrag(tablet, unitCard, column);
    const moved = await eventually('division on the server', async () => (await fire.incident(incidentId)).divisions[unitId], 2500).catch(() => undefined);
    if (!moved) {
      how = 'tap unit, then tap column';
      await unitCard.tap();
      await column.tap();
    }
    const division = await eventually('division on the server', async () => (await fire.incident(incidentId)).divisions[unitId]);
    console.log(`unit ${unitId} moved into "${division}" (${how})`);
    await waitForAttribute(tablet, tid(`ics-unit-${unitId}`), 'data-division', division);
    await fireDesk.page.locator(`${tid('incident-detail')} ${assignedEvent}`).first().waitFor({ timeout: 3000 });
    await waitForAttribute(fireDesk.page, tid(`assigned-unit-${unitId}`), 'data-division', division, 3000);

    // Fill the board for the picture: the rest of the first alarm into the other columns.
    for (const [i, u] of unitIds.slice(1).entries()) {
      const to = i % 2 === 0 ? division : 'Rescue Group';
      await fire.command({ type: 'incident.unit.division', incidentId, unitId: u, division: to });
      // The board grows as cards move: wait for it, or a tap below lands where the button was.
      await waitForAttribute(tablet, tid(`ics-unit-${u}`), 'data-division', to);
    }

    // The commander asks for a second alarm and logs why; the fire dispatcher is alerted and reads it.
    await tablet.getByTestId('resource-capability').selectOption('fire-suppression');
    await tablet.getByTestId('resource-count').fill('2');
    await tablet.getByTestId('resource-note').fill('second alarm: fire spreading to 4th floor');
    await tablet.getByTestId('resource-submit').tap();
    const alert = fireDesk.page.locator(`${tid('alerts-panel')} [data-testid^="alert-"][data-kind="resource_request"][data-incident-id="${incidentId}"]`);
    await alert.first().waitFor({ timeout: 3000 });
    expect((await fire.incident(incidentId)).resourceRequests).toMatchObject([{ requests: [{ capability: 'fire-suppression', count: 2 }] }]);
    await tablet.getByTestId('decision-input').fill('defensive attack on the east side until the ladder is up');
    await tablet.getByTestId('decision-submit').tap();
    await fireDesk.page.locator(`${tid('incident-detail')} ${tid('timeline-item')}[data-type="incident.note.added"]`, { hasText: 'defensive attack' }).waitFor({ timeout: 3000 });
    await tablet.locator(`${tid('timeline')} ${tid('timeline-item')}`, { hasText: 'defensive attack' }).waitFor({ timeout: 3000 });

    await tablet.evaluate(() => document.querySelectorAll('main, .content').forEach((el) => el.scrollTo(0, 0))); // the board in view
    await tablet.waitForTimeout(500);
    await screenshot(tablet, 'tablet-ics');
    await screenshot(fireDesk.page, 'console-fire-incident');
  });
  await close(commander);
  await close(fireDesk);
});

/**
 * Drags with one finger (touch events, as on the tablet's glass) from the middle of one element
 * to another, at a hand's pace (a touch event per frame), resting on the target before lifting:
 * a finger lifted while still moving starts a fling, and Chromium swallows the next tap as
 * "stop the fling".
 */
async function fingerDrag(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('drag source or target is not on screen');
  const start = { x: a.x + a.width / 2, y: a.y + a.height / 2 };
  const end = { x: b.x + b.width / 2, y: b.y + Math.min(b.height / 2, 60) };
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [start] });
  const steps = 15;
  for (let i = 1; i <= steps + 6; i++) {
    const f = Math.min(1, i / steps);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: start.x + (end.x - start.x) * f, y: start.y + (end.y - start.y) * f }] });
    await page.waitForTimeout(16);
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

test('the console switches to Chinese', async () => {
  await withEvidence('language', () => [desk], async () => {
    const page = desk.page;
    const english = await page.getByTestId('connection-state').innerText();
    await page.getByTestId('language-toggle').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    const state = await page.getByTestId('connection-state').innerText();
    expect(state).not.toBe(english);
    expect(state).toMatch(/[\u4e00-\u9fff]/);
    expect(await page.getByTestId('new-incident-button').innerText()).toMatch(/[\u4e00-\u9fff]/);
    const chinese = await page.evaluate(() => (document.body.innerText.match(/[\u4e00-\u9fff]/g) ?? []).length);
    expect(chinese).toBeGreaterThan(20);
    await screenshot(page, 'console-zh');
  });
});
