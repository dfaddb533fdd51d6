/**
 * Every voice of a call is recorded (issue #5 item 6): a real caller (sipp through the server's
 * Kamailio) dials 110 and its phone sends G.711 PCMU mixed with RFC 4733 digit packets; the
 * police call taker answers over the WebSocket and listens to the caller in the call room (a
 * logged live listening); a stand-in for the call taker's microphone, a consulted party's phone
 * leg and a conference mix are in the room too. The call taker hangs up (BYE to the phone):
 * each leg is stored as a WAV (the caller's holds the phone's bytes only, no digit packet), its
 * SHA-256 in the call's events equals the file's, the audit chain verifies, the mix is not
 * recorded (nor the phone's telephone-event: the recorder consumes G.711 only), the playback URL serves the bytes with a Range request and is in the access log, and
 * another agency is refused. A server killed mid-call (SIGKILL) leaves the caller's leg to the
 * next start, which stores it in the call's audit chain. Runs on the configured backend.
 */
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallBoard } from '../../server/calls/queue';
import type { MediaRecording } from '../../state-machines/recordings';
import type { Actor } from '../../server/protocol';
import { TokenIssuer } from '../../server/auth/tokens';
import { probeDurationMs, wavUnfinished } from '../../media/recording-files';
import { recorderCapabilities } from '../../media/Recording';
import { dropTestState, testConfig } from '../support/env';
import { spawnServer, type ServerProcess } from '../support/process';
import { TestClient } from '../support/ws-client';
import { rtpPacket } from '../support/rtp';
import { until } from '../support/until';
import { callerWaitingForBye, runCaller, type CallerScript } from './caller';
import { sipSuite } from './suite';

jest.setTimeout(150_000);

/** The caller's voice bytes (PCMU), and an RFC 4733 event (digit 5, 20 ms): a file with one of the latter's bytes heard the digits. */
const VOICE = 0xff;
const DIGIT_EVENT = Buffer.from([0x05, 0x0a, 0x00, 0xa0]);
const PHONE_SSRC = 0x5ca1ab1e;

/** A phone's RTP socket: PCMU every 20 ms, and every tenth packet an RFC 4733 event on payload type 101 (same SSRC and sequence). */
class TalkingPhone {
  sent = 0;
  private seq = 0;
  private constructor(readonly socket: Socket) {}

  static async open(): Promise<TalkingPhone> {
    const socket = createSocket('udp4');
    socket.on('message', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new TalkingPhone(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  async talk(port: number, packets: number): Promise<void> {
    for (let i = 0; i < packets; i++, this.seq++) {
      const digit = this.seq % 10 === 9;
      const packet = rtpPacket({ payloadType: digit ? 101 : 0, sequenceNumber: this.seq, timestamp: this.seq * 160, ssrc: PHONE_SSRC, marker: this.seq === 0 },
        digit ? DIGIT_EVENT : Buffer.alloc(160, VOICE));
      this.socket.send(packet, port, '127.0.0.1');
      if (!digit) this.sent++;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** The caller that waits for the server's BYE (the call taker hangs up), and writes the answer's RTP port to `portFile`. */
function callerUntilBye(s: CallerScript, portFile?: string): string {
  const tellPort = portFile ? `<nop><action><exec command="echo [$answerport] > ${portFile}"/></action></nop>\n` : '';
  return callerWaitingForBye(s, 120_000, tellPort);
}

const script = (sipPort: number, rtpPort: number): CallerScript => ({
  sipPort, line: '110', user: 'caller.1', password: 'beacon', domain: 'beacon.local', rtpPort, body: 'sdp', ending: 'answer',
});

/** The `data` chunk of a WAV file (chunks walked from the RIFF header). */
function wavData(file: Buffer): { format: number; data: Buffer } {
  expect(file.toString('latin1', 0, 4)).toBe('RIFF');
  let format = -1;
  for (let at = 12; at + 8 <= file.length;) {
    const id = file.toString('latin1', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    if (id === 'fmt ') format = file.readUInt16LE(at + 8);
    if (id === 'data') return { format, data: file.subarray(at + 8, at + 8 + size) };
    at += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The id of caller.1's call once the ACD offers it to `username` (read from the board). */
async function offeredTo(username: string, get: (path: string) => Promise<Response>): Promise<string> {
  return until(`caller.1's call offered to ${username}`, async () => {
    const board = await (await get('/api/v1/calls?agencyId=police')).json() as CallBoard;
    return board.waiting.find((w) => w.callerNumber === 'caller.1' && w.offeredTo === username)?.callId;
  }, 20_000);
}

describe('call-leg recording on a live server', () => {
  const suite = sipSuite();
  const { opened, callView } = suite;

  const http = (method: string, path: string, user: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${suite.server.port}${path}`, { method, headers: { authorization: `Bearer ${suite.server.token(user)}`, ...headers } });

  /** A plain RTP producer in the call room (what a browser microphone or a consulted phone leg is to the recorder), sending `count` packets of `byte`. */
  async function producerInRoom(callId: string, appData: Record<string, unknown>, ssrc: number, byte: number) {
    const room = suite.server.app.media.room(`call:${callId}`)!;
    const transport = await room.createPlainTransport({ comedia: true, rtcpMux: true });
    await transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }], encodings: [{ ssrc }] }, appData });
    const socket = createSocket('udp4');
    opened.push(socket);
    return async (count: number) => {
      for (let i = 0; i < count; i++) {
        socket.send(rtpPacket({ payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc, marker: i === 0 }, Buffer.alloc(160, byte)), transport.tuple.localPort, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
  }

  test('a 110 call answered by the call taker: every leg is stored with its hash in the call\'s audit chain, played back with a Range request and logged; the mix is not recorded; another agency is refused', async () => {
    const phone = await TalkingPhone.open();
    opened.push(phone);
    const s = script(suite.server.app.sip.edge.sipPort, phone.port);
    const run = runCaller(s, 120_000, callerUntilBye(s));

    await suite.taker.ok({ type: 'call.agent.ready' });
    const callId = await offeredTo('calltaker.police', (path) => http('GET', path, 'supervisor.police'));
    await suite.taker.ok({ type: 'call.answer', callId });
    const leg = suite.server.app.sipBridge!.leg(callId)!;
    await until('the answer with the leg\'s port', async () => leg.audio !== null, 10_000);

    // The caller talks; its first packet makes the phone's producer, which the recorder takes at once.
    let talking = true;
    const talk = (async () => { while (talking) await phone.talk(leg.audio!.port, 10); })();
    try {
      await until('the phone producer', async () => leg.audio!.producerId !== null, 10_000);
      await until('the caller\'s leg recording', async () => (await callView(callId)).recordings.some((r) => r.source === 'caller' && r.state === 'recording'), 10_000);
      // The phone's producer carries telephone-event (the phone offered it); what the recorder consumes is G.711 only.
      const room = suite.server.app.media.room(`call:${callId}`)!;
      const producer = room.producer(leg.audio!.producerId!)!;
      const probe = await room.createPlainTransport({ comedia: false, rtcpMux: true });
      const everything = await probe.consume({ producerId: producer.id, rtpCapabilities: { codecs: room.rtpCapabilities.codecs } });
      const recorded = await probe.consume({ producerId: producer.id, rtpCapabilities: recorderCapabilities(room, producer) });
      expect(everything.rtpParameters.codecs.map((c) => c.mimeType)).toEqual(['audio/PCMU', 'audio/telephone-event']);
      expect(recorded.rtpParameters.codecs.map((c) => c.mimeType)).toEqual(['audio/PCMU']);
      probe.close();

      // The call taker listens in the room: the consumer is in the access log before it flows.
      const roomId = `call:${callId}`;
      const caps = await suite.taker.mediaOk({ action: 'router.capabilities', roomId });
      const recv = await suite.taker.mediaOk({ action: 'transport.create', roomId, direction: 'recv' });
      await suite.taker.mediaOk({ action: 'consume', transportId: recv.transportId, producerId: leg.audio!.producerId, rtpCapabilities: caps.rtpCapabilities });

      // The call taker's microphone (its producer named by the server as the browser's is), a consulted party's leg, and a conference mix.
      const agent = await producerInRoom(callId, { source: 'dispatcher', callId, actorId: 'user:calltaker.police', username: 'calltaker.police' }, 0xd15ea5e, 0x7f);
      const party = await producerInRoom(callId, { source: 'phone', party: '13900000001' }, 0xbadcafe, 0x55);
      const mix = await producerInRoom(callId, { source: 'mix' }, 0xfeed, 0x33);
      await until('the agent and party legs recording', async () => {
        const sources = (await callView(callId)).recordings.map((r) => r.source);
        return sources.includes('agent:calltaker.police') && sources.includes('party:13900000001');
      }, 10_000);
      // A leg's recording is announced before ffmpeg starts; the bursts below are short, so they wait
      // until ffmpeg takes all three legs (on a loaded machine it starts after a short burst would be over).
      await until('ffmpeg taking the three legs', async () => suite.server.app.media.recorder!.activeCount >= 3, 15_000);
      await Promise.all([agent(100), party(60), mix(30)]);
    } finally {
      talking = false;
      await talk;
    }

    // The call taker hangs up: the phone gets the BYE, the room closes, each file is finished.
    await suite.taker.ok({ type: 'call.hangup', callId });
    const result = await run;
    expect(result.code).toBe(0);
    const stored = await until('every leg stored', async () => {
      const recs = (await callView(callId)).recordings;
      return recs.length === 3 && recs.every((r) => r.state !== 'recording') ? recs : null;
    }, 30_000);
    expect(stored.map((r) => [r.source, r.state, r.mimeType]).sort()).toEqual([
      ['agent:calltaker.police', 'stored', 'audio/wav'], ['caller', 'stored', 'audio/wav'], ['party:13900000001', 'stored', 'audio/wav'],
    ]);

    const dir = join(suite.server.app.config.DATA_DIR, 'recordings');
    const events = await suite.server.app.db.sql<{ type: string; payload: { recordingId: string; sha256?: string } }[]>`
      SELECT type, payload FROM events WHERE stream_type = 'call' AND stream_id = ${callId} AND type LIKE 'call.recording.%' ORDER BY id`;
    const byByte: Record<string, number> = { caller: VOICE, 'agent:calltaker.police': 0x7f, 'party:13900000001': 0x55 };
    for (const rec of stored) {
      const path = join(dir, rec.file);
      expect(rec.file).toBe(join('calls', callId, `${rec.id}.wav`));
      expect(existsSync(path)).toBe(true);
      const file = readFileSync(path);
      expect(wavUnfinished(path)).toBe(false);
      // The hash the call's audit chain holds is the file's; started came before stored.
      expect(events.filter((e) => e.payload.recordingId === rec.id).map((e) => e.type)).toEqual(['call.recording.started', 'call.recording.stored']);
      expect(events.find((e) => e.type === 'call.recording.stored' && e.payload.recordingId === rec.id)!.payload.sha256).toBe(sha256(file));
      expect(rec).toMatchObject({ sha256: sha256(file), bytes: file.length });
      expect(await probeDurationMs(path)).toBe(rec.durationMs);
      // G.711 μ-law copied as it came (format tag 7), one leg's bytes only: no RFC 4733 event in the caller's.
      const { format, data } = wavData(file);
      expect(format).toBe(7);
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((b) => b === byByte[rec.source])).toBe(true);
      expect(rec.durationMs).toBe(Math.round((data.length / 8000) * 1000));
    }
    const caller = stored.find((r) => r.source === 'caller')!;
    const agentLeg = stored.find((r) => r.source === 'agent:calltaker.police')!;
    // The caller talked over a second or more; the recorder caught all but its first moments.
    expect(caller.durationMs!).toBeGreaterThan(800);
    expect(caller.durationMs!).toBeLessThanOrEqual(phone.sent * 20);
    expect(agentLeg.durationMs!).toBeGreaterThan(1000);
    expect(agentLeg.durationMs!).toBeLessThanOrEqual(2000);
    expect((await (await http('GET', '/api/v1/audit/verify', 'supervisor.police')).json())).toMatchObject({ ok: true });

    // Playback: listed for the call taker, a signed URL, bytes by Range, the whole file by its hash.
    const listed = await (await http('GET', `/api/v1/calls/${callId}/recordings`, 'calltaker.police')).json() as { recordings: MediaRecording[] };
    expect(listed.recordings.map((r) => r.id).sort()).toEqual(stored.map((r) => r.id).sort());
    const grantRes = await http('POST', `/api/v1/calls/${callId}/recordings/${caller.id}/playback`, 'calltaker.police');
    expect(grantRes.status).toBe(200);
    const grant = await grantRes.json() as { url: string; viewId: string };
    const callerFile = readFileSync(join(dir, caller.file));
    const ranged = await fetch(`http://127.0.0.1:${suite.server.port}${grant.url}`, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-type')).toBe('audio/wav');
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-99/${callerFile.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(callerFile.subarray(0, 100))).toBe(true);
    const whole = Buffer.from(await (await fetch(`http://127.0.0.1:${suite.server.port}${grant.url}`)).arrayBuffer());
    expect(sha256(whole)).toBe(caller.sha256);
    // A tampered URL (another call's recording under this signature) is refused.
    expect((await fetch(`http://127.0.0.1:${suite.server.port}${grant.url.replace(caller.id, agentLeg.id)}`)).status).toBe(401);

    // Another agency may neither list nor play the call; the recent calls list it for police only.
    expect((await http('GET', `/api/v1/calls/${callId}/recordings`, 'dispatcher.fire')).status).toBe(403);
    expect((await http('POST', `/api/v1/calls/${callId}/recordings/${caller.id}/playback`, 'dispatcher.fire')).status).toBe(403);
    expect((await http('GET', '/api/v1/calls/recent?agencyId=police', 'dispatcher.fire')).status).toBe(403);
    const recent = await (await http('GET', '/api/v1/calls/recent?agencyId=police', 'calltaker.police')).json() as { calls: { callId: string; recordings: unknown[] }[] };
    expect(recent.calls.find((c) => c.callId === callId)?.recordings).toHaveLength(3);

    // The access log: the live listening in the call room and the playback, for the supervisor; not for the call suite.taker.
    const log = await (await http('GET', `/api/v1/calls/${callId}/media-access`, 'supervisor.police')).json() as {
      views: { callId: string; mode: string; viewerUsername: string; endedAt: string | null; streams: { streamId: string; kind: string }[] }[];
    };
    expect(log.views).toEqual(expect.arrayContaining([
      expect.objectContaining({ callId, mode: 'live', viewerUsername: 'calltaker.police', streams: [expect.objectContaining({ kind: 'audio' })] }),
      expect.objectContaining({ callId, mode: 'recording', viewerUsername: 'calltaker.police', streams: [expect.objectContaining({ streamId: caller.id, kind: 'recording' })] }),
    ]));
    // The call's room closed with the call: the live listening ended.
    await until('the live listening ended', async () => {
      const again = await (await http('GET', `/api/v1/calls/${callId}/media-access`, 'supervisor.police')).json() as typeof log;
      return again.views.find((v) => v.mode === 'live')?.endedAt;
    }, 10_000);
    expect((await http('GET', `/api/v1/calls/${callId}/media-access`, 'calltaker.police')).status).toBe(403);
  });
});

const actor = (username: string, role: Actor['role']): Actor => ({ id: `user:${username}`, username, role, agencyId: 'police', jurisdiction: 'city', unitId: null });

test('a call-leg recording cut off by a server crash is finished and stored in the call\'s audit chain after the restart', async () => {
  // Info logs: the edge's pid is in them (Kamailio runs in its own process group and outlives a SIGKILLed server).
  const config = testConfig('configured', { SIP_ENABLED: 'true', LOG_LEVEL: 'info' });
  const tokens = new TokenIssuer(config.AUTH_SECRET!, 3600, () => new Date());
  const tmp = mkdtempSync(join(tmpdir(), 'beacon-callrec-'));
  const portFile = join(tmp, 'answer-port');
  const phone = await TalkingPhone.open();
  let first: ServerProcess | null = await spawnServer(config);
  let second: ServerProcess | null = null;
  let edgePid: number | null = null;
  let run: Promise<unknown> = Promise.resolve();
  try {
    const port = first.port;
    const edge = await until('the SIP edge and the node registered', async () => {
      const lines = first!.output().split('\n');
      const running = lines.map((l) => { try { return JSON.parse(l) as { msg?: string; pid?: number; sipPort?: number }; } catch { return {}; } })
        .find((l) => l.msg === 'SIP edge running');
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return running && /^beacon_sip_node_registered\S* 1$/m.test(metrics) ? running : null;
    }, 30_000).catch((err) => { process.stderr.write(first!.output().slice(-3000)); throw err; });
    const get = (path: string, username = 'supervisor.police', role: Actor['role'] = 'supervisor') =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${tokens.issue(actor(username, role)).token}` } });
    edgePid = edge.pid!;
    const taker = await TestClient.connect(first.port, tokens.issue(actor('calltaker.police', 'call_taker')).token);
    const s = script(edge.sipPort!, phone.port);
    // sipp ends itself 28 s in (its global timeout): the crash leaves it waiting for a BYE that never comes.
    run = runCaller(s, 30_000, callerUntilBye(s, portFile)).catch(() => undefined);
    await taker.ok({ type: 'call.agent.ready' });
    const callId = await offeredTo('calltaker.police', (path) => get(path));
    const legs = async () => ((await (await get(`/api/v1/calls/${callId}/recordings`)).json()) as { recordings: MediaRecording[] }).recordings;
    await taker.ok({ type: 'call.answer', callId });
    const answerPort = await until('the answer\'s RTP port', () => existsSync(portFile) && Number(readFileSync(portFile, 'utf8').trim()), 15_000);
    await phone.talk(answerPort, 25);
    await until('the caller\'s leg recording', async () => (await legs()).some((r) => r.state === 'recording'), 10_000);
    await phone.talk(answerPort, 100);
    await taker.close();
    await first.kill('SIGKILL');
    first = null;
    process.kill(-edgePid, 'SIGKILL');
    edgePid = null;

    // The next start (no SIP needed) finds the leg its predecessor left open and stores it.
    second = await spawnServer({ ...config, SIP_ENABLED: false });
    const auditor = await TestClient.connect(second.port, tokens.issue({ ...actor('auditor', 'auditor'), agencyId: 'city' }).token);
    try {
      const leg = await until('the orphaned leg stored', async () => {
        const res = await fetch(`http://127.0.0.1:${second!.port}/api/v1/calls/${callId}/recordings`, { headers: { authorization: `Bearer ${tokens.issue({ ...actor('auditor', 'auditor'), agencyId: 'city' }).token}` } });
        return ((await res.json()) as { recordings: MediaRecording[] }).recordings.find((r) => r.state !== 'recording');
      }, 60_000).catch((err) => {
        process.stderr.write(`${second!.output().split('\n').filter((l) => /record|ffmpeg/i.test(l)).join('\n').slice(-3000)}\n`);
        throw err;
      });
      expect(leg).toMatchObject({ source: 'caller', state: 'stored', mimeType: 'audio/wav' });
      const path = join(config.DATA_DIR, 'recordings', leg.file);
      const file = readFileSync(path);
      expect(wavUnfinished(path)).toBe(false);
      expect(leg.sha256).toBe(sha256(file));
      expect(await probeDurationMs(path)).toBe(leg.durationMs);
      // About 2.5 s were spoken, most of them after the recording started; the crash loses none of what reached ffmpeg.
      expect(leg.durationMs!).toBeGreaterThan(1000);
      expect(leg.durationMs!).toBeLessThanOrEqual(2500);
      expect(wavData(file).data.every((b) => b === VOICE)).toBe(true);
      expect(await auditor.query({ type: 'audit.verify' })).toMatchObject({ ok: true });
    } finally {
      await auditor.close();
    }
  } finally {
    phone.close();
    if (first) await first.kill('SIGKILL');
    if (edgePid) process.kill(-edgePid, 'SIGKILL');
    await run;
    await second?.kill('SIGTERM');
    await dropTestState(config);
    rmSync(tmp, { recursive: true, force: true });
  }
});
