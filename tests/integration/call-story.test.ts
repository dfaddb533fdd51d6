/**
 * Phone calls through the real server, as a police call taker lives them (issue #5, no SIP
 * yet): the SIP bridge is a system client sending what Kamailio and sip.js would report.
 * A 110 call queues for police, is offered to the ready call taker, answered, held, resumed,
 * turned into an incident in one command, handed blind to a dispatcher and hung up; a caller
 * who gives up while queued is kept for a callback. Runs on whatever backend the environment names.
 */
import { TestClock } from '../../server/clock';
import { SYSTEM_ACTOR } from '../../server/auth/users';
import type { FeedEvent, ServerFrame } from '../../server/protocol';
import type { CallBoard } from '../../server/calls/queue';
import type { CallView } from '../../server/calls/kind';
import type { IncidentView } from '../../server/incidents/kind';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import { until } from '../support/until';
import { callsKeepingBusy } from '../../server/calls/queue';

const clock = new TestClock(new Date());
let server: TestServer;
let bridge: TestClient;
let taker: TestClient;
let dispatcher: TestClient;
let supervisor: TestClient;

beforeAll(async () => {
  server = await startTestServer({ clock, runWorkers: false, env: { MEDIA_ENABLED: 'false', SIP_ENABLED: 'false' } });
  bridge = await TestClient.connect(server.port, server.app.tokens.issue(SYSTEM_ACTOR).token);
  taker = await TestClient.connect(server.port, server.token('calltaker.police'));
  dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
  supervisor = await TestClient.connect(server.port, server.token('supervisor.police'));
});
afterAll(async () => {
  for (const c of [bridge, taker, dispatcher, supervisor]) await c?.close();
  await server?.stop();
});

const call = async (id: string) => (await server.app.pipeline.load('call', id))!.view as unknown as CallView;
const board = async (token: string, agencyId = 'police') => {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/calls?agencyId=${agencyId}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as CallBoard & { code?: string } };
};
const eventCount = async () => (await server.app.db.sql`SELECT count(*)::int AS n FROM events`)[0]!.n as number;
const ring = async (line: string, callerNumber: string, location?: { lat: number; lon: number; radiusM?: number; method?: string }) =>
  (await bridge.ok({ type: 'call.offered', sipCallId: `${callerNumber}-${Date.now()}@edge`, callerNumber, line, location })).createdId!;

test('a 110 call queues for police, is answered, held, resumed, becomes an incident in one command, is handed blind to a dispatcher and hung up', async () => {
  const feed = (await supervisor.subscribe('calls:police')) as Extract<ServerFrame, { type: 'subscribed' }>;
  await taker.ok({ type: 'call.agent.ready' });
  const callId = await ring('110', '13800138000', { lat: 30.262, lon: 120.158, radiusM: 30, method: 'GPS' });
  expect(callId).toMatch(/^CALL-/);

  // The ACD offers it to the only ready call taker; the board shows caller, line and wait.
  await until('the call offered to the call taker', async () => (await call(callId)).state === 'offered');
  clock.advance(4000);
  const { body } = await board(server.token('dispatcher.police'));
  expect(body.waiting).toEqual([expect.objectContaining({
    callId, callerNumber: '13800138000', line: '110', lineName: 'Police emergency', priority: 1, state: 'offered',
    offeredTo: 'calltaker.police', waitingSec: 4, overdue: false,
  })]);
  expect(body.agents).toEqual([expect.objectContaining({ kind: 'agent', username: 'calltaker.police', state: 'ready' })]);

  await taker.ok({ type: 'call.answer', callId });
  await taker.ok({ type: 'call.hold', callId });
  await taker.ok({ type: 'call.resume', callId });
  // The PIDF-LO location is only proposed: an incident needs it confirmed first.
  const unconfirmed = await taker.command({ type: 'call.incident.create', callId, incidentType: 'assault', priority: 1, description: 'fight in the street' });
  expect(unconfirmed).toMatchObject({ ok: false, code: 'validation_failed' });
  expect(!unconfirmed.ok && unconfirmed.message).toContain('not confirmed');
  await taker.ok({ type: 'call.location.confirm', callId });
  const created = await taker.ok({ type: 'call.incident.create', callId, incidentType: 'assault', priority: 1, description: 'fight in the street' });
  const incidentId = created.createdId!;
  expect(created.events.map((e) => e.type)).toEqual(['incident.created', 'incident.call.linked', 'call.incident.linked']);
  const incident = (await taker.query({ type: 'incident.get', incidentId })) as IncidentView;
  expect(incident).toMatchObject({ agencyId: 'police', location: { lat: 30.262, lon: 120.158 } });
  expect(incident.calls).toEqual([expect.objectContaining({ callId, callerNumber: '13800138000', line: '110', endedAt: null })]);

  // Blind transfer: the call taker lets go at once; the dispatcher answers it.
  await taker.ok({ type: 'call.transfer', callId, mode: 'blind', to: { username: 'dispatcher.police' } });
  expect(await taker.command({ type: 'call.hold', callId })).toMatchObject({ ok: false, code: 'not_authorized' });
  await dispatcher.ok({ type: 'call.answer', callId });
  expect((await call(callId)).agent).toEqual({ agentId: 'user:dispatcher.police', username: 'dispatcher.police' });
  await dispatcher.ok({ type: 'call.hangup', callId });
  expect(await call(callId)).toMatchObject({ state: 'ended', outcome: 'completed', incidentId });
  // The caller's BYE crossing the hang-up is refused as already ended, and changes nothing.
  expect(await bridge.command({ type: 'call.ended', callId, cause: 'hangup' })).toMatchObject({ ok: false, code: 'rejected_by_state_machine' });

  // The incident's timeline tells the call's part; the ACD feed told every step, gap-free.
  const timeline = await fetch(`http://127.0.0.1:${server.port}/api/v1/feeds/incident:${incidentId}?afterSeq=0`, { headers: { authorization: `Bearer ${server.token('dispatcher.police')}` } });
  const events = ((await timeline.json()) as { events: { event: FeedEvent }[] }).events.map((e) => e.event.type);
  expect(events).toEqual(['incident.created', 'incident.call.linked', 'incident.call.ended']);
  await until('the supervisor saw the call end', () => supervisor.feedFrames('calls:police').some((f) => f.type === 'feed.event' && f.event.type === 'call.ended'));
  const frames = supervisor.feedFrames('calls:police');
  expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => feed.seq + 1 + i));
  const story = frames.flatMap((f) => (f.type === 'feed.event' && f.event.streamId === callId ? [f.event.type] : []));
  expect(story).toEqual([
    'call.created', 'call.queued', 'call.offer.made', 'call.answered', 'call.held', 'call.resumed', 'call.location.confirmed',
    'call.incident.linked', 'call.transfer.started', 'call.transfer.answered', 'call.ended',
  ]);
});

test('a caller who hangs up while queued is kept as abandoned, called back, and settled when reached', async () => {
  await taker.ok({ type: 'call.agent.away', reason: 'break' });
  const callId = await ring('122', '13900139000');
  await bridge.ok({ type: 'call.ended', callId, cause: 'cancel', sipReason: 'CANCEL' });
  expect(await call(callId)).toMatchObject({ state: 'abandoned', outcome: 'abandoned', endedBy: 'caller' });
  expect((await board(server.token('calltaker.police'))).body.abandoned.map((c) => c.id)).toContain(callId);

  const back = await taker.ok({ type: 'call.callback', callId });
  const callbackId = back.createdId!;
  expect(await call(callbackId)).toMatchObject({ direction: 'outbound', state: 'ringing', callerNumber: '13900139000', callbackOf: callId });
  expect((await call(callId)).callbacks).toEqual([expect.objectContaining({ callId: callbackId, by: 'calltaker.police' })]);
  await bridge.ok({ type: 'call.connected', callId: callbackId });
  expect(await call(callbackId)).toMatchObject({ state: 'answered', agent: { username: 'calltaker.police' } });
  expect(await call(callId)).toMatchObject({ state: 'ended', resolution: `caller reached by callback ${callbackId}` });
  await taker.ok({ type: 'call.hangup', callId: callbackId });
});

test('an offer nobody takes goes back to the queue and sets the call taker away; an overdue call raises an alert', async () => {
  await taker.ok({ type: 'call.agent.ready' });
  const callId = await ring('110', '13700137000');
  await until('the call offered', async () => (await call(callId)).state === 'offered');
  clock.advance(10_500); // the 110 line's offer time and answer target are 10 s
  expect(await server.app.timers.runOnce()).toBe(2);
  expect(await call(callId)).toMatchObject({ state: 'queued', offer: null, missedOffers: [expect.objectContaining({ agentId: 'user:calltaker.police', reason: 'timeout' })] });
  expect((await call(callId)).alerts).toEqual([expect.objectContaining({ kind: 'answer_overdue' })]);
  await until('the call taker set away', async () => (await board(server.token('calltaker.police'))).body.agents.some((a) => a.state === 'away'));
  expect((await board(server.token('calltaker.police'))).body.waiting).toEqual([expect.objectContaining({ callId, state: 'queued', overdue: true })]);
  await dispatcher.ok({ type: 'call.answer', callId }); // picked straight from the queue
  await dispatcher.ok({ type: 'call.hangup', callId });
});

test('a 110 caller is answered before a 122 caller who waited longer', async () => {
  const accident = await ring('122', '13600136000');
  clock.advance(1000);
  const emergency = await ring('110', '13500135000');
  const { body } = await board(server.token('calltaker.police'));
  expect(body.waiting.map((w) => w.callId)).toEqual([emergency, accident]);
  for (const id of [emergency, accident]) await bridge.ok({ type: 'call.ended', callId: id, cause: 'hangup' });
});

test('a fire dispatcher can neither answer nor watch police calls, and bad input changes nothing', async () => {
  const fire = await TestClient.connect(server.port, server.token('dispatcher.fire'));
  const callId = await ring('110', '13400134000');
  const before = await eventCount();
  expect(await fire.command({ type: 'call.answer', callId })).toMatchObject({ ok: false, code: 'not_authorized' });
  expect(await fire.subscribe('calls:police')).toMatchObject({ type: 'error', code: 'not_authorized' });
  expect((await board(server.token('dispatcher.fire'))).status).toBe(403);
  expect(await dispatcher.command({ type: 'call.offered', sipCallId: 'x@y', callerNumber: '1', line: '110' })).toMatchObject({ ok: false, code: 'not_authorized' });
  const unknownLine = await bridge.command({ type: 'call.offered', sipCallId: 'x@y', callerNumber: '1', line: '999' });
  expect(unknownLine).toMatchObject({ ok: false, code: 'validation_failed' });
  expect(!unknownLine.ok && unknownLine.message).toContain('no line 999');
  expect(await taker.command({ type: 'call.answer', callId: 'CALL-000000-NOPE' })).toMatchObject({ ok: false, code: 'not_found' });
  expect(await taker.command({ type: 'call.hold', callId })).toMatchObject({ ok: false, code: 'not_authorized' });
  const noTarget = await dispatcher.command({ type: 'call.transfer', callId, mode: 'sideways', to: {} } as never);
  expect(noTarget).toMatchObject({ ok: false, code: 'validation_failed' });
  expect(await eventCount()).toBe(before);
  await bridge.ok({ type: 'call.ended', callId, cause: 'hangup' });
  await fire.close();
});

test('a second caller joins an open incident; a location confirmed later moves it on its timeline, a later PIDF-LO does not', async () => {
  const { createdId: incidentId } = await dispatcher.ok({
    type: 'incident.create', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.15 }, description: 'bag snatched',
  });
  await taker.ok({ type: 'call.agent.ready' });
  const callId = await ring('110', '13300133000', { lat: 30.251, lon: 120.151, radiusM: 50, method: 'Cell' });
  await until('the call offered', async () => (await call(callId)).state === 'offered');
  await taker.ok({ type: 'call.answer', callId });
  const joined = await taker.ok({ type: 'call.incident.join', callId, incidentId: incidentId! });
  expect(joined.events.map((e) => e.type)).toEqual(['incident.call.linked', 'call.incident.linked']);
  expect(await taker.command({ type: 'call.incident.join', callId, incidentId: incidentId! })).toMatchObject({ ok: false, code: 'rejected_by_state_machine' });
  // Joining moved nothing: the caller's position is still only a proposal.
  expect(((await taker.query({ type: 'incident.get', incidentId })) as IncidentView).location).toEqual({ lat: 30.25, lon: 120.15 });

  const confirmed = await taker.ok({ type: 'call.location.confirm', callId });
  expect(confirmed.events.map((e) => e.type)).toEqual(['call.location.confirmed', 'incident.updated']);
  await bridge.ok({ type: 'call.location.proposed', callId, location: { lat: 30.29, lon: 120.19, method: 'Cell' } });
  expect((await call(callId)).proposedLocation).toMatchObject({ lat: 30.29 });
  expect(((await taker.query({ type: 'incident.get', incidentId })) as IncidentView).location).toEqual({ lat: 30.251, lon: 120.151 });

  // Attended: the call taker consults the dispatcher, who answers; then hands the caller over.
  await taker.ok({ type: 'call.transfer', callId, mode: 'attended', to: { username: 'dispatcher.police' } });
  await dispatcher.ok({ type: 'call.answer', callId });
  expect(await call(callId)).toMatchObject({ state: 'transferring', agent: { username: 'calltaker.police' } });
  await taker.ok({ type: 'call.transfer.complete', callId });
  expect(await call(callId)).toMatchObject({ state: 'answered', agent: { username: 'dispatcher.police' } });
  await bridge.ok({ type: 'call.ended', callId, cause: 'hangup', sipReason: 'BYE' });
  const incident = (await taker.query({ type: 'incident.get', incidentId })) as IncidentView;
  expect(incident.calls).toEqual([expect.objectContaining({ callId, outcome: 'completed' })]);
});

test('a ready dispatcher a call is being transferred to is not offered a queued call; the ACD offers it once someone is free', async () => {
  // The taker has a call and hands it (attended) to the ready dispatcher: both are busy now.
  await dispatcher.ok({ type: 'call.agent.ready' });
  await taker.ok({ type: 'call.agent.away', reason: 'paperwork' });
  const first = await ring('110', '13200132000');
  await until('the first call offered to the dispatcher', async () => (await call(first)).offer?.username === 'dispatcher.police');
  await dispatcher.ok({ type: 'call.answer', callId: first });
  await taker.ok({ type: 'call.agent.ready' });
  const engaged = await dispatcher.ok({ type: 'call.transfer', callId: first, mode: 'attended', to: { username: 'calltaker.police' } });
  expect(engaged.events.map((e) => e.type)).toEqual(['call.transfer.started', 'agent.engaged']);
  // The store says whom the call keeps busy: the dispatcher (on it) and the taker (it is coming to them).
  const naming = await callsKeepingBusy(server.app.db.sql, server.app.pipeline, 'user:calltaker.police');
  expect(naming.map((c) => c.id)).toEqual([first]);

  const second = await ring('110', '13100131000');
  await server.app.acd.idle();
  await server.app.acd.sweep();
  expect(await call(second)).toMatchObject({ state: 'queued', offer: null });

  // The taker takes the transfer; the dispatcher lets go and is free: the ACD offers them the second call.
  await taker.ok({ type: 'call.answer', callId: first });
  await dispatcher.ok({ type: 'call.transfer.complete', callId: first });
  await until('the second call offered to the dispatcher', async () => (await call(second)).offer?.username === 'dispatcher.police');
  for (const id of [first, second]) await bridge.ok({ type: 'call.ended', callId: id, cause: 'hangup' });
});

test('a call arriving while a call taker is free is offered to them in the command that creates it', async () => {
  expect((await server.app.pipeline.load('agent', 'user:calltaker.police'))?.state).toBe('ready'); // since the story above
  await until('the call taker free', async () => (await board(server.token('calltaker.police'))).body.waiting.length === 0);
  const result = await bridge.ok({ type: 'call.offered', sipCallId: `arrival-${Date.now()}@edge`, callerNumber: '13000130001', line: '110' });
  expect(result.events.map((e) => e.type)).toEqual(['call.created', 'call.queued', 'call.offer.made', 'agent.offered']);
  expect(await call(result.createdId!)).toMatchObject({ state: 'offered', offer: { username: 'calltaker.police' } });
  await bridge.ok({ type: 'call.ended', callId: result.createdId!, cause: 'hangup' });
});
