/**
 * A recording outlives a server crash: a body camera publishes plain RTP (ffmpeg encoding VP8 +
 * Opus, through `transport.create.plain`) into a server process, which is killed with SIGKILL
 * mid-recording. The recorder's ffmpeg finishes the file on its own (parent-death signal, then
 * the end of the RTP input), and the restarted server hashes it and stores it on the incident,
 * with a duration close to what was published before the crash; the audit chain verifies.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { dropTestState, testConfig } from '../support/env';
import { spawnServer } from '../support/process';
import { TestClient } from '../support/ws-client';
import { runFfmpegCamera } from '../support/ffmpeg-camera';
import { until } from '../support/until';
import { TokenIssuer } from '../../server/auth/tokens';
import type { Actor } from '../../server/protocol';
import type { IncidentView } from '../../server/incidents/kind';
import { probeDurationMs } from '../../media/recording-files';

const actor = (username: string, role: Actor['role'], unitId: string | null = null): Actor => ({
  id: `user:${username}`, username, role, agencyId: 'police', jurisdiction: 'city', unitId,
});

test('a recording cut off by a server crash is finished and stored after the restart', async () => {
  const config = testConfig('configured', { MEDIA_WORKERS: '1' });
  const tokens = new TokenIssuer(config.AUTH_SECRET!, 3600, () => new Date());
  const first = await spawnServer(config);
  const dispatcher = await TestClient.connect(first.port, tokens.issue(actor('dispatcher.police', 'dispatcher')).token);
  const crew = await TestClient.connect(first.port, tokens.issue(actor('p-103', 'field_unit', 'P-103')).token);
  let second: Awaited<ReturnType<typeof spawnServer>> | null = null;
  try {
    const { createdId } = await dispatcher.ok({ type: 'incident.create', incidentType: 'assault', priority: 1, location: { lat: 30.27, lon: 120.13 }, description: 'fight, weapons seen' });
    const incidentId = createdId!;
    await dispatcher.ok({ type: 'incident.dispatch', incidentId, unitIds: ['P-103'] });
    const roomId = `incident:${incidentId}`;
    const streams = {
      video: { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, payloadType: 100, ssrc: 9101 },
      audio: { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111, ssrc: 9102 },
    } as const;
    const ports: Record<string, { port: number; rtcpPort: number }> = {};
    for (const s of Object.values(streams)) {
      const t = await crew.mediaOk({ action: 'transport.create.plain', roomId });
      expect(t.ip).toBe('127.0.0.1');
      ports[s.kind] = { port: t.port, rtcpPort: t.rtcpPort };
      const { channels, ...codec } = { channels: undefined, ...s };
      await crew.mediaOk({
        action: 'produce', transportId: t.transportId, kind: s.kind, appData: { source: 'bodycam', unitId: 'P-103' },
        rtpParameters: { codecs: [{ mimeType: codec.mimeType, payloadType: codec.payloadType, clockRate: codec.clockRate, ...(channels ? { channels } : {}) }], encodings: [{ ssrc: codec.ssrc }] },
      });
    }
    const incident = () => dispatcher.query({ type: 'incident.get', incidentId }) as Promise<IncidentView>;
    await until('the recording to start', async () => (await incident()).recordings?.some((r) => r.state === 'recording'), 10_000);

    const camera = runFfmpegCamera({ video: { ...streams.video, ...ports.video! }, audio: { ...streams.audio, ...ports.audio! } }, 6).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    await first.kill('SIGKILL');
    await camera;
    await dispatcher.close();
    await crew.close();

    second = await spawnServer(config);
    const auditor = await TestClient.connect(second.port, tokens.issue({ ...actor('auditor', 'auditor'), agencyId: 'city' }).token);
    try {
      const stored = await until('the orphaned recording to be stored', async () => {
        const view = (await auditor.query({ type: 'incident.get', incidentId })) as IncidentView;
        return view.recordings.find((r) => r.state === 'stored');
      }, 45_000).catch((err) => {
        process.stderr.write(`${second!.output().split('\n').filter((l) => /record|ffmpeg/i.test(l)).join('\n').slice(-3000)}\n`);
        throw err;
      });
      const path = join(config.DATA_DIR, 'recordings', stored.file);
      expect(existsSync(path)).toBe(true);
      const duration = await probeDurationMs(path);
      expect(duration).toBe(stored.durationMs);
      // The camera ran 3 s before the crash, its encoder's start-up included (0.5-1.5 s on a
      // loaded machine); a crash loses at most the cluster being written (clusters are <= 1 s).
      expect(duration).toBeGreaterThan(500);
      expect(duration).toBeLessThan(4500);
      expect(await auditor.query({ type: 'audit.verify' })).toMatchObject({ ok: true });
    } finally {
      await auditor.close();
    }
  } finally {
    await first.kill('SIGKILL');
    await second?.kill('SIGTERM');
    await dropTestState(config);
  }
}, 120_000);
