/**
 * Upgrading a store that has calls in progress (migration 007): the new `parties` column of
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
