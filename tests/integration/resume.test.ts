/**
 * Reconnects without silent gaps: a console offline for 10 s gets exactly the events it
 * missed, in order; one that missed too much gets a fresh snapshot instead.
 */
import { LIMITS, type Actor, type Command, type ServerFrame } from '../../server/protocol';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';

let server: TestServer;
let dispatcher: TestClient;
beforeAll(async () => {
  server = await startTestServer();
  dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
});
afterAll(async () => {
  await dispatcher?.close();
  await server?.stop();
});

const create = (description: string) => dispatcher.ok({ type: 'incident.create', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.15 }, description });

test('a console offline for 10 s receives exactly what it missed, then live events', async () => {
  const consoleA = await TestClient.connect(server.port, server.token('supervisor.police'));
  await consoleA.subscribe('queue:police');
  await create('before the outage');
  await consoleA.next((f) => f.type === 'feed.event' && f.event.view.description === 'before the outage' && f.event.type === 'incident.created', 5000, 0);
  const lastSeq = consoleA.feedFrames('queue:police').at(-1)!.seq;
  await consoleA.close();

  const started = Date.now();
  const missedIds: string[] = [];
  while (Date.now() - started < 10_000) {
    missedIds.push((await create(`during the outage ${missedIds.length}`)).createdId!);
    await new Promise((r) => setTimeout(r, 1000));
  }

  const back = await TestClient.connect(server.port, server.token('supervisor.police'));
  const subscribed = (await back.subscribe('queue:police', lastSeq)) as Extract<ServerFrame, { type: 'subscribed' }>;
  expect(subscribed).toMatchObject({ mode: 'resume', seq: lastSeq + missedIds.length });
  await back.next(() => back.feedFrames('queue:police').length >= missedIds.length, 5000, 0);
  const frames = back.feedFrames('queue:police');
  expect(frames.map((f) => f.seq)).toEqual(missedIds.map((_, i) => lastSeq + 1 + i));
  const streams = frames.map((f) => (f.type === 'feed.event' ? f.event.streamId : null));
  expect([...new Set(streams)]).toEqual(missedIds);
  expect(back.frames.some((f) => f.type === 'feed.snapshot')).toBe(false);

  const live = await create('after the outage');
  await back.next((f) => f.type === 'feed.event' && f.event.streamId === live.createdId, 5000, 0);
  const all = back.feedFrames('queue:police').map((f) => f.seq);
  expect(all).toEqual(all.map((_, i) => lastSeq + 1 + i));
  await back.close();
}, 30_000);

test('a console that missed more than the resume window gets a fresh snapshot', async () => {
  const rows = await server.app.db.sql<{ seq: number }[]>`SELECT seq::int AS seq FROM feeds WHERE id = 'queue:police'`;
  const before = rows[0]!.seq;
  const needed = LIMITS.maxResumeEvents + 1;
  for (let i = 0; i < needed; i++) await create(`burst ${i}`);
  const back = await TestClient.connect(server.port, server.token('supervisor.police'));
  const subscribed = await back.subscribe('queue:police', before);
  expect(subscribed).toMatchObject({ mode: 'snapshot', seq: before + needed });
  const snapshot = (await back.next((f) => f.type === 'feed.snapshot', 5000, 0)) as Extract<ServerFrame, { type: 'feed.snapshot' }>;
  expect(snapshot.items.filter((i) => String(i.description).startsWith('burst '))).toHaveLength(needed);
  await back.close();
}, 60_000);

test('an event whose bus message was lost reaches a live console from the store, in order, once the next one shows the gap', async () => {
  const consoleB = await TestClient.connect(server.port, server.token('supervisor.police'));
  await consoleB.subscribe('queue:police');
  // A commit that never reaches the bus: a pipeline on the same store with a bus nobody hears.
  const { CommandPipeline } = await import('../../server/commands/pipeline');
  const { MemoryBus } = await import('../../server/bus/memory-bus');
  const { incidentKind } = await import('../../server/incidents/kind');
  const { plannerFor } = await import('../../server/commands/handle');
  const { createLogger } = await import('../../server/log');
  const deaf = new CommandPipeline(server.app.db.sql, new MemoryBus(), server.app.clock, [incidentKind], createLogger('warn', 'deaf'), 'deaf', { observeCommand: () => {}, countRetry: () => {} });
  const cmd: Command = { type: 'incident.create', commandId: `lost-${Date.now()}`, incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.15 }, description: 'lost on the bus' };
  const actor: Actor = { id: 'user:dispatcher.police', username: 'dispatcher.police', role: 'dispatcher', agencyId: 'police', jurisdiction: 'city', unitId: null };
  await deaf.execute(actor, cmd.commandId, cmd.type, plannerFor({ city: server.app.city, users: server.app.users }, cmd));
  await create('after the lost one');
  await consoleB.next((f) => f.type === 'feed.event' && f.event.view.description === 'after the lost one' && f.event.type === 'incident.created', 5000, 0);
  const frames = consoleB.feedFrames('queue:police').filter((f) => f.type === 'feed.event');
  const described = frames.map((f) => (f.type === 'feed.event' ? f.event.view.description : null));
  expect(described.indexOf('lost on the bus')).toBeGreaterThanOrEqual(0);
  expect(described.indexOf('lost on the bus')).toBeLessThan(described.indexOf('after the lost one'));
  expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => frames[0]!.seq + i));
  await consoleB.close();
});
