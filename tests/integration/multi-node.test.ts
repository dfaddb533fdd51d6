/**
 * Two server processes on one PostgreSQL and one Redis serve their clients the same state:
 * an event handled by node 1 reaches a client of node 2, and either node answers queries.
 */
import { dropTestState, testConfig } from '../support/env';
import { spawnServer, type ServerProcess } from '../support/process';
import { TestClient } from '../support/ws-client';
import { TokenIssuer } from '../../server/auth/tokens';
import type { Actor } from '../../server/protocol';

const config = testConfig('postgres');
const tokens = new TokenIssuer(config.AUTH_SECRET!, 3600, () => new Date());
const actor = (username: string, role: Actor['role']): Actor => ({ id: `user:${username}`, username, role, agencyId: 'police', jurisdiction: 'city', unitId: null });
let nodes: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.kill()));
  await dropTestState(config);
});

test('an event handled by server process 1 reaches a client of server process 2', async () => {
  nodes = [await spawnServer(config, { NODE_ID: 'node-1' }), await spawnServer(config, { NODE_ID: 'node-2' })];
  const onNode1 = await TestClient.connect(nodes[0]!.port, tokens.issue(actor('dispatcher.police', 'dispatcher')).token);
  const onNode2 = await TestClient.connect(nodes[1]!.port, tokens.issue(actor('supervisor.police', 'supervisor')).token);
  expect(onNode2.frames[0]).toMatchObject({ type: 'welcome', nodeId: 'node-2' });
  await onNode2.subscribe('queue:police');

  const created = await onNode1.ok({ type: 'incident.create', incidentType: 'assault', priority: 1, location: { lat: 30.25, lon: 120.15 }, description: 'handled on node 1' });
  const seen = await onNode2.next((f) => f.type === 'feed.event' && f.event.streamId === created.createdId && f.event.type === 'incident.created', 5000, 0);
  expect(seen).toMatchObject({ type: 'feed.event', event: { view: { description: 'handled on node 1' } } });

  // A command on node 2 for the incident created on node 1; node 1's unit map sees the unit move.
  await onNode1.subscribe('units:xihu');
  const unitId = 'P-101';
  const dispatched = onNode1.next((f) => f.type === 'feed.event' && f.event.streamId === unitId && f.event.type === 'unit.dispatched');
  await onNode2.ok({ type: 'incident.dispatch', incidentId: created.createdId!, unitIds: [unitId] });
  await dispatched;
  expect(await onNode1.query({ type: 'incident.get', incidentId: created.createdId! })).toMatchObject({ state: 'dispatched', units: { [unitId]: expect.anything() } });
  const seqs = onNode2.feedFrames('queue:police').map((f) => f.seq);
  expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  await onNode1.close();
  await onNode2.close();
}, 90_000);
