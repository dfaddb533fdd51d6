/**
 * Upgrading a store that has calls in progress (migrations 007 and 008): the new `parties` column of
 * an open call is filled from its snapshot, so the ACD does not offer another call to an agent
 * who holds one from before the upgrade; the command statement still commits afterwards.
 * Runs on whatever backend the environment names.
 */
import { SYSTEM_ACTOR } from '../../server/auth/users';
import { migrate } from '../../server/store/migrate';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import { until } from '../support/until';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runWorkers: false, env: { MEDIA_ENABLED: 'false', SIP_ENABLED: 'false' } });
});
afterAll(async () => { await server?.stop(); });

test('an open call from before migration 007 gets its agents as parties; commands commit after it', async () => {
  const sql = server.app.db.sql;
  const bridge = await TestClient.connect(server.port, server.app.tokens.issue(SYSTEM_ACTOR).token);
  const taker = await TestClient.connect(server.port, server.token('calltaker.police'));
  try {
    await taker.ok({ type: 'call.agent.ready' });
    const callId = (await bridge.ok({ type: 'call.offered', sipCallId: `m7-${Date.now()}@edge`, callerNumber: '13000130000', line: '110' })).createdId!;
    await until('the call offered', async () => (await server.app.pipeline.load('call', callId))?.state === 'offered');
    await taker.ok({ type: 'call.answer', callId });
    const parties = async () => (await sql<{ parties: string[] | null }[]>`SELECT to_jsonb(parties) AS parties FROM aggregates WHERE type = 'call' AND id = ${callId}`)[0]!.parties;
    expect(await parties()).toEqual(['user:calltaker.police']);

    // The store as an earlier version left it, then the upgrade.
    await sql`DELETE FROM schema_migrations WHERE version = 7`;
    await sql`ALTER TABLE aggregates DROP COLUMN parties`;
    await sql`DROP FUNCTION beacon_each(jsonb)`;
    expect(await migrate(sql)).toEqual(['007_commit_index_and_parties.sql']);
    expect(await parties()).toEqual(['user:calltaker.police']);

    await taker.ok({ type: 'call.hold', callId });
    await taker.ok({ type: 'call.hangup', callId });
    expect(await parties()).toEqual([]);
  } finally {
    await bridge.close();
    await taker.close();
  }
});

test('upgrading to migration 008 marks aggregates with a recording under way and gives media views their refs', async () => {
  const sql = server.app.db.sql;
  const snapshot = (context: Record<string, unknown>) => sql.json({ status: 'active', value: 'x', context } as never);
  await sql`INSERT INTO aggregates (type, id, version, state, snapshot, last_hash, agency_id, updated_at) VALUES
    ('call', 'CALL-M8-REC', 1, 'answered', ${snapshot({ recordings: [{ id: 'r1', state: 'recording' }] })}, 'x', 'police', now()),
    ('call', 'CALL-M8-DONE', 1, 'ended', ${snapshot({ recordings: [{ id: 'r2', state: 'stored' }] })}, 'x', 'police', now()),
    ('media_view', 'MV-M8', 1, 'watching', ${snapshot({ incidentId: 'INC-M8', callId: 'CALL-M8-REC' })}, 'x', 'police', now())`;
  // The store as 007 left it, then the upgrade.
  await sql`DELETE FROM schema_migrations WHERE version = 8`;
  await sql.unsafe(`
    DROP INDEX aggregates_recording; DROP INDEX aggregates_media_view_refs;
    ALTER TABLE aggregates DROP COLUMN recording, DROP COLUMN refs;
    CREATE INDEX aggregates_incidents_recording ON aggregates (id) WHERE type = 'incident' AND snapshot->'context'->'recordings' @> '[{"state":"recording"}]';
    CREATE INDEX aggregates_calls_recording ON aggregates (id) WHERE type = 'call' AND snapshot->'context'->'recordings' @> '[{"state":"recording"}]';
    CREATE INDEX aggregates_media_view_by_incident ON aggregates ((snapshot->'context'->>'incidentId')) WHERE type = 'media_view';
    CREATE INDEX aggregates_media_view_by_call ON aggregates ((snapshot->'context'->>'callId')) WHERE type = 'media_view';`);
  expect(await migrate(sql)).toEqual(['008_hot_aggregates.sql']);
  const rows = await sql<{ id: string; recording: boolean; refs: string[] | null }[]>`
    SELECT id, recording, to_jsonb(refs) AS refs FROM aggregates WHERE id IN ('CALL-M8-REC', 'CALL-M8-DONE', 'MV-M8') ORDER BY id`;
  expect(rows).toEqual([
    { id: 'CALL-M8-DONE', recording: false, refs: null },
    { id: 'CALL-M8-REC', recording: true, refs: null },
    { id: 'MV-M8', recording: false, refs: ['incident:INC-M8', 'call:CALL-M8-REC'] },
  ]);
  await sql`DELETE FROM aggregates WHERE id IN ('CALL-M8-REC', 'CALL-M8-DONE', 'MV-M8')`;
});
