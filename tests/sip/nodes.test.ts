/**
 * Two server nodes share calls through one SIP edge (issue #5: one node per call, with
 * failover, never a parallel fork), on the real PostgreSQL and Redis whatever the backend.
 * Node A runs the edge; node B runs no Kamailio and registers its user agent at A's edge
 * (SIP_EDGE_WS_URL), under the shared node AoR with its own node account and contact.
 * sipp callers on 110 land one per call on the nodes. A call taker on node A answers a call
 * whose leg is on node B: the effects go to B over the bus, the phone gets its 200 OK and
 * RTP flows through B's mediasoup; hold and hang-up from A reach B's leg. A call whose leg no
 * node holds ends as a failure. Node B stopped, the next call goes to node A.
 *
 * B's outbox worker does not run, so every call effect is claimed by A's: an effect on a leg
 * held by B can only have reached B by the routing under test.
 */
import type { CallView } from '../../server/calls/kind';
import type { CallBoard } from '../../server/calls/queue';
import { SYSTEM_ACTOR } from '../../server/auth/users';
import { startTestServer, type TestServer } from '../support/app';
import { uniqueName } from '../support/env';
import { TestClient } from '../support/ws-client';
import { until } from '../support/until';
import { callerScenario, runCaller, type CallerScript } from './caller';
import { PhoneAudio, sippReply } from './phone';
import { dispatcherMicrophone, talkBothWays, type Closable } from './call-room';

let a: TestServer;
let b: TestServer;
let bStopped = false;
let taker: TestClient;
const opened: Closable[] = [];

beforeAll(async () => {
  // One deployment: both nodes on the same schema and Redis prefix.
  const shared = { SIP_ENABLED: 'true', DATABASE_SCHEMA: uniqueName('t'), REDIS_PREFIX: uniqueName('beacon-test') };
  a = await startTestServer({ backend: 'postgres', env: { ...shared, NODE_ID: 'node-a' } });
  b = await startTestServer({ backend: 'postgres', runWorkers: false, env: { ...shared, NODE_ID: 'node-b', SIP_EDGE_WS_URL: a.app.sip.edge.wsUrl! } });
  taker = await TestClient.connect(a.port, a.token('calltaker.police'));
}, 90_000);

afterAll(async () => {
  for (const o of opened) o.close();
  await taker?.close();
  // B shares A's schema and keys: only A's stop drops them.
  if (b && !bStopped) await b.app.stop();
  await a?.stop();
});

const bridgeOf = (node: TestServer) => node.app.sipBridge!;
const script = (rtpPort: number, extra: Partial<CallerScript>): CallerScript => ({
  sipPort: a.app.sip.edge.sipPort, line: '110', user: 'caller.1', password: 'beacon', domain: 'beacon.local', rtpPort, body: 'sdp', ending: 'cancel', ...extra,
});
const callView = async (id: string) => (await a.app.pipeline.load('call', id))!.view as unknown as CallView;
const board = async () => (await (await fetch(`http://127.0.0.1:${a.port}/api/v1/calls?agencyId=police`, {
  headers: { authorization: `Bearer ${a.token('supervisor.police')}` },
})).json()) as CallBoard;
/** Calls already found: the board may list an abandoned call for a moment after it ended. */
const seen = new Set<string>();
const queuedCall = async (callerNumber: string) => {
  let id = '';
  await until(`a queued call from ${callerNumber}`, async () => {
    id = (await board()).waiting.find((w) => w.callerNumber === callerNumber && !seen.has(w.callId))?.callId ?? '';
    return id !== '';
  }, 15_000);
  seen.add(id);
  return id;
};
/** The contacts registered under the node AoR at the edge. */
const nodeContacts = async (): Promise<string[]> => {
  try {
    const found = (await a.app.sip.edge.rpc('ul.lookup', ['location', 'dispatch'])) as { Contacts?: { Contact: { Address: string } }[] };
    return (found.Contacts ?? []).map((c) => c.Contact.Address);
  } catch (err) {
    if ((err as { rpcCode?: number }).rpcCode === 404) return [];
    throw err;
  }
};
const invites = () => ({ a: bridgeOf(a).counters.invites, b: bStopped ? 0 : bridgeOf(b).counters.invites });

test('node B joins node A\'s edge without a Kamailio of its own: both register the node AoR with their own accounts and contacts, and B\'s health and metrics say the edge is external', async () => {
  expect(await bridgeOf(a).whenRegistered(15_000)).toBe(true);
  expect(await bridgeOf(b).whenRegistered(15_000)).toBe(true);
  expect(b.app.sip.edge.state).toBe('external');
  expect(b.app.sip.edge.pid).toBeNull();
  expect(b.app.sip.node.username).not.toBe(a.app.sip.node.username);
  const contacts = await until('two node contacts at the edge', async () => {
    const found = await nodeContacts();
    return found.length === 2 && found;
  }, 10_000);
  expect(new Set(contacts).size).toBe(2);

  const health = (await (await fetch(`http://127.0.0.1:${b.port}/health`)).json()) as { checks: Record<string, string> };
  expect(health.checks.sip).toBe(`external (${a.app.sip.edge.wsUrl}, run by another node or an operator)`);
  const metrics = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
  expect(metrics).toMatch(/beacon_sip_edge_external\{[^}]*\} 1/);
  expect(metrics).toMatch(/beacon_sip_edge_up\{[^}]*\} 0/);
  expect(metrics).toMatch(/beacon_sip_node_registered\{[^}]*\} 1/);
  expect(await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text()).toMatch(/beacon_sip_edge_external\{[^}]*\} 0/);
}, 30_000);

test('ten 110 callers land one per call on the two nodes: each call\'s leg is on exactly one node, both nodes get calls, no call is offered twice', async () => {
  const before = invites();
  const callers = ['caller.1', 'caller.2', 'caller.3'];
  const legsOn = { a: 0, b: 0 };
  for (let round = 0; round < 4; round++) {
    const batch = callers.slice(0, round === 3 ? 1 : 3);
    const runs = await Promise.all(batch.map(async (user) => {
      const phone = await PhoneAudio.open();
      opened.push(phone);
      return { user, run: runCaller(script(phone.port, { user, ending: 'cancel', ringMs: 2500 })) };
    }));
    // The whole batch found ringing (legs held) before any of them hangs up.
    const callIds = await Promise.all(runs.map(({ user }) => queuedCall(user)));
    for (const callId of callIds) {
      // The node adopts the leg once the core took the call, a moment after the call is on the board.
      await until('the leg on a node', () => bridgeOf(a).leg(callId) || bridgeOf(b).leg(callId), 2_000);
      const onA = bridgeOf(a).leg(callId) !== undefined;
      const onB = bridgeOf(b).leg(callId) !== undefined;
      expect([onA, onB]).not.toEqual([true, true]);
      legsOn[onA ? 'a' : 'b']++;
    }
    for (const [i, { run }] of runs.entries()) {
      const result = await run;
      expect(result.code === 0 ? 0 : result.out).toBe(0);
      await until('the call abandoned', async () => (await callView(callIds[i]!)).state === 'abandoned', 10_000);
    }
  }
  const after = invites();
  // One INVITE per call, none parallel-forked to the other node too.
  expect(after.a - before.a + after.b - before.b).toBe(10);
  expect({ a: after.a - before.a, b: after.b - before.b }).toEqual(legsOn);
  expect(legsOn.a).toBeGreaterThan(0);
  expect(legsOn.b).toBeGreaterThan(0);
}, 120_000);

/** A phone that answers the server's hold and resume re-INVITEs and then waits for the server's BYE. */
function waitsForBye(s: CallerScript): string {
  const scenario = callerScenario({ ...s, ending: 'answer', reinvites: 2, talkMs: 54321 });
  const cut = scenario.indexOf('<pause milliseconds="54321"/>');
  return `${scenario.slice(0, cut)}<recv request="BYE" timeout="30000"/>\n${sippReply('200 OK', { contact: s.user })}\n</scenario>\n`;
}

/**
 * One 110 call answered by the call taker on node A, with audio both ways, hold, resume and
 * hang-up from A, wherever its leg is. Returns the node that held the leg.
 */
async function answeredCall(): Promise<'a' | 'b'> {
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const s = script(phone.port, { user: 'caller.2' });
  const run = runCaller(s, 60_000, waitsForBye(s));
  const callId = await queuedCall('caller.2');
  const leg = await until('the leg on a node', () => bridgeOf(a).leg(callId) || bridgeOf(b).leg(callId), 5_000);
  const where = bridgeOf(b).leg(callId) ? 'b' : 'a';
  const holder = where === 'b' ? b : a;
  const routed = { forwarded: a.app.legRouter!.counters.forwarded, accepted: b.app.legRouter!.counters.accepted, ranHere: holder.app.legRouter!.counters.ranHere };

  await taker.ok({ type: 'call.agent.ready' }).catch(() => undefined);
  await until('the call offered to the call taker', async () => (await callView(callId)).offer?.username === 'calltaker.police', 10_000);
  await taker.ok({ type: 'call.answer', callId });
  await until('the phone answered', async () => leg.audio !== null, 10_000);
  // The call's room is where its leg is.
  expect(holder.app.media.room(`call:${callId}`)).toBeDefined();
  if (where === 'b') {
    expect(bridgeOf(a).leg(callId)).toBeUndefined();
    expect(a.app.media.room(`call:${callId}`)).toBeUndefined();
  }

  const port = leg.audio!.port;
  await talkBothWays(holder, callId, phone, opened, 50, 30);
  await until('call.media.up recorded', async () => (await callView(callId)).mediaUpAt !== null, 5_000);
  const roomClosed = where === 'b' ? await consoleOnAHearsB(callId, leg) : null;

  await taker.ok({ type: 'call.hold', callId });
  const phoneProducer = holder.app.media.room(`call:${callId}`)!.producer(leg.audio!.producerId!)!;
  await until('the hold re-INVITE answered', async () => phoneProducer.paused, 10_000);
  await taker.ok({ type: 'call.resume', callId });
  await until('the resume re-INVITE answered', async () => !phoneProducer.paused, 10_000);
  await taker.ok({ type: 'call.hangup', callId });
  const result = await run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  expect(result.log.find((l) => l.includes('answered='))).toContain(`answered=127.0.0.1:${port}`);
  expect(result.log.filter((l) => l.includes('reinvite=')).map((l) => /reinvite=(\w+)/.exec(l)![1])).toEqual(['sendonly', 'sendrecv']);
  await until('the leg let go', async () => holder.app.sipBridge!.leg(callId) === undefined, 5_000);
  // The room closed on B with the call: the console on A was told (relayed), then disconnects and B closes its session.
  if (roomClosed) await roomClosed();
  expect(await callView(callId)).toMatchObject({ state: 'ended', outcome: 'completed' });
  // B's worker never runs: A claimed the answer, hold, resume and hang-up rows, and ran them
  // itself or sent them to B, where each ran once.
  if (where === 'b') {
    expect(a.app.legRouter!.counters.forwarded).toBe(routed.forwarded + 4);
    expect(b.app.legRouter!.counters.accepted).toBe(routed.accepted + 4);
  } else {
    expect(a.app.legRouter!.counters.forwarded).toBe(routed.forwarded);
  }
  expect(holder.app.legRouter!.counters.ranHere).toBe(routed.ranHere + 4);
  return where;
}

/**
 * The call taker's console on node A signals media for a call room that is on node B: every
 * request is relayed to B, where the transports, the consumer of the phone and the console's
 * microphone producer are made (nothing on A); the microphone reaches B's phone leg (now in the
 * mix), B's room events reach the console on A, and closing the console closes B's session.
 * Returns a check to run once the call ended.
 */
async function consoleOnAHearsB(callId: string, leg: NonNullable<ReturnType<ReturnType<typeof bridgeOf>['leg']>>): Promise<() => Promise<void>> {
  const console = await TestClient.connect(a.port, a.token('calltaker.police'));
  const roomId = `call:${callId}`;
  const relay = { a: a.app.mediaRelay!.counters.relayed, b: b.app.mediaRelay!.counters.hosted };
  const caps = await console.mediaOk({ action: 'router.capabilities', roomId });
  expect(caps.rtpCapabilities.codecs.map((c: { mimeType: string }) => c.mimeType)).toEqual(expect.arrayContaining(['audio/PCMU', 'audio/PCMA']));
  const recv = await console.mediaOk({ action: 'transport.create', roomId, direction: 'recv' });
  // B's transport, announced at B's media address: the browser's media goes straight there.
  expect(recv.iceCandidates.length).toBeGreaterThan(0);
  const listed = await console.mediaOk({ action: 'producers.list', roomId });
  expect(listed.producers).toEqual(expect.arrayContaining([expect.objectContaining({ producerId: leg.audio!.producerId, source: 'phone' })]));
  const consumed = await console.mediaOk({ action: 'consume', transportId: recv.transportId, producerId: leg.audio!.producerId, rtpCapabilities: caps.rtpCapabilities });
  expect(consumed.rtpParameters.codecs[0]).toMatchObject({ mimeType: 'audio/PCMU' });
  await console.mediaOk({ action: 'consumer.resume', consumerId: consumed.consumerId });
  const send = await console.mediaOk({ action: 'transport.create', roomId, direction: 'send' });
  await console.mediaOk({
    action: 'produce', transportId: send.transportId, kind: 'audio', appData: { source: 'dispatcher', callId },
    rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }], encodings: [{ ssrc: 0x0badf00d }] },
  });
  // The console's microphone is the phone's second voice on B: the phone now hears the mix.
  await until('the console\'s microphone sent on to the phone', async () => leg.audio!.mixing, 5_000);
  expect(a.app.media.room(roomId)).toBeUndefined();
  expect(a.app.mediaRelay!.counters.relayed - relay.a).toBe(7);
  expect(b.app.mediaRelay!.counters.hosted - relay.b).toBe(7);
  expect(b.app.mediaRelay!.hostedSessions).toBe(1);
  const metrics = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
  expect(metrics).toMatch(/beacon_media_relay_requests\{[^}]*kind="hosted"[^}]*\} [1-9]/);
  expect(metrics).toMatch(/beacon_media_relay_hosted_sessions\{[^}]*\} 1/);
  // A second console of the same call taker joins the room through B too; closing it closes its session on B, not the first.
  const second = await TestClient.connect(a.port, a.token('calltaker.police'));
  await second.mediaOk({ action: 'transport.create', roomId, direction: 'recv' });
  expect(b.app.mediaRelay!.hostedSessions).toBe(2);
  await second.close();
  await until('B closed the second console\'s session', async () => b.app.mediaRelay!.hostedSessions === 1, 5_000);
  expect(b.app.media.room(roomId)!.peerCount).toBe(1);
  // A voice added on B is announced to the console on A.
  const framesBefore = console.frames.length;
  const other = await dispatcherMicrophone(b, callId, opened);
  const otherId = (await other.transport.dump()).producerIds[0];
  expect(await console.next((f) => f.type === 'media.event' && f.roomId === roomId && f.event === 'producer.added' && f.producerId === otherId, 5_000, framesBefore))
    .toMatchObject({ kind: 'audio' });
  // A request B refuses: its answer, naming the problem, reaches the console on A.
  const refused = await console.media({ action: 'consume', transportId: recv.transportId, producerId: 'no-such-producer', rtpCapabilities: caps.rtpCapabilities });
  expect(refused).toMatchObject({ ok: false, code: 'not_found' });
  expect(!refused.ok && refused.message).toContain('no-such-producer');
  const closed = console.next((f) => f.type === 'media.event' && f.roomId === roomId && f.event === 'room.closed', 15_000);
  return async () => {
    await closed;
    // B's relay goes silent (as when its node dies): a request on one of B's objects is refused
    // after the wait for B, naming it; then A has forgotten B's objects, so the next one is answered here.
    await b.app.mediaRelay!.stop();
    try {
      const silent = await console.media({ action: 'consumer.pause', consumerId: consumed.consumerId });
      expect(silent).toMatchObject({ ok: false, code: 'media_unavailable' });
      expect(!silent.ok && silent.message).toContain('(node-b) did not answer');
      expect(await console.media({ action: 'consumer.pause', consumerId: consumed.consumerId })).toMatchObject({ ok: false, code: 'not_found' });
    } finally {
      await b.app.mediaRelay!.start();
    }
    await console.close();
  };
}

test('a call taker on node A answers a call whose leg is on node B: the effects go to B, the phone gets its 200 OK from B with audio both ways, and hold, resume and hang-up from A reach B\'s leg', async () => {
  // The edge picks the node; calls are answered until one was B's (each one checked in full).
  const landed: string[] = [];
  while (!landed.includes('b')) {
    if (landed.length >= 8) throw new Error(`eight calls in a row landed on node A: ${landed.join(',')}`);
    landed.push(await answeredCall());
  }
}, 240_000);

test('a call whose SIP leg no node holds (its node died) ends as a failure with that reason when the call taker answers, instead of hanging', async () => {
  const offered = await a.app.services.execute(SYSTEM_ACTOR, {
    type: 'call.offered', commandId: uniqueName('orphan'), sipCallId: 'leg-of-a-dead-node@test', callerNumber: 'caller.3', line: '110',
  });
  const callId = offered.createdId!;
  await taker.ok({ type: 'call.agent.ready' }).catch(() => undefined);
  await until('the call offered to the call taker', async () => (await callView(callId)).offer?.username === 'calltaker.police', 10_000);
  // Its media room is nowhere: the console is told so (and retries), rather than given an empty room on A.
  const unclaimed = a.app.mediaRelay!.counters.unclaimed;
  const media = await taker.media({ action: 'router.capabilities', roomId: `call:${callId}` });
  expect(media).toMatchObject({ ok: false, code: 'media_unavailable' });
  expect(!media.ok && media.message).toContain(`no server node holds the phone leg of call ${callId}`);
  expect(a.app.mediaRelay!.counters.unclaimed).toBe(unclaimed + 1);
  expect(a.app.media.room(`call:${callId}`)).toBeUndefined();
  const orphaned = a.app.legRouter!.counters.orphaned;
  await taker.ok({ type: 'call.answer', callId });
  await until('the call ended as failed', async () => (await callView(callId)).state === 'ended', 15_000);
  expect(await callView(callId)).toMatchObject({ endReason: expect.stringContaining('no server node holds the caller\'s SIP leg') });
  expect(a.app.legRouter!.counters.orphaned).toBe(orphaned + 1);
}, 30_000);

test('node B stopped: its contact leaves the edge and the next calls go to node A', async () => {
  const aInvites = bridgeOf(a).counters.invites;
  await b.app.stop();
  bStopped = true;
  await until('one node contact left at the edge', async () => (await nodeContacts()).length === 1, 10_000);
  for (const user of ['caller.1', 'caller.3']) {
    const phone = await PhoneAudio.open();
    opened.push(phone);
    const run = runCaller(script(phone.port, { user, ending: 'cancel', ringMs: 1000 }));
    const callId = await queuedCall(user);
    await until('the leg on node A', () => bridgeOf(a).leg(callId), 5_000);
    expect((await run).code).toBe(0);
    await until('the call abandoned', async () => (await callView(callId)).state === 'abandoned', 10_000);
  }
  expect(bridgeOf(a).counters.invites).toBe(aInvites + 2);
}, 60_000);
