/**
 * Nothing acknowledged is lost: the server process is killed with SIGKILL right after it
 * acknowledges a command; after a restart on the same database the event is there.
 */
import { dropTestState, testConfig } from '../support/env';
import { spawnServer } from '../support/process';
import { TestClient } from '../support/ws-client';
import type { Actor } from '../../server/protocol';
import { TokenIssuer } from '../../server/auth/tokens';

test('an acknowledged command survives SIGKILL of the server', async () => {
  const config = testConfig('configured', { PORT: '0' });
  const tokens = new TokenIssuer(config.AUTH_SECRET!, 3600, () => new Date());
  const actor: Actor = { id: 'user:dispatcher.police', username: 'dispatcher.police', role: 'dispatcher', agencyId: 'police', jurisdiction: 'city', unitId: null };
  const token = tokens.issue(actor).token;

  const first = await spawnServer(config);
  const client = await TestClient.connect(first.port, token);
  const acked: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await client.ok({ type: 'incident.create', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.15 }, description: `report ${i}` });
    acked.push(r.createdId!);
  }
  // Fire one more and kill the instant its ack arrives.
  const last = client.command({ type: 'incident.create', incidentType: 'assault', priority: 1, location: { lat: 30.26, lon: 120.16 }, description: 'the last one' });
  const ack = await last;
  await first.kill('SIGKILL');
  expect(ack.ok).toBe(true);
  if (ack.ok) acked.push(ack.result.createdId!);
  await client.close();

  const second = await spawnServer(config);
  const again = await TestClient.connect(second.port, token);
  for (const id of acked) {
    expect(await again.query({ type: 'incident.get', incidentId: id })).toMatchObject({ id, state: 'pending', version: 1 });
  }
  const verify = await TestClient.connect(second.port, tokens.issue({ ...actor, id: 'user:auditor', username: 'auditor', role: 'auditor', agencyId: 'city' }).token);
  expect(await verify.query({ type: 'audit.verify' })).toMatchObject({ ok: true });
  await again.close();
  await verify.close();
  await second.kill('SIGTERM');
  await dropTestState(config);
}, 90_000);
