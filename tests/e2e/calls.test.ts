/**
 * Phone calls on the console against the real call core (issue #5, no audio yet). The SIP
 * bridge is played by the test: it sends what Kamailio and sip.js will report (`call.offered`,
 * `call.ended`) as the system actor through the server's own command pipeline. A police call
 * taker goes ready, sees a 110 caller waiting, answers the offer with A, holds and resumes,
 * makes an incident from the call in one action, confirms the phone's proposed location (the
 * incident moves only then) and hangs up; an offer not taken goes back to the queue and sets
 * the seat away, and a caller who gives up is kept with Call back; a second caller joins the
 * incident and a witness is conferenced in and out; calls are handed blind and attended to a
 * dispatcher; a fire dispatcher (in Chinese) never sees police calls. Screenshots at 1920×1080
 * and 1280×800 land in tests/artifacts/screenshots (calls-*).
 */
import type { Browser, Page } from 'playwright-core';
import type { IncidentView } from '../../server/incidents/kind';
import { startTestServer, type TestServer } from '../support/app';
import {
  assertClientBuilt, clearFailureScreenshots, eventually, launchBrowser, openApp, screenshot, tid, waitForAttribute, withEvidence, type OpenApp,
} from './support';
import { BridgeDouble, bothSizes, callRow, setReady, type PidfLocation } from './calls-support';

jest.setTimeout(90_000);

let server: TestServer;
let bridge: BridgeDouble; // the SIP bridge, played by the test
let browser: Browser;
let taker: OpenApp; // the police call taker's console, open all shift
let desk: OpenApp | undefined; // the police dispatcher's console, from the first transfer on
/** The incident made from the first call, which a second caller joins. */
const story: { incidentId?: string } = {};
const opened: OpenApp[] = [];

/** Where the caller's phone says it is (PIDF-LO, GPS ±40 m), and where the caller says they are. */
const PHONE_FIX = { lat: 30.262, lon: 120.158, radiusM: 40, method: 'GPS' };
const CALLER_SAYS = { lat: 30.2772, lon: 120.1207 };

beforeAll(async () => {
  assertClientBuilt();
  clearFailureScreenshots();
  server = await startTestServer({ env: { MEDIA_ENABLED: 'false' } });
  bridge = new BridgeDouble(server);
  browser = await launchBrowser();
  taker = await open('calltaker.police');
}, 60_000);

afterAll(async () => {
  for (const o of opened) await o.close().catch(() => {});
  await browser?.close();
  await server?.stop();
}, 60_000);

async function open(username: string, locale?: string): Promise<OpenApp> {
  const o = await openApp(browser, server, 'console', username, { locale });
  opened.push(o);
  return o;
}

const call = (id: string) => bridge.call(id);
const ring = (line: string, callerNumber: string, location?: PidfLocation) => bridge.ring(line, callerNumber, location);
const incident = async (id: string) => (await server.app.pipeline.load('incident', id))!.view as unknown as IncidentView;

const text = (page: Page, selector: string) => page.locator(selector).innerText();
const row = callRow;

test('a police call taker goes ready, answers a 110 call with A, holds and resumes it, makes an incident of it, confirms the caller location and hangs up', async () => {
  const page = taker.page;
  await withEvidence('calls-story', () => [taker], async () => {
    await waitForAttribute(page, tid('calls-panel'), 'data-agent-state', 'away');
    const callId = await ring('110', '13800138000', PHONE_FIX);

    // Waiting: caller number, line, and a waiting time that ticks.
    await page.locator(row(callId)).waitFor();
    expect(await text(page, row(callId))).toMatch(/13800138000[\s\S]*110 Police emergency/);
    const firstWait = await text(page, `${row(callId)} ${tid('call-wait')}`);
    // Every timer ticks on one shared 1 s clock: wait for the tick, not for a guessed time.
    await eventually('the waiting time ticks', async () => (await text(page, `${row(callId)} ${tid('call-wait')}`)) !== firstWait);
    expect(await text(page, `${row(callId)} ${tid('call-wait')}`)).not.toBe(firstWait);

    // Ready: the ACD offers it to this seat; A answers it (the focus is on no field).
    await setReady(page, true);
    await waitForAttribute(page, tid('call-offer'), 'data-call-id', callId);
    expect(await page.getByTestId('call-offer-number').innerText()).toContain('13800138000');
    await bothSizes(page, 'calls-offered');
    await page.keyboard.press('a');
    await waitForAttribute(page, tid('active-call'), 'data-state', 'answered');
    expect(await call(callId)).toMatchObject({ state: 'answered', agent: { username: 'calltaker.police' } });

    // The phone's location is a proposal: its own marker and radius on the map, not an incident.
    const marker = page.locator(`.beacon-caller-marker[data-call-id="${callId}"]`);
    await marker.waitFor();
    expect(await marker.getAttribute('data-radius-m')).toBe('40');

    await page.getByTestId('call-hold').click();
    await waitForAttribute(page, tid('active-call'), 'data-state', 'held');
    expect((await call(callId)).state).toBe('held');
    await page.getByTestId('call-resume').click();
    await waitForAttribute(page, tid('active-call'), 'data-state', 'answered');

    // One action: the form opens on the call (its agency, its caller); the proposal is not used.
    await page.getByTestId('call-new-incident').click();
    await waitForAttribute(page, tid('incident-form'), 'data-call-id', callId);
    expect(await page.getByTestId('incident-form-caller').innerText()).toContain('13800138000');
    expect(await page.getByTestId('incident-form-agency').innerText()).toBe('Beacon City Public Security Bureau');
    await page.getByTestId('incident-form-proposed').waitFor();
    expect(await page.getByTestId('incident-form-lat').inputValue()).toBe('');
    await page.getByTestId('incident-form-type').selectOption('assault');
    await page.getByTestId('incident-form-priority').selectOption('1');
    await page.getByTestId('incident-form-description').fill('two men fighting outside the library, one bleeding');
    await page.getByTestId('incident-form-lat').fill(String(CALLER_SAYS.lat));
    await page.getByTestId('incident-form-lon').fill(String(CALLER_SAYS.lon));
    await screenshot(page, 'calls-form-from-call');
    await page.getByTestId('incident-form-submit').click();

    const incidentId = await eventually('the call linked to an incident', async () => (await call(callId)).incidentId);
    story.incidentId = incidentId;
    await waitForAttribute(page, tid('incident-detail'), 'data-incident-id', incidentId);
    await page.getByTestId(`queue-row-${incidentId}`).waitFor();
    await page.locator(`${tid('linked-call')}[data-call-id="${callId}"]`).waitFor();
    expect(await text(page, tid('linked-calls'))).toMatch(/13800138000[\s\S]*110 Police emergency/);
    await page.locator(`${tid('timeline-item')}[data-type="incident.call.linked"]`).waitFor();
    expect(await text(page, `${tid('timeline-item')}[data-type="incident.call.linked"]`)).toMatch(/Call linked[\s\S]*13800138000/);
    expect(await incident(incidentId)).toMatchObject({
      agencyId: 'police', location: CALLER_SAYS, calls: [expect.objectContaining({ callId, callerNumber: '13800138000', line: '110', endedAt: null })],
    });
    expect(await page.getByTestId('call-incident').getAttribute('data-incident-id')).toBe(incidentId);
    expect(await marker.count()).toBe(1);
    await bothSizes(page, 'calls-incident-from-call');

    // Only the dispatcher's confirmation moves the incident to the phone's fix.
    await page.getByTestId('call-confirm-location').click();
    await waitForAttribute(page, tid('call-location'), 'data-confirmed', 'true');
    await eventually('the proposal off the map', async () => (await marker.count()) === 0);
    expect((await incident(incidentId)).location).toEqual({ lat: PHONE_FIX.lat, lon: PHONE_FIX.lon });
    await eventually('the incident moved on the console', () => page.evaluate((id) =>
      window.__beaconConsole?.stores.incidents.items.get(id)?.location.lat === 30.262, incidentId));
    const moved = page.locator(`${tid('timeline-item')}[data-type="incident.updated"]`);
    await moved.waitFor();
    expect(await moved.innerText()).toContain(`caller location of ${callId} confirmed`);

    await page.getByTestId('call-hangup').click();
    await eventually('the call gone from the panel', async () => (await page.getByTestId('active-call').count()) === 0);
    await waitForAttribute(page, `${tid('linked-call')}[data-call-id="${callId}"]`, 'data-ended', 'true');
    await page.locator(`${tid('timeline-item')}[data-type="incident.call.ended"]`).waitFor();
    expect(await call(callId)).toMatchObject({ state: 'ended', outcome: 'completed' });
    await screenshot(page, 'calls-after-hangup');
  });
});

test('an offer not taken goes back to the queue and sets the seat away; the caller waits past the target, hangs up and is kept with Call back', async () => {
  const page = taker.page;
  await withEvidence('calls-abandoned', () => [taker], async () => {
    await setReady(page, true);
    const callId = await ring('110', '13900139000');
    await waitForAttribute(page, tid('call-offer'), 'data-call-id', callId);
    // The line's offer time (10 s) passes: the ACD takes the call back and the seat is away, saying why.
    await waitForAttribute(page, tid('calls-panel'), 'data-agent-state', 'away', 15_000);
    expect(await page.getByTestId('away-reason').innerText()).toContain(callId);
    expect(await page.getByTestId('call-offer').count()).toBe(0);
    await waitForAttribute(page, row(callId), 'data-state', 'queued');
    expect((await call(callId)).missedOffers).toEqual([expect.objectContaining({ agentId: 'user:calltaker.police', reason: 'timeout' })]);
    await waitForAttribute(page, row(callId), 'data-overdue', 'true', 5_000);
    expect(await text(page, row(callId))).toMatch(/overdue/i);
    await bothSizes(page, 'calls-overdue');

    await bridge.hangUp(callId, 'cancel');
    const abandoned = page.locator(`${tid('abandoned-call')}[data-call-id="${callId}"]`);
    await abandoned.waitFor();
    expect(await abandoned.innerText()).toContain('13900139000');
    await abandoned.getByTestId('call-callback').click();
    // The callback is a new outbound call in this seat's hands, ringing out.
    await waitForAttribute(page, tid('active-call'), 'data-state', 'ringing');
    expect(await abandoned.innerText()).toContain('1 callback');
    expect((await call(callId)).callbacks).toHaveLength(1);
    await screenshot(page, 'calls-callback');
    await page.getByTestId('call-hangup').click();
    await eventually('the callback gone from the panel', async () => (await page.getByTestId('active-call').count()) === 0);

    await abandoned.getByTestId('call-resolve').click();
    await abandoned.getByTestId('call-resolve-reason').fill('caller reached on a second number');
    await abandoned.getByTestId('call-resolve-submit').click();
    await eventually('the abandoned call resolved', async () => (await abandoned.count()) === 0);
    expect(await call(callId)).toMatchObject({ state: 'ended', resolution: 'caller reached on a second number' });
  });
});

test('a second caller about the same fight is joined to its incident, and a witness is added to the call and removed', async () => {
  const page = taker.page;
  await withEvidence('calls-join', () => [taker], async () => {
    await setReady(page, true);
    const callId = await ring('110', '13300133000');
    await waitForAttribute(page, tid('call-offer'), 'data-call-id', callId);
    await page.getByTestId('call-answer').click();
    await waitForAttribute(page, tid('active-call'), 'data-state', 'answered');

    const incidentId = story.incidentId!;
    await page.getByTestId(`queue-row-${incidentId}`).click();
    await waitForAttribute(page, tid('incident-detail'), 'data-incident-id', incidentId);
    expect(await page.getByTestId('call-join-incident').innerText()).toContain(incidentId);
    await page.getByTestId('call-join-incident').click();
    await waitForAttribute(page, tid('call-incident'), 'data-incident-id', incidentId);
    await waitForAttribute(page, tid('linked-calls'), 'data-count', '2');
    expect((await incident(incidentId)).calls.map((c) => c.callerNumber)).toEqual(['13800138000', '13300133000']);

    await page.getByTestId('call-transfer-target').fill('13200132000');
    await page.getByTestId('call-conference-add').click();
    await waitForAttribute(page, tid('active-call'), 'data-state', 'conferenced');
    expect(await page.getByTestId('call-parties').innerText()).toContain('13200132000');
    await screenshot(page, 'calls-joined-conference');
    await page.getByTestId('call-parties').getByRole('button').click();
    await waitForAttribute(page, tid('active-call'), 'data-state', 'answered');
    await page.getByTestId('call-hangup').click();
    await waitForAttribute(page, `${tid('linked-call')}[data-call-id="${callId}"]`, 'data-ended', 'true');
  });
});

test('a call taker hands a call blind to a dispatcher, who answers it on their console', async () => {
  desk = await open('dispatcher.police');
  const dispatcher = desk;
  await withEvidence('calls-transfer', () => [taker, dispatcher], async () => {
    const desk = dispatcher;
    await setReady(taker.page, true);
    const callId = await ring('122', '13700137000', PHONE_FIX);
    await waitForAttribute(taker.page, tid('call-offer'), 'data-call-id', callId);
    await taker.page.getByTestId('call-answer').click();
    await waitForAttribute(taker.page, tid('active-call'), 'data-state', 'answered');

    // In the form, "Confirm and use" is the dispatcher's confirmation, and only then fills the location.
    await taker.page.getByTestId('call-new-incident').click();
    await waitForAttribute(taker.page, tid('incident-form'), 'data-call-id', callId);
    expect(await taker.page.getByTestId('incident-form-lat').inputValue()).toBe('');
    await taker.page.getByTestId('incident-form-confirm-location').click();
    await eventually('the confirmed location in the form', async () => (await taker.page.getByTestId('incident-form-lat').inputValue()) === '30.262');
    expect(await taker.page.getByTestId('incident-form-lon').inputValue()).toBe('120.158');
    expect((await call(callId)).confirmedLocation).toMatchObject({ lat: 30.262, lon: 120.158, radiusM: 40, method: 'GPS' });
    await taker.page.keyboard.press('Escape');
    await eventually('the form closed', async () => (await taker.page.getByTestId('incident-form').count()) === 0);

    await taker.page.getByTestId('call-transfer-target').fill('dispatcher.police');
    await taker.page.getByTestId('call-transfer-blind').click();
    await eventually('the call gone from the call taker', async () => (await taker.page.getByTestId('active-call').count()) === 0);
    await desk.page.getByTestId('call-answer-transfer').click();
    await waitForAttribute(desk.page, tid('active-call'), 'data-state', 'answered');
    expect(await call(callId)).toMatchObject({ state: 'answered', agent: { username: 'dispatcher.police' } });
    await desk.page.getByTestId('call-hangup').click();
    await eventually('the call ended', async () => (await call(callId)).state === 'ended');
  });
});

test('a call taker consults a dispatcher, who takes the caller over when the transfer completes', async () => {
  const dispatcher = desk!;
  await withEvidence('calls-attended', () => [taker, dispatcher], async () => {
    const callId = await ring('110', '13100131000');
    await waitForAttribute(taker.page, tid('call-offer'), 'data-call-id', callId);
    await taker.page.getByTestId('call-answer').click();
    await waitForAttribute(taker.page, tid('active-call'), 'data-state', 'answered');

    await taker.page.getByTestId('call-transfer-target').fill('dispatcher.police');
    await taker.page.getByTestId('call-transfer-attended').click();
    await waitForAttribute(taker.page, tid('call-transfer-state'), 'data-answered', 'false');
    expect(await taker.page.getByTestId('call-transfer-complete').isDisabled()).toBe(true);
    await dispatcher.page.getByTestId('call-answer-transfer').click();
    await waitForAttribute(taker.page, tid('call-transfer-state'), 'data-answered', 'true');
    // The consulted dispatcher keeps the call in hand while they talk with the call taker (the caller held).
    await waitForAttribute(dispatcher.page, tid('active-call'), 'data-state', 'transferring');
    await dispatcher.page.waitForSelector(tid('call-consulted'));
    await screenshot(taker.page, 'calls-attended-transfer');
    await taker.page.getByTestId('call-transfer-complete').click();
    await eventually('the call gone from the call taker', async () => (await taker.page.getByTestId('active-call').count()) === 0);
    await waitForAttribute(dispatcher.page, tid('active-call'), 'data-state', 'answered');
    expect(await call(callId)).toMatchObject({ state: 'answered', agent: { username: 'dispatcher.police' }, transfer: null });
    await dispatcher.page.getByTestId('call-hangup').click();
    await eventually('the call ended', async () => (await call(callId)).state === 'ended');
  });
});

test('a fire dispatcher (console in Chinese) sees the 119 caller and never a police call', async () => {
  const fire = await open('dispatcher.fire', 'zh-CN');
  await withEvidence('calls-fire', () => [taker, fire], async () => {
    await setReady(taker.page, false);
    const police = await ring('110', '13600136000');
    const fireCall = await ring('119', '13500135000');
    await fire.page.locator(row(fireCall)).waitFor();
    await taker.page.locator(row(police)).waitFor();
    expect(await fire.page.locator(tid('call-row')).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-line')))).toEqual(['119']);
    expect(await fire.page.locator('body').innerText()).not.toContain('13600136000');
    expect(await taker.page.locator('body').innerText()).not.toContain('13500135000');
    expect(await text(fire.page, tid('calls-panel'))).toMatch(/来电[\s\S]*离席[\s\S]*排队[\s\S]*119火警/);
    await screenshot(fire.page, 'calls-fire-dispatcher');
    for (const id of [police, fireCall]) await bridge.hangUp(id);
  });
});
