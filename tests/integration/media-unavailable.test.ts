/**
 * A server without a media worker still dispatches: it starts with a clear warning, incidents
 * open and close as usual, and media requests are answered with `media_unavailable`.
 */
import pino from 'pino';
import { TestClient } from '../support/ws-client';

const MISSING_BIN = '/nonexistent/beacon-test/mediasoup-worker';
let savedBin: string | undefined;

beforeAll(() => {
  // mediasoup reads the variable when it is first loaded, so the server is imported after this.
  savedBin = process.env.MEDIASOUP_WORKER_BIN;
  process.env.MEDIASOUP_WORKER_BIN = MISSING_BIN;
});

afterAll(() => {
  if (savedBin === undefined) delete process.env.MEDIASOUP_WORKER_BIN;
  else process.env.MEDIASOUP_WORKER_BIN = savedBin;
});

async function mediaRefusal(port: number, token: string): Promise<{ code: string; message: string }> {
  const client = await TestClient.connect(port, token);
  try {
    const created = await client.ok({ type: 'incident.create', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.16 }, description: 'car radio stolen' });
    const refused = await client.media({ action: 'router.capabilities', roomId: `incident:${created.createdId}` });
    if (refused.ok) throw new Error('media answered without a worker');
    return refused;
  } finally {
    await client.close();
  }
}

test('without the worker binary the server starts, warns, and answers media requests with media_unavailable', async () => {
  const { createApp } = await import('../../server/app');
  const { testConfig, dropTestState } = await import('../support/env');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
  const config = testConfig();
  const app = await createApp({ config, logger });
  try {
    const { port } = await app.start();
    const warning = lines.map((l) => JSON.parse(l) as { level: number; msg: string; workerBin?: string }).find((l) => l.msg.includes('worker binary is missing'));
    expect(warning).toMatchObject({ level: 40, workerBin: MISSING_BIN });
    expect(warning!.msg).toContain('run scripts/install-mediasoup.sh');

    const dispatcher = app.users.find('dispatcher.police')!;
    const refused = await mediaRefusal(port, app.tokens.issue(dispatcher).token);
    expect(refused).toMatchObject({ code: 'media_unavailable', message: 'media is unavailable: the media worker is not installed on this server' });
    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json();
    expect(health).toMatchObject({ ok: true, checks: { media: 'unavailable: the media worker is not installed on this server' } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^beacon_media_workers\{[^}]*\} 0$/m);
  } finally {
    await app.stop();
    await dropTestState(config);
  }
});

test('with MEDIA_ENABLED=false media requests say that media is off here', async () => {
  const { startTestServer } = await import('../support/app');
  const server = await startTestServer({ env: { MEDIA_ENABLED: 'false' } });
  try {
    const refused = await mediaRefusal(server.port, server.token('dispatcher.police'));
    expect(refused).toMatchObject({ code: 'media_unavailable', message: 'media is unavailable: media is disabled on this server (MEDIA_ENABLED=false)' });
    expect(server.app.media.available).toBe(false);
  } finally {
    await server.stop();
  }
});
