/**
 * The console against a real server, as a dispatch centre lives a shift: the police dispatcher
 * takes a call and dispatches the recommended patrol with one key, units move on the map, the
 * command line dispatches, a console that loses its connection catches up, and the console
 * speaks Chinese. The field apps (phone and tablet) are in dispatch-flow-field.test.ts.
 * Screenshots land in tests/artifacts/screenshots.
 */
import type { Page } from 'playwright-core';
import { eventually, recordConnectionStates, screenshot, tid, waitForAttribute, type ApiAs } from './support';
import { NEAR_XIHU_STATION, dispatchShift, idsOf, openIncidentOnConsole, setField, withEvidence } from './dispatch-flow-support';

jest.setTimeout(60_000);

const shift = dispatchShift();

/** The incident taken on the console in the first story. */
const story: { incidentId?: string; unitId?: string } = {};

test('a dispatcher takes a call on the console, sees the recommendation and dispatches it with D', async () => {
  const page = shift.desk.page;
  await withEvidence('console-dispatch', () => [shift.desk], async () => {
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
    expect(await shift.police.incident(incidentId)).toMatchObject({ incidentType: 'theft', priority: 3, address: '18 Shuguang Rd' });

    await openIncidentOnConsole(page, incidentId);
    await page.getByTestId('recommendation-panel').waitFor();
    const recommended = await eventually('a recommended unit', async () => {
      const ids = await idsOf(page, 'recommended-unit-', tid('recommendation-panel'));
      return ids.length > 0 ? ids : undefined;
    });
    expect([...recommended].sort()).toEqual([...(await shift.police.recommend(incidentId)).recommended].sort());
    const unitId = recommended[0]!;
    story.unitId = unitId;

    await page.getByTestId('incident-detail').focus();
    await page.keyboard.press('D');
    await waitForAttribute(page, tid(`assigned-unit-${unitId}`), 'data-status', 'dispatched');
    expect(await shift.police.incident(incidentId)).toMatchObject({ state: 'dispatched', units: { [unitId]: { status: 'dispatched' } } });
    await waitForAttribute(page, tid(`unit-chip-${unitId}`), 'data-status', 'dispatched');
  });
});

test('units move on the console map as their positions arrive', async () => {
  await withEvidence('map-moves', () => [shift.desk], async () => {
    const page = shift.desk.page;
    await page.getByTestId('map').waitFor();
    const moves = [
      { unitId: 'P-110', lat: 30.2551, lon: 120.1702 },
      { unitId: 'P-111', lat: 30.2688, lon: 120.1903 },
      { unitId: 'P-112', lat: 30.2402, lon: 120.1351 },
    ];
    expect(await shift.supervisor.positions(moves)).toEqual({ accepted: moves.length });
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
    await shift.supervisor.positions([next]);
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
  await withEvidence('command-line', () => [shift.desk], async () => {
    const page = shift.desk.page;
    const incidentId = await shift.police.createIncident({
      incidentType: 'theft', priority: 3, lat: 30.2801, lon: 120.2050, address: 'Qingchun Rd 300', description: 'shoplifter detained by store staff',
    });
    const unitId = (await shift.police.recommend(incidentId)).recommended[0]!;
    await page.getByTestId(`queue-row-${incidentId}`).waitFor();

    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('command-line');
    await page.keyboard.type(`d ${unitId} ${incidentId}`);
    await page.keyboard.press('Enter');

    await eventually(`${unitId} dispatched to ${incidentId}`, async () => (await shift.police.incident(incidentId)).units[unitId]);
    await waitForAttribute(page, tid('command-result'), 'data-result', 'ack');
    await waitForAttribute(page, tid(`unit-chip-${unitId}`), 'data-status', 'dispatched');
    expect(await shift.police.unit(unitId)).toMatchObject({ status: 'dispatched', incidentId });
  });
});

test('the console with a shift\'s incidents and units on the map', async () => {
  // More of a shift's picture: a few more calls and units out on patrol.
  for (const [i, call] of [
    { incidentType: 'traffic-accident', priority: 2, lat: 30.2622, lon: 120.1581, description: 'two cars, one injured', address: 'Hubin Rd & Pinghai Rd' },
    { incidentType: 'disturbance', priority: 3, lat: 30.2466, lon: 120.2012, description: 'loud argument in a restaurant', address: 'Qianjiang Rd 58' },
    { incidentType: 'suspicious-person', priority: 4, lat: 30.2905, lon: 120.1421, description: 'man trying car doors', address: 'Wensan Rd 120' },
  ].entries()) {
    await shift.police.createIncident(call as Parameters<ApiAs['createIncident']>[0]);
    await shift.supervisor.positions([{ unitId: `P-11${3 + i}`, lat: call.lat + 0.004, lon: call.lon - 0.004, heading: 90, speedKmh: 30 }]);
  }
  await eventually('three more rows in the queue', async () => (await idsOf(shift.desk.page, 'queue-row-')).length >= 5);
  await shift.desk.page.waitForTimeout(500); // let the map draw
  await screenshot(shift.desk.page, 'console-shift');
  expect(shift.desk.errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
});

test('a console whose connection drops says so, then resumes and shows what happened meanwhile', async () => {
  const watcher = await shift.open('console', 'dispatcher.police');
  await withEvidence('resume', () => [watcher], async () => {
    const page = watcher.page;
    expect(shift.tap.openSockets(watcher.tag)).toBe(1);
    const soonClosed = await shift.police.createIncident({ incidentType: 'disturbance', priority: 4, lat: 30.25, lon: 120.16, description: 'music after midnight' });
    await page.getByTestId(`queue-row-${soonClosed}`).waitFor();

    const cuts = [
      { how: 'the server cuts the socket', cut: () => expect(shift.tap.drop(watcher.tag)).toBe(1) },
      { how: 'the page drops its connection', cut: () => page.evaluate(() => window.__beaconConsole!.live.dropConnection()) },
    ];
    for (const { how, cut } of cuts) {
      const states = await recordConnectionStates(page);
      shift.tap.refuse(true); // the server stays unreachable while the calls come in
      await cut();
      await waitForAttribute(page, tid('connection-state'), 'data-state', 'reconnecting', 3000);

      const meanwhile = [
        await shift.police.createIncident({ incidentType: 'theft', priority: 3, lat: 30.26, lon: 120.15, description: `while offline (${how}) 1` }),
        await shift.police.createIncident({ incidentType: 'assault', priority: 2, lat: 30.27, lon: 120.17, description: `while offline (${how}) 2` }),
      ];
      const closing = how.startsWith('the server') ? soonClosed : null;
      if (closing) await shift.police.command({ type: 'incident.close', incidentId: closing, disposition: 'quiet on arrival' });
      await page.waitForTimeout(800);
      expect(await page.getByTestId('connection-state').getAttribute('data-state')).toBe('reconnecting');
      // Stale, and saying so.
      expect(await page.getByTestId(`queue-row-${meanwhile[0]}`).count()).toBe(0);
      expect(await page.getByTestId('incident-queue').getAttribute('data-stale')).toBe('true');

      shift.tap.refuse(false);
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
  shift.tap.refuse(false);
  await shift.close(watcher);
});

test('the console switches to Chinese', async () => {
  await withEvidence('language', () => [shift.desk], async () => {
    const page = shift.desk.page;
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
