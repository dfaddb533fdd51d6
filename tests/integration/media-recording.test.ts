/**
 * Body-camera recording and the media access audit, on a real server with a real mediasoup
 * worker and Debian's ffmpeg: a camera stand-in (ffmpeg encoding VP8 + Opus in real time)
 * sends RTP into the incident's room for three seconds; the recording is written to disk, ffprobe reads a duration close to
 * the publishing time, the file's SHA-256 is in the incident's audit chain and the chain
 * verifies; playback is logged and served through a signed URL with byte ranges; a dispatcher
 * of another agency sees nothing until a supervisor grants access for a limited time, and is
 * sent out of the room when the grant is revoked; every viewing is in the access log.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { types as ms } from 'mediasoup';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import { runFfmpegCamera } from '../support/ffmpeg-camera';
import { until } from '../support/until';
import { probeDurationMs } from '../../media/recording-files';
import type { IncidentView } from '../../server/incidents/kind';
import type { MediaAccessReport } from '../../server/media-access/access';

jest.setTimeout(60_000);

let server: TestServer;
let dispatcher: TestClient;
let incidentId: string;
let roomId: string;
const api = (path: string, username: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${server.port}${path}`, { ...init, headers: { authorization: `Bearer ${server.token(username)}`, 'content-type': 'application/json', ...init.headers } });

beforeAll(async () => {
  server = await startTestServer();
  dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
  const created = await dispatcher.ok({ type: 'incident.create', incidentType: 'theft', priority: 2, location: { lat: 30.27, lon: 120.12 }, description: 'bag snatch, suspect on foot' });
  incidentId = created.createdId!;
  roomId = `incident:${incidentId}`;
  await dispatcher.ok({ type: 'incident.dispatch', incidentId, unitIds: ['P-103'] });
});

afterAll(async () => {
  await dispatcher?.close();
  await server?.stop();
});

const incident = () => dispatcher.query({ type: 'incident.get', incidentId }) as Promise<IncidentView>;

/** P-103's camera as plain RTP: a VP8 and an Opus producer fed by ffmpeg for `seconds`. */
async function publishCamera(seconds: number): Promise<void> {
  const room = (await server.app.media.openRoom(roomId))!;
  const transports: ms.PlainTransport[] = [];
  try {
    const streams = [
      { kind: 'video' as const, mimeType: 'video/VP8', clockRate: 90000, payloadType: 100, ssrc: 7001 },
      { kind: 'audio' as const, mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111, ssrc: 7002 },
    ];
    const ports: { port: number; rtcpPort: number }[] = [];
    for (const s of streams) {
      const transport = await room.createPlainTransport({ rtcpMux: false, comedia: true });
      transports.push(transport);
      await transport.produce({
        kind: s.kind, appData: { source: 'bodycam', unitId: 'P-103' },
        rtpParameters: { codecs: [{ mimeType: s.mimeType, payloadType: s.payloadType, clockRate: s.clockRate, channels: s.channels }], encodings: [{ ssrc: s.ssrc }] },
      });
      ports.push({ port: transport.tuple.localPort, rtcpPort: transport.rtcpTuple!.localPort });
    }
    // The recorder gathers the camera's streams, then starts ffmpeg: its start is on the incident.
    await until('the recording to start', async () => (await incident()).recordings?.some((r) => r.state === 'recording'), 10_000);
    await runFfmpegCamera({ video: { ...streams[0]!, ...ports[0]! }, audio: { ...streams[1]!, ...ports[1]! } }, seconds);
  } finally {
    for (const t of transports) t.close();
  }
}

test('a body camera is recorded to disk, with a duration close to its publishing time and its hash in the audit chain', async () => {
  await publishCamera(3);
  const stored = await until('the recording to be stored', async () => (await incident()).recordings?.find((r) => r.state === 'stored'), 20_000);
  expect(stored).toMatchObject({ unitId: 'P-103', source: 'bodycam', mimeType: 'video/webm', failure: null });

  const path = join(server.app.recordingsDir, stored.file);
  expect(existsSync(path)).toBe(true);
  const bytes = readFileSync(path);
  expect(bytes.length).toBe(stored.bytes);
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(stored.sha256);
  const probed = await probeDurationMs(path);
  expect(probed).toBe(stored.durationMs);
  expect(probed).toBeGreaterThan(2300);
  expect(probed).toBeLessThan(3800);

  const rows = await server.app.db.sql<{ payload: { sha256: string }; type: string }[]>`
    SELECT payload, type FROM events WHERE stream_type = 'incident' AND stream_id = ${incidentId} AND type LIKE 'incident.recording.%' ORDER BY id`;
  expect(rows.map((r) => r.type)).toEqual(['incident.recording.started', 'incident.recording.stored']);
  expect(rows[1]!.payload.sha256).toBe(stored.sha256);
  const audit = await (await api('/api/v1/audit/verify', 'auditor')).json();
  expect(audit).toMatchObject({ ok: true, firstBroken: null });
  const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  expect(metrics).toMatch(/^beacon_media_recordings\{[^}]*outcome="stored"[^}]*\} 1$/m);
  expect(metrics).toMatch(/^beacon_media_recordings_active\{[^}]*\} 0$/m);
});

test('playing a recording back is logged, then served by a signed URL that supports byte ranges', async () => {
  const [rec] = (await (await api(`/api/v1/incidents/${incidentId}/recordings`, 'dispatcher.police')).json()).recordings;
  const grant = await (await api(`/api/v1/incidents/${incidentId}/recordings/${rec.id}/playback`, 'dispatcher.police', { method: 'POST' })).json();
  expect(grant.url).toMatch(new RegExp(`^/api/v1/recordings/${rec.id}/file\\?`));

  const whole = await fetch(`http://127.0.0.1:${server.port}${grant.url}`);
  expect(whole.status).toBe(200);
  expect(whole.headers.get('content-type')).toBe('video/webm');
  expect(createHash('sha256').update(Buffer.from(await whole.arrayBuffer())).digest('hex')).toBe(rec.sha256);
  const part = await fetch(`http://127.0.0.1:${server.port}${grant.url}`, { headers: { range: 'bytes=0-99' } });
  expect(part.status).toBe(206);
  expect(part.headers.get('content-range')).toBe(`bytes 0-99/${rec.bytes}`);
  expect((await part.arrayBuffer()).byteLength).toBe(100);

  const forged = await fetch(`http://127.0.0.1:${server.port}${grant.url.replace(/sig=[^&]+/, 'sig=AAAA')}`);
  expect(forged.status).toBe(401);
  const otherViewer = await fetch(`http://127.0.0.1:${server.port}${grant.url.replace(/viewer=[^&]+/, 'viewer=user%3Adispatcher.fire')}`);
  expect(otherViewer.status).toBe(401);
  const fire = await api(`/api/v1/incidents/${incidentId}/recordings/${rec.id}/playback`, 'dispatcher.fire', { method: 'POST' });
  expect(fire.status).toBe(403);
  const missing = await api(`/api/v1/incidents/${incidentId}/recordings/REC-NOPE/playback`, 'dispatcher.police', { method: 'POST' });
  expect(missing.status).toBe(404);

  const log: MediaAccessReport = await (await api(`/api/v1/incidents/${incidentId}/media-access`, 'supervisor.police')).json();
  expect(log.views).toEqual([expect.objectContaining({
    mode: 'recording', viewerUsername: 'dispatcher.police', grantId: null, state: 'ended', streams: [expect.objectContaining({ streamId: rec.id, kind: 'recording' })],
  })]);
  expect((await api(`/api/v1/incidents/${incidentId}/media-access`, 'dispatcher.fire')).status).toBe(403);
});

test('another agency\'s dispatcher views the media only while a supervisor\'s grant lasts; every viewing is logged', async () => {
  const fire = await TestClient.connect(server.port, server.token('dispatcher.fire'));
  try {
    expect(await fire.media({ action: 'router.capabilities', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });
    const bad = await api('/api/v1/commands', 'supervisor.police', { method: 'POST', body: JSON.stringify({
      type: 'media.access.grant', commandId: 'grant-bad-0001', incidentId, username: 'dispatcher.fire', minutes: 5000, reason: 'joint op' }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('at most 1440 minutes');
    const calltaker = await api('/api/v1/commands', 'calltaker.police', { method: 'POST', body: JSON.stringify({
      type: 'media.access.grant', commandId: 'grant-ct-00001', incidentId, username: 'dispatcher.fire', minutes: 5, reason: 'joint op' }) });
    expect(calltaker.status).toBe(403);

    const granted = await (await api('/api/v1/commands', 'supervisor.police', { method: 'POST', body: JSON.stringify({
      type: 'media.access.grant', commandId: 'grant-fire-0001', incidentId, username: 'dispatcher.fire', minutes: 30, reason: 'fire crews approaching the scene' }) })).json();
    const grantId = granted.createdId as string;
    expect(grantId).toMatch(/^G-/);

    // A stand-in camera producer for the grantee to consume.
    const room = server.app.media.room(roomId)!;
    const cam = await room.createPlainTransport({ rtcpMux: true, comedia: true });
    const producer = await cam.produce({ kind: 'video', appData: { source: 'bodycam', unitId: 'P-103' },
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 100, clockRate: 90000 }], encodings: [{ ssrc: 8001 }] } });
    try {
      const caps = await fire.mediaOk({ action: 'router.capabilities', roomId });
      const recv = await fire.mediaOk({ action: 'transport.create', roomId, direction: 'recv' });
      const consumed = await fire.mediaOk({ action: 'consume', transportId: recv.transportId, producerId: producer.id, rtpCapabilities: caps.rtpCapabilities });
      expect(consumed).toMatchObject({ producerId: producer.id, paused: true });
      // The grant also opens the recordings.
      expect((await api(`/api/v1/incidents/${incidentId}/recordings`, 'dispatcher.fire')).status).toBe(200);

      const sentAway = fire.next((f) => f.type === 'media.event' && f.event === 'room.closed' && f.roomId === roomId, 10_000);
      await (await api('/api/v1/commands', 'supervisor.police', { method: 'POST', body: JSON.stringify({
        type: 'media.access.revoke', commandId: 'revoke-fire-001', incidentId, grantId, reason: 'fire crews stood down' }) })).json();
      expect(await sentAway).toMatchObject({ roomId });
      expect(await fire.media({ action: 'router.capabilities', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });
    } finally {
      cam.close();
    }

    const log: MediaAccessReport = await (await api(`/api/v1/incidents/${incidentId}/media-access`, 'auditor')).json();
    expect(log.grants).toEqual([expect.objectContaining({ id: grantId, granteeUsername: 'dispatcher.fire', grantedBy: 'supervisor.police', state: 'revoked', endedBy: 'supervisor.police' })]);
    const live = await until('the grantee\'s viewing to end in the log', async () => {
      const l: MediaAccessReport = await (await api(`/api/v1/incidents/${incidentId}/media-access`, 'auditor')).json();
      return l.views.find((v) => v.mode === 'live' && v.viewerUsername === 'dispatcher.fire' && v.state === 'ended');
    });
    expect(live).toMatchObject({ grantId, streams: [expect.objectContaining({ streamId: producer.id, unitId: 'P-103', kind: 'video' })] });
    expect(live.endedAt).not.toBeNull();
  } finally {
    await fire.close();
  }
});

test('a viewer who leaves the room ends its viewing in the access log, and keeps nothing in the room', async () => {
  const room = server.app.media.room(roomId)!;
  const cam = await room.createPlainTransport({ rtcpMux: true, comedia: true });
  const producer = await cam.produce({ kind: 'audio', appData: { source: 'bodycam', unitId: 'P-103' },
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 8101 }] } });
  const supervisor = await TestClient.connect(server.port, server.token('supervisor.police'));
  try {
    const caps = await supervisor.mediaOk({ action: 'router.capabilities', roomId });
    const recv = await supervisor.mediaOk({ action: 'transport.create', roomId, direction: 'recv' });
    await supervisor.mediaOk({ action: 'consume', transportId: recv.transportId, producerId: producer.id, rtpCapabilities: caps.rtpCapabilities });
    const peers = room.peerCount;
    await supervisor.mediaOk({ action: 'room.leave', roomId });
    expect(room.peerCount).toBe(peers - 1);
    expect(await supervisor.media({ action: 'close', id: recv.transportId })).toMatchObject({ ok: false, code: 'not_found' });
    const view = await until('the supervisor\'s viewing to end', async () => {
      const l: MediaAccessReport = await (await api(`/api/v1/incidents/${incidentId}/media-access`, 'auditor')).json();
      return l.views.find((v) => v.viewerUsername === 'supervisor.police' && v.state === 'ended');
    });
    expect(view).toMatchObject({ mode: 'live', grantId: null, streams: [expect.objectContaining({ streamId: producer.id, kind: 'audio' })] });
  } finally {
    cam.close();
    await supervisor.close();
  }
});
