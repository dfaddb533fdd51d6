/**
 * Phone calls from sipp through the server's Kamailio into the call core, with real RTP
 * through mediasoup (issue #5 step 2). A caller dials 110 and queues for police with caller
 * number and line on the board; the police call taker gets ready, is offered the call and
 * answers over the WebSocket; the phone gets 200 OK with an SDP pointing at mediasoup; its
 * audio reaches a plain sink in the call room and a stand-in for the dispatcher's microphone
 * reaches the phone; hold and resume are re-INVITEs; the caller's BYE ends the call. A caller
 * who hangs up while queued is abandoned; a PIDF-LO is the call's proposed location; a
 * garbage body or an unknown number crashes nothing. Runs on the configured backend.
 */
import { until } from '../support/until';
import { runCaller, type CallerScript } from './caller';
import { sippRegister } from './peers';
import { PhoneAudio, runCallee } from './phone';
import { freePort } from '../../media/sip/free-port';
import { udpPortFree } from '../../media/udp-ports';
import { talkBothWays } from './call-room';
import { TestClient } from '../support/ws-client';
import { sipSuite } from './suite';

const suite = sipSuite();
const { opened, callView, boardOf, queuedCall } = suite;

const script = (rtpPort: number, extra: Partial<CallerScript>): CallerScript => ({
  sipPort: suite.server.app.sip.edge.sipPort, line: '110', user: 'caller.1', password: 'beacon', domain: 'beacon.local', rtpPort, body: 'sdp', ending: 'cancel', ...extra,
});

test('a caller who hangs up while queued is abandoned, with the PIDF-LO of the INVITE as its proposed location', async () => {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCaller(script(phone.port, { body: 'pidf', ending: 'cancel', ringMs: 2500 }));
  const callId = await queuedCall('caller.1');
  const call = await callView(callId);
  expect(call).toMatchObject({ line: '110', callerNumber: 'caller.1', agencyId: 'police', direction: 'inbound' });
  expect(call.proposedLocation).toMatchObject({ lat: 30.2741, lon: 120.1551, radiusM: 25, method: 'GPS' });
  const result = await run;
  expect(result.code).toBe(0);
  await until('the call abandoned', async () => (await callView(callId)).state === 'abandoned', 10_000);
  expect(await callView(callId)).toMatchObject({ outcome: 'abandoned', endedBy: 'caller', endReason: expect.stringContaining('cancel') });
}, 60_000);


test('a 110 caller queues for police, the call taker answers, RTP flows both ways through mediasoup, hold and resume re-INVITE, and the BYE ends the call', async () => {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCaller(script(phone.port, { ending: 'answer', reinvites: 2, talkMs: 300, infoDtmf: true }));
  const callId = await queuedCall('caller.1');
  const entry = (await boardOf()).waiting.find((w) => w.callId === callId)!;
  expect(entry).toMatchObject({ callerNumber: 'caller.1', line: '110', lineName: 'Police emergency' });
  // Still ringing (180) while it waits: no leg media yet.
  expect(suite.server.app.sipBridge!.leg(callId)?.audio).toBeNull();

  await suite.taker.ok({ type: 'call.agent.ready' });
  await until('the call offered to the call taker', async () => (await callView(callId)).offer?.username === 'calltaker.police', 10_000);
  await suite.taker.ok({ type: 'call.answer', callId });
  const leg = suite.server.app.sipBridge!.leg(callId)!;
  await until('the answer sent with the leg\'s port', async () => leg.audio !== null, 10_000);
  const answerPort = leg.audio!.port;

  // The phone talks: its packets become a producer in the call room and reach a listener there.
  const sink = await talkBothWays(suite.server, callId, phone, opened, 50, 30);
  expect(sink.packets.every((p) => p.payloadType === 0)).toBe(true);
  expect(leg.audio!.packetsFromPhone).toBeGreaterThanOrEqual(40);
  await until('call.media.up recorded', async () => (await callView(callId)).mediaUpAt !== null, 5_000);
  // A browser in the call room: the police call taker may receive the phone's producer (G.711, no transcoding).
  const caps = await suite.taker.mediaOk({ action: 'router.capabilities', roomId: `call:${callId}` });
  expect(caps.rtpCapabilities.codecs.map((c: { mimeType: string }) => c.mimeType)).toEqual(expect.arrayContaining(['audio/PCMU', 'audio/PCMA']));
  const recv = await suite.taker.mediaOk({ action: 'transport.create', roomId: `call:${callId}`, direction: 'recv' });
  const listed = await suite.taker.mediaOk({ action: 'producers.list', roomId: `call:${callId}` });
  expect(listed.producers).toEqual(expect.arrayContaining([expect.objectContaining({ producerId: leg.audio!.producerId, kind: 'audio', source: 'phone' })]));
  const consumed = await suite.taker.mediaOk({ action: 'consume', transportId: recv.transportId, producerId: leg.audio!.producerId, rtpCapabilities: caps.rtpCapabilities });
  expect(consumed.rtpParameters.codecs[0]).toMatchObject({ mimeType: 'audio/PCMU', payloadType: 0 });
  // The call taker's microphone may publish into the room (and is sent on to the phone); another police dispatcher's may not.
  const send = await suite.taker.mediaOk({ action: 'transport.create', roomId: `call:${callId}`, direction: 'send' });
  const consumersBefore = leg.audio!.consumerIds.length;
  await suite.taker.mediaOk({
    action: 'produce', transportId: send.transportId, kind: 'audio', appData: { source: 'dispatcher', callId },
    rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }], encodings: [{ ssrc: 0x0badf00d }] },
  });
  // With the stand-in microphone that makes two voices: the phone now hears them mixed (one stream).
  await until('the microphone sent on to the phone, in the mix', async () => leg.audio!.mixing && leg.audio!.consumerIds.length === 1, 3_000);
  expect(consumersBefore).toBe(1);
  const other = await TestClient.connect(suite.server.port, suite.server.token('dispatcher.police'));
  opened.push({ close: () => void other.close() });
  expect(await other.media({ action: 'transport.create', roomId: `call:${callId}`, direction: 'send' })).toMatchObject({ ok: false, code: 'not_authorized' });
  // A fire dispatcher may not listen to a police call.
  const fire = await TestClient.connect(suite.server.port, suite.server.token('dispatcher.fire'));
  opened.push({ close: () => void fire.close() });
  expect(await fire.media({ action: 'router.capabilities', roomId: `call:${callId}` })).toMatchObject({ ok: false, code: 'not_authorized' });
  expect(await fire.media({ action: 'transport.create', roomId: `call:${callId}`, direction: 'recv' })).toMatchObject({ ok: false, code: 'not_authorized' });

  await until('the DTMF digit (SIP INFO) seen', async () => suite.server.app.sipBridge!.counters.dtmf >= 1, 3_000);
  const metrics = await (await fetch(`http://127.0.0.1:${suite.server.port}/metrics`)).text();
  expect(metrics).toMatch(/beacon_sip_dtmf_digits\{[^}]*\} [1-9]/);
  expect(metrics).toMatch(/beacon_sip_node_registered\{[^}]*\} 1/);

  // Hold and resume: re-INVITEs the phone answers.
  await suite.taker.ok({ type: 'call.hold', callId });
  await until('held', async () => (await callView(callId)).state === 'held', 5_000);
  // The phone answered the hold re-INVITE (its audio is paused only then): resume does not cross it.
  const phoneProducer = suite.server.app.media.room(`call:${callId}`)!.producer(leg.audio!.producerId!)!;
  await until('the hold re-INVITE answered', async () => phoneProducer.paused, 5_000);
  await suite.taker.ok({ type: 'call.resume', callId });

  const result = await run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  const answered = result.log.find((l) => l.includes('answered='))!;
  expect(answered).toContain(`answered=127.0.0.1:${answerPort}`);
  expect(result.log.filter((l) => l.includes('reinvite=')).map((l) => /reinvite=(\w+)/.exec(l)![1])).toEqual(['sendonly', 'sendrecv']);
  await until('the call ended by the caller', async () => (await callView(callId)).state === 'ended', 10_000);
  expect(await callView(callId)).toMatchObject({ outcome: 'completed', endedBy: 'caller', endReason: expect.stringContaining('hangup') });
  expect(suite.server.app.media.room(`call:${callId}`)).toBeUndefined();
}, 90_000);

test('a garbage PIDF-LO part is logged and ignored: the call still queues, without a location', async () => {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCaller(script(phone.port, { user: 'caller.2', body: 'garbage', ending: 'cancel', ringMs: 1500 }));
  const callId = await queuedCall('caller.2');
  expect(await callView(callId)).toMatchObject({ line: '110', proposedLocation: null });
  expect((await run).code).toBe(0);
  await until('the call abandoned', async () => (await callView(callId)).state === 'abandoned', 10_000);
  expect(suite.server.app.sipBridge!.registered).toBe(true);
  expect(await suite.server.app.sip.edge.answers()).toBe(true);
}, 60_000);

test('a number that is no configured line is refused with 404', async () => {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const result = await runCaller(script(phone.port, { user: 'caller.3', line: '999', ending: 'refused', refusedWith: 404 }));
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  expect((await boardOf()).waiting.some((w) => w.callerNumber === 'caller.3')).toBe(false);
}, 30_000);

test('a restarted edge gets the node registered again on a new connection, and the next caller reaches it', async () => {
  const { edge } = suite.server.app.sip;
  const bridge = suite.server.app.sipBridge!;
  const before = { pid: edge.pid, registrations: bridge.registrations };
  process.kill(before.pid!, 'SIGKILL');
  await until('the SIP edge back up', async () => edge.state === 'running' && edge.pid !== before.pid, 20_000);
  await until('the node registered again', async () => bridge.registrations > before.registrations && bridge.registered, 20_000);
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCaller(script(phone.port, { user: 'caller.3', line: '12345', ending: 'cancel', ringMs: 1000 }));
  let callId = '';
  await until('a queued 12345 call', async () => {
    callId = (await boardOf('city')).waiting.find((w) => w.callerNumber === 'caller.3')?.callId ?? '';
    return callId !== '';
  }, 15_000);
  expect((await run).code).toBe(0);
  await until('the call abandoned', async () => (await callView(callId)).state === 'abandoned', 10_000);
}, 60_000);

test('a call taker calls an abandoned caller back: the registered phone rings, answers with audio both ways, and the hang-up sends it a BYE', async () => {
  const abandoned = (await boardOf()).abandoned.find((c) => c.callerNumber === 'caller.1');
  expect(abandoned).toBeDefined();
  const sipPort = suite.server.app.sip.edge.sipPort;
  const phonePort = await freePort('127.0.0.1', { udp: true });
  expect(await sippRegister({ port: sipPort, domain: 'beacon.local', user: 'caller.1', password: 'beacon', localPort: phonePort })).toBe(200);
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const callee = runCallee(phonePort, phone.port);
  await until('the callee\'s sipp listening', async () => !(await udpPortFree('127.0.0.1', phonePort)), 5_000);
  const { createdId } = await suite.taker.ok({ type: 'call.callback', callId: abandoned!.id });
  const callId = createdId!;
  await until('the callback connected', async () => (await callView(callId)).state === 'answered', 15_000);
  const leg = suite.server.app.sipBridge!.leg(callId)!;
  await talkBothWays(suite.server, callId, phone, opened, 30, 15);
  expect((await callView(abandoned!.id)).state).toBe('ended'); // reached by the callback
  await suite.taker.ok({ type: 'call.hangup', callId });
  const result = await callee;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  expect(result.log.find((l) => l.includes('offered='))).toContain(`offered=${leg.audio!.port}`);
}, 60_000);

test('the caller holds and resumes from the phone (answered recvonly, then sendrecv), then a blind transfer to an outside number REFERs the caller there; its NOTIFY completes the transfer and the call ends as transferred', async () => {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCaller(script(phone.port, { user: 'caller.2', ending: 'answer', phoneHolds: true, referred: true }));
  const callId = await queuedCall('caller.2');
  await suite.taker.ok({ type: 'call.agent.ready' }).catch(() => undefined);
  await until('the call offered', async () => (await callView(callId)).offer?.username === 'calltaker.police', 10_000);
  await suite.taker.ok({ type: 'call.answer', callId });
  await until('answered on SIP', async () => suite.server.app.sipBridge!.leg(callId)?.state === 'Established', 10_000);
  // The phone's hold and resume are done (its INVITE's offer and two re-INVITEs) before the transfer.
  await until('the phone held and resumed', async () => suite.server.app.sipBridge!.leg(callId)!.phoneOffers >= 3, 10_000);
  // ... and their answers ACKed: a REFER ahead of the last ACK would cross it at sipp.
  await until('the phone\'s re-INVITEs ACKed', async () => suite.server.app.sipBridge!.leg(callId)!.phoneAcks >= 3, 10_000);
  await suite.taker.ok({ type: 'call.transfer', callId, mode: 'blind', to: { number: '87001234' } });
  const result = await run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  expect(result.log.find((l) => l.includes('phonehold='))).toContain('phonehold=recvonly');
  expect(result.log.find((l) => l.includes('phoneresume='))).toContain('phoneresume=sendrecv');
  expect(result.log.find((l) => l.includes('referto='))).toContain('referto=87001234');
  await until('the call transferred out', async () => (await callView(callId)).state === 'ended', 10_000);
  expect(await callView(callId)).toMatchObject({ outcome: 'transferred' });
  expect(suite.server.app.sipBridge!.leg(callId)).toBeUndefined();
}, 60_000);

test('a media worker killed mid-call: the call room moves to a new router and the leg binds again on its port, so the caller and the room hear each other again without a re-INVITE, and the caller\'s BYE still ends the call', async () => {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const run = runCaller(script(phone.port, { user: 'caller.3', ending: 'answer', talkMs: 12_000 }));
  const callId = await queuedCall('caller.3');
  await suite.taker.ok({ type: 'call.agent.ready' }).catch(() => undefined);
  await until('the call offered', async () => (await callView(callId)).offer?.username === 'calltaker.police', 10_000);
  await suite.taker.ok({ type: 'call.answer', callId });
  await until('answered on SIP', async () => suite.server.app.sipBridge!.leg(callId)?.state === 'Established', 10_000);
  const leg = suite.server.app.sipBridge!.leg(callId)!;
  await until('the answer sent with the leg\'s port', async () => leg.audio !== null, 10_000);
  const { port } = leg.audio!;
  await talkBothWays(suite.server, callId, phone, opened, 30, 15);
  const room = suite.server.app.media.room(`call:${callId}`)!;
  const before = { routerId: room.routerId, producerId: leg.audio!.producerId, received: phone.received };

  const pool = suite.server.app.media.pool!;
  const victims = pool.workers.map((w) => w.pid);
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  await until('the room on a new router', async () => !room.orphaned && room.routerId !== before.routerId, 15_000);
  await until('the leg bound again', async () => leg.audio!.rebinds === 1 && leg.audio!.producerId !== null, 10_000);
  await leg.audio!.recovered;
  expect(pool.workers.map((w) => w.pid).some((pid) => victims.includes(pid))).toBe(false);
  expect(leg.audio!.port).toBe(port);
  expect(leg.audio!.producerId).not.toBe(before.producerId);

  // Both ways again, on the same port the phone was told in the 200 OK.
  const sink = await talkBothWays(suite.server, callId, phone, opened, 30, 15);
  expect(sink.packets.length).toBeGreaterThanOrEqual(15);
  expect(phone.received - before.received).toBeGreaterThanOrEqual(15);
  expect((await callView(callId)).state).toBe('answered');

  const result = await run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  await until('the call ended by the caller', async () => (await callView(callId)).state === 'ended', 10_000);
  expect(await callView(callId)).toMatchObject({ outcome: 'completed', endedBy: 'caller' });
  // The caller's leg was recorded up to the worker's death and again after it: two stored files, each hashed.
  await until('the caller\'s recordings stored', async () => {
    const legs = (await callView(callId)).recordings.filter((r) => r.source === 'caller');
    return legs.length === 2 && legs.every((r) => r.state !== 'recording');
  }, 20_000);
  const legs = (await callView(callId)).recordings.filter((r) => r.source === 'caller');
  expect(legs.map((r) => r.state)).toEqual(['stored', 'stored']);
  expect(legs.every((r) => /^[0-9a-f]{64}$/.test(r.sha256 ?? ''))).toBe(true);
}, 90_000);
