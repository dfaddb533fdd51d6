/**
 * An incident's video room, end to end on a real server with a real mediasoup worker: the
 * room opens with the incident through the outbox, the agency's dispatcher may view it while
 * other agencies and unassigned crews may not, the assigned unit's body camera publishes only
 * for its own unit, real RTP crosses the room on loopback, and when the media worker is
 * killed the room comes back on a new worker and the viewers are told to reconnect.
 */
import { startTestServer, type TestServer } from '../support/app';
import { createApp } from '../../server/app';
import { dropTestState, testConfig } from '../support/env';
import { TestClient } from '../support/ws-client';
import { RtpSink, sendRtp } from '../support/rtp';
import { until } from '../support/until';

let server: TestServer;
let dispatcher: TestClient;
let incidentId: string;
let roomId: string;
let bodycamProducerId: string;
/** P-103's crew, kept connected between tests: its body camera lives as long as its socket. */
let crew: TestClient;

/** A VP8 stream as a browser's body camera would describe it (one encoding, no simulcast). */
const VP8_PARAMETERS = {
  mid: '0', codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
  headerExtensions: [], encodings: [{ ssrc: 424242 }], rtcp: { cname: 'bodycam-P-103', reducedSize: true },
};
const DTLS = { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: Array.from({ length: 32 }, () => 'AB').join(':') }] };

async function outboxDone(action: string, id: string): Promise<void> {
  await until(`${action} for ${id}`, async () => {
    const rows = await server.app.db.sql`SELECT processed_at FROM outbox WHERE action = ${action} AND stream_id = ${id}`;
    return rows.length > 0 && rows.every((r) => r.processed_at !== null);
  });
}

async function newIncident(client: TestClient, description: string): Promise<string> {
  const created = await client.ok({ type: 'incident.create', incidentType: 'theft', priority: 2, location: { lat: 30.26, lon: 120.16 }, description });
  return created.createdId!;
}

beforeAll(async () => {
  server = await startTestServer();
  dispatcher = await TestClient.connect(server.port, server.token('dispatcher.police'));
});

afterAll(async () => {
  await crew?.close();
  await dispatcher?.close();
  await server?.stop();
});

test('creating an incident opens its media room through the outbox', async () => {
  incidentId = await newIncident(dispatcher, 'shoplifter filmed by store camera');
  roomId = `incident:${incidentId}`;
  await outboxDone('media.room.open', incidentId);
  const room = server.app.media.room(roomId);
  expect(room).toBeDefined();
  expect(room!.routerId).toMatch(/^[0-9a-f-]{36}$/);
});

test('the agency\'s dispatcher may view the incident\'s media; another agency and an unassigned crew are refused', async () => {
  const caps = await dispatcher.mediaOk({ action: 'router.capabilities', roomId });
  expect(caps.roomId).toBe(roomId);
  expect(caps.rtpCapabilities.codecs.map((c: { mimeType: string }) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));

  const fire = await TestClient.connect(server.port, server.token('dispatcher.fire'));
  const unassigned = await TestClient.connect(server.port, server.token('p-104'));
  try {
    const fireRefused = await fire.media({ action: 'router.capabilities', roomId });
    expect(fireRefused).toMatchObject({ ok: false, code: 'not_authorized' });
    expect(!fireRefused.ok && fireRefused.message).toContain(`dispatcher.fire (dispatcher) may not view the media of incident ${incidentId}`);
    expect(await fire.media({ action: 'transport.create', roomId, direction: 'recv' })).toMatchObject({ ok: false, code: 'not_authorized' });
    expect(await unassigned.media({ action: 'router.capabilities', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });
    expect(await unassigned.media({ action: 'producers.list', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });
    const publish = await unassigned.media({ action: 'transport.create', roomId, direction: 'send' });
    expect(publish).toMatchObject({ ok: false, code: 'not_authorized' });
    expect(!publish.ok && publish.message).toContain(`unit P-104 is not assigned to incident ${incidentId}`);
    expect(await dispatcher.media({ action: 'router.capabilities', roomId: 'incident:INC-000000-NOPE00' })).toMatchObject({ ok: false, code: 'not_found' });
  } finally {
    await fire.close();
    await unassigned.close();
  }
});

test('the assigned unit\'s body camera publishes for its own unit only, and the dispatcher hears of it', async () => {
  await dispatcher.ok({ type: 'incident.dispatch', incidentId, unitIds: ['P-103'] });
  crew = await TestClient.connect(server.port, server.token('p-103'));
  const viewerSend = await dispatcher.media({ action: 'transport.create', roomId, direction: 'send' });
  expect(viewerSend).toMatchObject({ ok: false, code: 'not_authorized' });
  expect(!viewerSend.ok && viewerSend.message).toContain('only a field unit\'s body camera publishes media');
  expect(await dispatcher.media({ action: 'transport.create.plain', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });

  await crew.mediaOk({ action: 'router.capabilities', roomId });
  const send = await crew.mediaOk({ action: 'transport.create', roomId, direction: 'send' });
  expect(send.iceCandidates.length).toBeGreaterThan(0);
  for (const c of send.iceCandidates) {
    expect(c.ip).toBe('127.0.0.1');
    expect(c.port).toBeGreaterThanOrEqual(server.app.config.MEDIA_RTC_MIN_PORT);
    expect(c.port).toBeLessThanOrEqual(server.app.config.MEDIA_RTC_MAX_PORT);
  }
  expect(send.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
  await crew.mediaOk({ action: 'transport.connect', transportId: send.transportId, dtlsParameters: DTLS });

  const forOther = await crew.media({ action: 'produce', transportId: send.transportId, kind: 'video', rtpParameters: VP8_PARAMETERS, appData: { source: 'bodycam', unitId: 'P-104' } });
  expect(forOther).toMatchObject({ ok: false, code: 'not_authorized' });
  expect(!forOther.ok && forOther.message).toContain('a body camera publishes only for its own unit: p-103 is unit P-103, not P-104');

  const announced = dispatcher.next((f) => f.type === 'media.event' && f.event === 'producer.added');
  const produced = await crew.mediaOk({ action: 'produce', transportId: send.transportId, kind: 'video', rtpParameters: VP8_PARAMETERS, appData: { source: 'bodycam', unitId: 'P-103' } });
  bodycamProducerId = produced.producerId;
  expect(await announced).toEqual({ type: 'media.event', roomId, event: 'producer.added', producerId: bodycamProducerId, unitId: 'P-103', kind: 'video' });
});

test('a viewer consumes the body camera paused, resumes it and picks a layer; nobody else can touch its consumer', async () => {
  const list = await dispatcher.mediaOk({ action: 'producers.list', roomId });
  expect(list.producers).toEqual([{ producerId: bodycamProducerId, kind: 'video', source: 'bodycam', unitId: 'P-103', paused: false }]);
  const caps = await dispatcher.mediaOk({ action: 'router.capabilities', roomId });
  const recv = await dispatcher.mediaOk({ action: 'transport.create', roomId, direction: 'recv' });
  const wrongWay = await dispatcher.media({ action: 'produce', transportId: recv.transportId, kind: 'video', rtpParameters: VP8_PARAMETERS, appData: { source: 'bodycam', unitId: 'P-103' } });
  expect(wrongWay).toMatchObject({ ok: false, code: 'media_rejected' });

  const consumed = await dispatcher.mediaOk({ action: 'consume', transportId: recv.transportId, producerId: bodycamProducerId, rtpCapabilities: caps.rtpCapabilities });
  expect(consumed).toMatchObject({ producerId: bodycamProducerId, kind: 'video', paused: true, producerPaused: false });
  expect(consumed.rtpParameters.codecs[0].mimeType).toBe('video/VP8');
  await dispatcher.mediaOk({ action: 'consumer.resume', consumerId: consumed.consumerId });
  await dispatcher.mediaOk({ action: 'consumer.setPreferredLayers', consumerId: consumed.consumerId, spatialLayer: 0, temporalLayer: 0 });
  await dispatcher.mediaOk({ action: 'consumer.pause', consumerId: consumed.consumerId });
  const noCodec = await dispatcher.media({ action: 'consume', transportId: recv.transportId, producerId: bodycamProducerId, rtpCapabilities: { codecs: [] } });
  expect(noCodec).toMatchObject({ ok: false, code: 'media_rejected' });

  const supervisor = await TestClient.connect(server.port, server.token('supervisor.police'));
  expect(await supervisor.media({ action: 'consumer.resume', consumerId: consumed.consumerId })).toMatchObject({ ok: false, code: 'not_found' });
  expect(await supervisor.media({ action: 'close', id: recv.transportId })).toMatchObject({ ok: false, code: 'not_found' });
  await supervisor.close();
  await dispatcher.mediaOk({ action: 'close', id: consumed.consumerId });
  expect(await dispatcher.media({ action: 'consumer.resume', consumerId: consumed.consumerId })).toMatchObject({ ok: false, code: 'not_found' });
});

test('real RTP from a body camera stand-in crosses the incident room on loopback', async () => {
  const room = server.app.media.room(roomId)!;
  const sink = await RtpSink.open();
  const camera = await room.createPlainTransport({ rtcpMux: true, comedia: true });
  const monitor = await room.createPlainTransport({ rtcpMux: true, comedia: false });
  try {
    const announced = dispatcher.next((f) => f.type === 'media.event' && f.event === 'producer.added' && f.producerId !== bodycamProducerId);
    const producer = await camera.produce({
      kind: 'video', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 100, clockRate: 90000 }], encodings: [{ ssrc: 31337 }] },
      appData: { source: 'bodycam', unitId: 'P-103' },
    });
    expect(await announced).toMatchObject({ producerId: producer.id, unitId: 'P-103', kind: 'video' });
    await monitor.connect({ ip: '127.0.0.1', port: sink.port });
    const consumer = await monitor.consume({ producerId: producer.id, rtpCapabilities: room.rtpCapabilities });

    const sent = await sendRtp(camera.tuple.localPort, { codec: 'vp8', payloadType: 100, ssrc: 31337 }, 100);
    await until('the last packets', () => sink.packets.length >= sent * 0.9, 2000).catch(() => null);

    expect(sink.packets.length).toBeGreaterThan(50);
    expect(sink.packets.length).toBeGreaterThanOrEqual(sent * 0.9);
    const { payloadType } = consumer.rtpParameters.codecs[0]!;
    const { ssrc } = consumer.rtpParameters.encodings![0]!;
    expect(sink.packets.every((p) => p.payloadType === payloadType && p.ssrc === ssrc)).toBe(true);
  } finally {
    camera.close();
    monitor.close();
    sink.close();
  }
});

test('a malformed media request is answered with its request id and changes nothing', async () => {
  dispatcher.sendRaw({ type: 'media.request', requestId: 'bad-1', request: { action: 'transport.create', roomId, direction: 'sideways' } });
  expect(await dispatcher.next((f) => f.type === 'media.error' && f.requestId === 'bad-1')).toMatchObject({ code: 'validation_failed' });
  const noFingerprint = await dispatcher.media({ action: 'transport.connect', transportId: 'x', dtlsParameters: { role: 'client', fingerprints: [] } });
  expect(noFingerprint).toMatchObject({ ok: false, code: 'validation_failed' });
  expect(await dispatcher.media({ action: 'router.capabilities', roomId: 'talkgroup:123' })).toMatchObject({ ok: false, code: 'validation_failed' });
});

test('a closed socket closes its transports, producers and consumers', async () => {
  const slot = () => server.app.media.pool!.live()[0]!;
  const before = slot().transports.size;
  const closed = dispatcher.next((f) => f.type === 'media.event' && f.event === 'producer.closed' && f.producerId === bodycamProducerId);
  await crew.close();
  expect(await closed).toMatchObject({ unitId: 'P-103' });
  await until('the crew transport to close', () => slot().transports.size < before);
  expect(server.app.media.room(roomId)!.producerInfos()).toEqual([]);
});

test('a crew released from the incident leaves its room, and its body camera stops publishing', async () => {
  await dispatcher.ok({ type: 'incident.dispatch', incidentId, unitIds: ['P-105'] });
  const p105 = await TestClient.connect(server.port, server.token('p-105'));
  try {
    await p105.mediaOk({ action: 'router.capabilities', roomId });
    const send = await p105.mediaOk({ action: 'transport.create', roomId, direction: 'send' });
    const { producerId } = await p105.mediaOk({ action: 'produce', transportId: send.transportId, kind: 'video', rtpParameters: VP8_PARAMETERS, appData: { source: 'bodycam', unitId: 'P-105' } });
    const stopped = dispatcher.next((f) => f.type === 'media.event' && f.event === 'producer.closed' && f.producerId === producerId);
    const sentAway = p105.next((f) => f.type === 'media.event' && f.event === 'room.closed');

    await dispatcher.ok({ type: 'incident.unit.release', incidentId, unitId: 'P-105', reason: 'needed elsewhere' });

    expect(await sentAway).toMatchObject({ roomId });
    expect(await stopped).toMatchObject({ unitId: 'P-105' });
    expect(await p105.media({ action: 'transport.create', roomId, direction: 'send' })).toMatchObject({ ok: false, code: 'not_authorized' });
    expect(await p105.media({ action: 'close', id: send.transportId })).toMatchObject({ ok: false, code: 'not_found' });
  } finally {
    await p105.close();
  }
});

test('closing the incident closes its room and tells the viewers', async () => {
  const told = dispatcher.next((f) => f.type === 'media.event' && f.event === 'room.closed' && f.roomId === roomId);
  await dispatcher.ok({ type: 'incident.cancel', incidentId, reason: 'duplicate report' });
  expect(await told).toBeTruthy();
  await outboxDone('media.room.close', incidentId);
  expect(server.app.media.room(roomId)).toBeUndefined();
  const late = await dispatcher.media({ action: 'router.capabilities', roomId });
  expect(late).toMatchObject({ ok: false, code: 'not_found' });
  expect(!late.ok && late.message).toContain('its media room is closed');
});

test('a killed media worker is replaced, the room is rebuilt on a new router and viewers are told to reconnect', async () => {
  const id = await newIncident(dispatcher, 'armed robbery, body cameras on');
  const room2 = `incident:${id}`;
  await dispatcher.mediaOk({ action: 'router.capabilities', roomId: room2 });
  await dispatcher.mediaOk({ action: 'transport.create', roomId: room2, direction: 'recv' });
  const pool = server.app.media.pool!;
  const [victim] = pool.workers;
  const oldRouterId = server.app.media.room(room2)!.routerId;

  const reset = dispatcher.next((f) => f.type === 'media.event' && f.event === 'room.reset' && f.roomId === room2, 15_000);
  process.kill(victim!.pid, 'SIGKILL');
  expect(await reset).toEqual({ type: 'media.event', roomId: room2, event: 'room.reset' });

  expect(pool.workers).toHaveLength(1);
  expect(pool.workers[0]!.pid).not.toBe(victim!.pid);
  expect(server.app.media.room(room2)!.routerId).not.toBe(oldRouterId);
  // The viewer reconnects on the new router.
  const caps = await dispatcher.mediaOk({ action: 'router.capabilities', roomId: room2 });
  expect(caps.rtpCapabilities.codecs.length).toBeGreaterThan(0);
  await dispatcher.mediaOk({ action: 'transport.create', roomId: room2, direction: 'recv' });

  const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  for (const name of ['cpu_ratio', 'routers', 'transports', 'producers', 'consumers', 'recv_bitrate_bps', 'send_bitrate_bps']) {
    expect(metrics).toMatch(new RegExp(`^beacon_media_worker_${name}\\{[^}]*worker="0"[^}]*pid="${pool.workers[0]!.pid}"[^}]*\\} \\d`, 'm'));
  }
  expect(metrics).toMatch(/^beacon_media_worker_deaths_total\{[^}]*\} 1$/m);
  expect(metrics).toMatch(/^beacon_media_workers\{[^}]*\} 1$/m);
  const health = await (await fetch(`http://127.0.0.1:${server.port}/health`)).json();
  expect(health.checks.media).toMatch(/^ok \(1 workers/);
});

test('a restarted server reopens the rooms of every open incident', async () => {
  const config = testConfig();
  const first = await createApp({ config });
  let open: string;
  let closed: string;
  try {
    const actor = first.users.find('dispatcher.police')!;
    const create = (description: string) => first.services.execute(actor, {
      type: 'incident.create', commandId: `restart-${description.replaceAll(' ', '-')}`, incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.16 }, description,
    });
    open = (await create('still open')).createdId!;
    closed = (await create('cancelled soon')).createdId!;
    await first.services.execute(actor, { type: 'incident.cancel', commandId: 'restart-cancel-1', incidentId: closed, reason: 'prank call' });
  } finally {
    await first.stop();
  }
  const second = await createApp({ config });
  try {
    expect(second.media.room(`incident:${open}`)).toBeDefined();
    expect(second.media.room(`incident:${closed}`)).toBeUndefined();
  } finally {
    await second.stop();
    await dropTestState(config);
  }
});
