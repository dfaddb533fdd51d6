/**
 * Two-way call audio in the console (issue #5): a real SIP caller (sipp, through the server's
 * Kamailio) dials 110; its phone's RTP is a Node socket sending G.711 PCMU every 20 ms and
 * counting what comes back (`tests/sip/phone.ts`). A police call taker in Debian's Chromium
 * (fake microphone) goes ready and answers with A; the call in hand plays the caller (the
 * browser's inbound-rtp packets rise) and the dispatcher's microphone reaches the phone as
 * PCMU (packets counted at the phone's port). A dropped connection rebuilds both. Hold leaves the call room (no audio either way,
 * the phone gets a=sendonly), Resume rejoins it, Mute stops the microphone's RTP, and Hang up
 * in the console sends the phone a BYE, which ends sipp's scenario. The call taker also calls a
 * unit's field phone (a registered sipp that answers) from the console: C, the number, Enter.
 * Screenshot: tests/artifacts/screenshots/call-audio-1920.png and call-audio-1280.png.
 */
import type { Browser } from 'playwright-core';
import type { CallView } from '../../server/calls/kind';
import { startTestServer, type TestServer } from '../support/app';
import { callerWaitingForBye, runCaller, type CallerScript } from '../sip/caller';
import { PhoneAudio, runCallee } from '../sip/phone';
import { sippRegister } from '../sip/peers';
import { freePort } from '../../media/sip/free-port';
import { udpPortFree } from '../../media/udp-ports';
import { launchMediaBrowser } from './bodycam-support';
import { audioStats, bothSizes, bothWaysRising, setReady } from './calls-support';
import { assertClientBuilt, clearFailureScreenshots, eventually, openApp, SocketTap, tid, waitForAttribute, type OpenApp } from './support';

jest.setTimeout(120_000);

let server: TestServer;
let browser: Browser;
let taker: OpenApp;
let tap: SocketTap;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  assertClientBuilt();
  clearFailureScreenshots();
  server = await startTestServer({ env: { SIP_ENABLED: 'true' } });
  expect(await server.app.sipBridge!.whenRegistered(10_000)).toBe(true);
  browser = await launchMediaBrowser();
  tap = new SocketTap(server);
  taker = await openApp(browser, server, 'console', 'calltaker.police');
}, 60_000);

afterAll(async () => {
  for (const o of opened) o.close();
  await taker?.close().catch(() => {});
  tap?.detach();
  await browser?.close();
  await server?.stop();
}, 60_000);

const waitsForBye = (s: CallerScript) => callerWaitingForBye(s);

/** Runs that caller with sipp to the end (bounded in time). */
const runCallerUntilBye = (s: CallerScript) => runCaller(s, 100_000, waitsForBye(s));

const callView = async (id: string) => (await server.app.pipeline.load('call', id))!.view as unknown as CallView;



test('a 110 caller on sipp is answered with A in the console: RTP both ways counted at both ends, hold and resume, mute, rebuilt after a reconnect, and Hang up sends the BYE', async () => {
  const page = taker.page;
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCallerUntilBye({
    sipPort: server.app.sip.edge.sipPort, line: '110', user: 'caller.1', password: 'beacon', domain: 'beacon.local',
    rtpPort: phone.port, body: 'sdp', ending: 'answer', reinvites: 2,
  });
  run.then((r) => { if (r.code !== 0) console.error(`sipp caller: ${r.code}\n${r.log.join('\n')}\n${r.out}`); }, () => undefined);

  // Ready, offered, answered with A from anywhere on the console.
  await setReady(page, true);
  await page.waitForSelector(tid('call-answer'), { timeout: 15_000 });
  const callId = await eventually('the call offered to the call taker', async () => {
    const board = (await (await fetch(`http://127.0.0.1:${server.port}/api/v1/calls?agencyId=police`, {
      headers: { authorization: `Bearer ${server.token('supervisor.police')}` },
    })).json()) as { waiting: { callId: string; callerNumber: string }[] };
    return board.waiting.find((w) => w.callerNumber === 'caller.1')?.callId;
  }, 10_000);
  await page.keyboard.press('a');
  await waitForAttribute(page, `${tid('active-call')}[data-call-id="${callId}"]`, 'data-state', 'answered', 10_000);

  // The phone talks from the moment it has the answer (its first packet latches the leg's port).
  const leg = server.app.sipBridge!.leg(callId)!;
  await eventually('the answer with the leg\'s RTP port', () => leg.audio !== null, 10_000);
  const answerPort = leg.audio!.port;
  let talking = true;
  const talk = (async () => { while (talking) await phone.send(answerPort, 10); })();
  try {
    await eventually('the phone producer', () => leg.audio!.producerId !== null, 10_000);

    // Both ways: the browser receives the phone (inbound-rtp), the phone receives the browser's microphone.
    await waitForAttribute(page, tid('call-audio'), 'data-audio-state', 'live', 15_000);
    const phoneBefore = phone.received;
    const first = await bothWaysRising(page, null, 50, 'the phone heard in the browser and the microphone sent');
    expect(first.remoteTracks).toBe(1);
    expect(first.microphone).toBe(true);
    await eventually('the microphone\'s packets at the phone\'s port', () => phone.received >= phoneBefore + 40, 10_000);
    expect(leg.audio!.packetsFromPhone).toBeGreaterThan(50);
    // The microphone is published as PCMU, so the phone gets plain G.711 without transcoding.
    const room = server.app.media.room(`call:${callId}`)!;
    const mic = room.producerInfos().find((p) => p.source === 'dispatcher')!;
    expect(room.producer(mic.producerId)!.rtpParameters.codecs.map((c) => c.mimeType)).toEqual(['audio/PCMU']);
    console.log(`both ways: browser received ${first.packetsReceived} packets (${first.bytesReceived} B) from the phone, sent ${first.packetsSent}; the phone received ${phone.received}`);
    // The audio element plays the caller's track.
    expect(await page.evaluate(() => {
      const el = document.querySelector<HTMLAudioElement>('[data-testid="call-audio-out"]');
      const stream = el?.srcObject as MediaStream | null;
      return { tracks: stream?.getAudioTracks().filter((t) => t.readyState === 'live').length ?? 0, autoplay: el?.autoplay };
    })).toEqual({ tracks: 1, autoplay: true });
    await bothSizes(page, 'call-audio');

    // Hold: the console leaves the call room, nothing reaches the phone; Resume brings both ways back.
    await page.getByTestId('call-hold').click();
    await waitForAttribute(page, `${tid('active-call')}[data-call-id="${callId}"]`, 'data-state', 'held', 10_000);
    await page.waitForSelector(tid('call-audio'), { state: 'detached', timeout: 5_000 });
    expect(await audioStats(page)).toBeNull();
    await new Promise((r) => setTimeout(r, 300));
    const heldAt = phone.received;
    await new Promise((r) => setTimeout(r, 1000));
    expect(phone.received - heldAt).toBeLessThanOrEqual(2);
    await page.getByTestId('call-resume').click();
    await waitForAttribute(page, `${tid('active-call')}[data-call-id="${callId}"]`, 'data-state', 'answered', 10_000);
    await waitForAttribute(page, tid('call-audio'), 'data-audio-state', 'live', 15_000);
    const resumedAt = phone.received;
    const resumed = await bothWaysRising(page, null, 25, 'audio both ways again after Resume');
    await eventually('the microphone at the phone again', () => phone.received >= resumedAt + 20, 10_000);

    // Mute: the microphone's producer pauses, so no RTP reaches the phone; the caller is still heard.
    await page.getByTestId('call-mute').click();
    await waitForAttribute(page, tid('call-audio'), 'data-muted', 'true');
    await eventually('the microphone paused', async () => (await audioStats(page))?.microphone === false, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    const mutedAt = phone.received;
    const mutedStats = (await audioStats(page))!;
    await new Promise((r) => setTimeout(r, 1000));
    expect(phone.received - mutedAt).toBeLessThanOrEqual(2);
    const stillHearing = (await audioStats(page))!;
    expect(stillHearing.packetsReceived).toBeGreaterThan(mutedStats.packetsReceived + 20);
    expect(stillHearing.packetsSent - mutedStats.packetsSent).toBeLessThanOrEqual(2);
    await page.getByTestId('call-mute').click();
    await waitForAttribute(page, tid('call-audio'), 'data-muted', 'false');
    const unmutedAt = phone.received;
    await eventually('the microphone at the phone after unmuting', () => phone.received >= unmutedAt + 20, 10_000);
    expect(resumed.remoteTracks).toBe(1);

    // The console's connection drops (server side, no close frame): the call audio is rebuilt on the new one.
    const micBefore = room.producerInfos().find((p) => p.source === 'dispatcher')!.producerId;
    expect(tap.drop(taker.tag)).toBeGreaterThan(0);
    await eventually('a new microphone producer after the reconnect', () => {
      const now = room.producerInfos().find((p) => p.source === 'dispatcher');
      return now && now.producerId !== micBefore;
    }, 20_000);
    await waitForAttribute(page, tid('connection-state'), 'data-state', 'live', 10_000);
    const reconnectedAt = phone.received;
    const rebuilt = await bothWaysRising(page, null, 25, 'audio both ways after the reconnect');
    expect(rebuilt.remoteTracks).toBe(1);
    await eventually('the microphone at the phone after the reconnect', () => phone.received >= reconnectedAt + 20, 10_000);
    expect(room.producerInfos().filter((p) => p.source === 'dispatcher')).toHaveLength(1);

    // Hang up in the console: the phone gets the BYE and sipp's scenario completes.
    await page.getByTestId('call-hangup').click();
    const result = await run;
    expect(result.log.join('\n')).toContain('reinvite=sendonly');
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

test('the call taker calls a unit\'s field phone from the console (C, number, Enter): it rings, answers, audio flows both ways, and Hang up sends the BYE', async () => {
  const page = taker.page;
  const number = server.app.city.seed.units.find((u) => u.agencyId === 'police')!.id.toLowerCase();
  const sipPort = await freePort('127.0.0.1', { udp: true });
  expect(await sippRegister({ port: server.app.sip.edge.sipPort, domain: 'beacon.local', user: number, password: 'beacon', localPort: sipPort })).toBe(200);
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCallee(sipPort, phone.port, 80_000);
  await eventually('the field phone\'s sipp listening', async () => !(await udpPortFree('127.0.0.1', sipPort)), 5_000);

  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('c');
  await eventually('the dial field focused', () => page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'call-dial-target'), 5_000);
  await page.keyboard.type(number);
  await page.keyboard.press('Enter');
  const callId = await eventually('the outbound call in hand', () => page.getAttribute(tid('active-call'), 'data-call-id'), 10_000);
  expect(await callView(callId!)).toMatchObject({ direction: 'outbound', callerNumber: number, agent: { username: 'calltaker.police' } });
  await waitForAttribute(page, `${tid('active-call')}[data-call-id="${callId}"]`, 'data-state', 'answered', 15_000);

  const leg = server.app.sipBridge!.leg(callId!)!;
  let talking = true;
  const talk = (async () => { while (talking) await phone.send(leg.audio!.port, 10); })();
  try {
    await eventually('the field phone\'s producer', () => leg.audio!.producerId !== null, 10_000);
    await waitForAttribute(page, tid('call-audio'), 'data-audio-state', 'live', 15_000);
    const heardAt = phone.received;
    await bothWaysRising(page, null, 25, 'the console hears the field phone and sends its microphone');
    await eventually('the microphone at the field phone', () => phone.received >= heardAt + 20, 10_000);
    await page.getByTestId('call-hangup').click();
    const result = await run;
    expect(result.code === 0 ? 0 : result.out).toBe(0);
    await eventually('the call ended by the agent', async () => (await callView(callId!)).state === 'ended', 10_000);
    expect(taker.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  } finally {
    talking = false;
    await talk;
  }
});
