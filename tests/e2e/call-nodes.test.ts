/**
 * Two server nodes, one console (issue #5: several nodes share calls): node A runs the SIP edge
 * and serves the police call taker's console in Debian's Chromium; node B joins A's edge
 * (SIP_EDGE_WS_URL). A 110 caller (sipp) whose call the edge gives to node B is answered with A
 * in the console on node A: the console's media signalling is relayed to B over the bus
 * (server/calls/media-relay.ts), the browser's WebRTC goes to B's mediasoup, and audio flows
 * both ways (the browser's inbound-rtp packets rise; the microphone's PCMU is counted at the
 * phone's port). Hang up in the console sends the phone its BYE from B. Calls the edge gives
 * to A meanwhile are taken and hung up by a second police call taker over the WebSocket.
 * Real PostgreSQL and Redis, whatever the backend.
 */
import type { Browser } from 'playwright-core';
import type { CallView } from '../../server/calls/kind';
import { startTestServer, type TestServer } from '../support/app';
import { uniqueName } from '../support/env';
import { TestClient } from '../support/ws-client';
import { callerWaitingForBye, runCaller, type CallerScript } from '../sip/caller';
import { PhoneAudio } from '../sip/phone';
import { launchMediaBrowser } from './bodycam-support';
import { bothWaysRising, setReady } from './calls-support';
import { assertClientBuilt, clearFailureScreenshots, eventually, openApp, tid, waitForAttribute, type OpenApp } from './support';

jest.setTimeout(180_000);

let a: TestServer;
let b: TestServer;
let browser: Browser;
let taker: OpenApp;
let helper: TestClient;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  assertClientBuilt();
  clearFailureScreenshots();
  const shared = { SIP_ENABLED: 'true', DATABASE_SCHEMA: uniqueName('t'), REDIS_PREFIX: uniqueName('beacon-test') };
  a = await startTestServer({ backend: 'postgres', env: { ...shared, NODE_ID: 'node-a' } });
  b = await startTestServer({ backend: 'postgres', runWorkers: false, env: { ...shared, NODE_ID: 'node-b', SIP_EDGE_WS_URL: a.app.sip.edge.wsUrl! } });
  expect(await a.app.sipBridge!.whenRegistered(15_000)).toBe(true);
  expect(await b.app.sipBridge!.whenRegistered(15_000)).toBe(true);
  browser = await launchMediaBrowser();
  taker = await openApp(browser, a, 'console', 'calltaker.police');
  helper = await TestClient.connect(a.port, a.token('dispatcher.police'));
}, 90_000);

afterAll(async () => {
  for (const o of opened) o.close();
  await taker?.close().catch(() => {});
  await helper?.close();
  await browser?.close();
  // B shares A's schema and keys: only A's stop drops them.
  await b?.app.stop();
  await a?.stop();
}, 60_000);

const callView = async (id: string) => (await a.app.pipeline.load('call', id))!.view as unknown as CallView;

/** Starts a 110 caller that answers and waits for the BYE; resolves once its call is queued, with the node holding its leg. */
async function caller(): Promise<{ callId: string; node: 'a' | 'b'; phone: PhoneAudio; run: ReturnType<typeof runCaller> }> {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const s: CallerScript = {
    sipPort: a.app.sip.edge.sipPort, line: '110', user: 'caller.1', password: 'beacon', domain: 'beacon.local', rtpPort: phone.port, body: 'sdp', ending: 'answer',
  };
  const run = runCaller(s, 100_000, callerWaitingForBye(s));
  const seen = new Set<string>();
  const callId = await eventually('a queued call from caller.1', async () => {
    const board = (await (await fetch(`http://127.0.0.1:${a.port}/api/v1/calls?agencyId=police`, {
      headers: { authorization: `Bearer ${a.token('supervisor.police')}` },
    })).json()) as { waiting: { callId: string; callerNumber: string }[] };
    return board.waiting.find((w) => w.callerNumber === 'caller.1' && !seen.has(w.callId))?.callId;
  }, 15_000);
  const node = await eventually('the leg on a node', () => (b.app.sipBridge!.leg(callId) ? 'b' : a.app.sipBridge!.leg(callId) ? 'a' : undefined), 5_000);
  return { callId, node, phone, run };
}


test('a call whose leg is on node B, answered with A in the console on node A: the media signalling goes to B, audio flows both ways between the browser and the phone through B\'s mediasoup, and Hang up sends the BYE from B', async () => {
  const page = taker.page;
  // The edge picks the node per call: calls on A are taken and hung up by the helper until one lands on B.
  let call = await caller();
  for (let tries = 1; call.node === 'a'; tries++) {
    if (tries > 8) throw new Error('eight calls in a row landed on node A');
    await helper.ok({ type: 'call.agent.ready' });
    await eventually('the call offered to the helper', async () => (await callView(call.callId)).offer?.username === 'dispatcher.police', 10_000);
    await helper.ok({ type: 'call.answer', callId: call.callId });
    await eventually('the helper\'s call answered on SIP', () => a.app.sipBridge!.leg(call.callId)?.state === 'Established', 10_000);
    await helper.ok({ type: 'call.hangup', callId: call.callId });
    await helper.ok({ type: 'call.agent.away', reason: 'test' });
    expect((await call.run).code).toBe(0);
    call = await caller();
  }
  const { callId, phone, run } = call;
  run.then((r) => { if (r.code !== 0) console.error(`sipp caller: ${r.code}\n${r.log.join('\n')}\n${r.out}`); }, () => undefined);
  const relayed = { a: a.app.mediaRelay!.counters.relayed, b: b.app.mediaRelay!.counters.hosted };

  await setReady(page, true);
  await page.waitForSelector(tid('call-answer'), { timeout: 15_000 });
  await page.keyboard.press('a');
  await waitForAttribute(page, `${tid('active-call')}[data-call-id="${callId}"]`, 'data-state', 'answered', 10_000);

  const leg = b.app.sipBridge!.leg(callId)!;
  await eventually('the answer (from B) with the leg\'s RTP port', () => leg.audio !== null, 10_000);
  let talking = true;
  const talk = (async () => { while (talking) await phone.send(leg.audio!.port, 10); })();
  try {
    await eventually('the phone producer on B', () => leg.audio!.producerId !== null, 10_000);
    await waitForAttribute(page, tid('call-audio'), 'data-audio-state', 'live', 15_000);
    const phoneBefore = phone.received;
    const first = await bothWaysRising(page, null, 50, 'the phone heard in the browser and the microphone sent');
    expect(first.remoteTracks).toBe(1);
    await eventually('the microphone\'s packets at the phone\'s port', () => phone.received >= phoneBefore + 40, 10_000);
    // Everything of the call's media is on B; A only relayed the signalling.
    const room = b.app.media.room(`call:${callId}`)!;
    const mic = room.producerInfos().find((p) => p.source === 'dispatcher');
    expect(mic).toBeDefined();
    expect(room.producer(mic!.producerId)!.rtpParameters.codecs.map((c) => c.mimeType)).toEqual(['audio/PCMU']);
    expect(a.app.media.room(`call:${callId}`)).toBeUndefined();
    expect(a.app.mediaRelay!.counters.relayed).toBeGreaterThan(relayed.a);
    expect(b.app.mediaRelay!.counters.hosted - relayed.b).toBe(a.app.mediaRelay!.counters.relayed - relayed.a);
    console.log(`across nodes: browser on A received ${first.packetsReceived} packets from the phone on B, sent ${first.packetsSent}; the phone received ${phone.received}`);

    await page.getByTestId('call-hangup').click();
    const result = await run;
    expect(result.log.join('\n')).toContain('bye-received');
    expect(result.code).toBe(0);
    await eventually('the call ended by the agent', async () => (await callView(callId)).state === 'ended', 10_000);
    await page.waitForSelector(tid('call-audio'), { state: 'detached', timeout: 5_000 });
    expect(taker.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  } finally {
    talking = false;
    await talk;
  }
});
