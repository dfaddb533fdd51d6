/**
 * DTMF from a caller (issue #5 item 7), with real peers: sipp dials 110 through the server's
 * Kamailio, the police call taker answers over the WebSocket, and the caller presses keys —
 * by SIP INFO (application/dtmf-relay and application/dtmf) and as RFC 4733 telephone-event
 * RTP through mediasoup (Beacon's worker forwards that codec to the leg's tap). The call keeps
 * exactly the digits pressed, in order and by how they came; the metric and the call's stored
 * events count them; garbage events change nothing and crash nothing. Runs on the configured backend.
 */
import { createSocket, type Socket } from 'node:dgram';
import { rtpPacket } from '../support/rtp';
import { until } from '../support/until';
import { callerScenario, runCaller, type CallerScript } from './caller';
import { sipSuite } from './suite';

const suite = sipSuite();
const { opened, callView, queuedCall } = suite;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The caller's RTP, from the port its SDP names (symmetric RTP) with one SSRC, as a desk phone
 * sends it: G.711 every 20 ms of timestamp, and a key press as telephone-event packets at the
 * tone's start timestamp with a growing duration, the marker on the first, the end packet
 * three times (RFC 4733 §2.5.1), then audio again.
 */
class CallerRtp {
  readonly ssrc = 0x7e1e0001;
  private seq = 0;
  private timestamp = 0;

  private constructor(private readonly socket: Socket, private readonly eventPt: number) {}

  static async open(eventPt: number): Promise<CallerRtp> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new CallerRtp(socket, eventPt);
  }

  get port(): number {
    return this.socket.address().port;
  }

  private async send(to: number, payloadType: number, marker: boolean, timestamp: number, payload: Buffer): Promise<void> {
    const packet = rtpPacket({ payloadType, marker, sequenceNumber: this.seq++, timestamp, ssrc: this.ssrc }, payload);
    await new Promise<void>((resolve, reject) => this.socket.send(packet, to, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    await pause(5);
  }

  async audio(to: number, count: number): Promise<void> {
    for (let i = 0; i < count; i++, this.timestamp += 160) await this.send(to, 0, false, this.timestamp, Buffer.alloc(160, 0xff));
  }

  /** One key: event code `event`, `units` of 8 kHz timestamp long (800 = 100 ms). */
  async press(to: number, event: number, units = 800): Promise<void> {
    const start = this.timestamp;
    const te = (end: boolean, d: number) => Buffer.from([event, (end ? 0x80 : 0) | 10, d >> 8, d & 0xff]);
    for (let d = 0; d < units; d += 160) await this.send(to, this.eventPt, d === 0, start, te(false, d));
    for (let i = 0; i < 3; i++) await this.send(to, this.eventPt, false, start, te(true, units));
    this.timestamp = start + units;
    await this.audio(to, 3);
  }

  /** A telephone-event packet with any payload at a timestamp of its own (garbage, other events). */
  async rawEvent(to: number, payload: Buffer): Promise<void> {
    await this.send(to, this.eventPt, true, this.timestamp, payload);
    this.timestamp += 800;
    await this.audio(to, 2);
  }

  close(): void {
    this.socket.close();
  }
}

/** SIP INFO digits the caller sends right after its ACK, in the dialog, CSeq 3 onwards. */
interface InfoDigit { contentType: 'application/dtmf-relay' | 'application/dtmf'; body: string }

function infoStep(s: CallerScript, cseq: number, d: InfoDigit): string {
  return `<send><![CDATA[
INFO [next_url] SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:${s.user}@${s.domain}>;tag=[pid]tag[call_number]
To:[$remoteto]
Call-ID: [call_id]
CSeq: ${cseq} INFO
[routes]
Max-Forwards: 70
Content-Type: ${d.contentType}
Content-Length: [len]

${d.body}
]]></send>
<recv response="200" timeout="10000"/>`;
}

/**
 * The caller of caller.ts answered, then its INFO digits, then it waits for the server's hold
 * re-INVITE (the test's signal that it is done) and hangs up; `eventPt` is the payload type its
 * SDP gives telephone-event.
 */
function dtmfScenario(s: CallerScript, infos: InfoDigit[], eventPt: number): string {
  const base = callerScenario({ ...s, ending: 'answer', reinvites: 1, talkMs: 200 });
  const ackAt = base.indexOf(']]></send>', base.indexOf('CSeq: 2 ACK')) + ']]></send>'.length;
  const withInfo = `${base.slice(0, ackAt)}\n${infos.map((d, i) => infoStep(s, 3 + i, d)).join('\n')}${base.slice(ackAt)}`;
  return withInfo.replace('CSeq: 3 BYE', `CSeq: ${3 + infos.length} BYE`).replace(/\b101\b/g, String(eventPt));
}

const script = (rtpPort: number, user: string): CallerScript => ({
  sipPort: suite.server.app.sip.edge.sipPort, line: '110', user, password: 'beacon', domain: 'beacon.local', rtpPort, body: 'sdp', ending: 'answer',
});
const storedDigits = async (callId: string) => (await suite.server.app.db.sql<{ payload: { digit?: string; via?: string } }[]>`
  SELECT payload FROM events WHERE stream_type = 'call' AND stream_id = ${callId} AND type = 'call.dtmf.received' ORDER BY stream_version`)
  .map((r) => r.payload);
const dtmfMetric = async (via: string) => {
  const text = await (await fetch(`http://127.0.0.1:${suite.server.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('beacon_sip_dtmf_digits{') && l.includes(`via="${via}"`));
  return line ? Number(line.split(' ').at(-1)) : NaN;
};

/** Answers the caller's call and waits until the phone's audio is in the room (its producer and tap see RTP). */
async function answerAndTalk(callerNumber: string, phone: CallerRtp) {
  const callId = await queuedCall(callerNumber);
  await suite.taker.ok({ type: 'call.agent.ready' }).catch(() => undefined); // already ready after the last call
  await until('the call offered to the call taker', async () => (await callView(callId)).offer?.username === 'calltaker.police', 10_000);
  await suite.taker.ok({ type: 'call.answer', callId });
  await until('the leg answered with its port', async () => suite.server.app.sipBridge!.leg(callId)?.audio != null, 10_000);
  const leg = suite.server.app.sipBridge!.leg(callId)!;
  const port = leg.audio!.port;
  // The first packets are caught by the latch; the producer exists once the transport took the port over.
  await until('the phone producer and its tap', async () => {
    await phone.audio(port, 2);
    return leg.audio!.packetsFromPhone > 0;
  }, 10_000);
  return { callId, leg, port };
}

test('a caller presses keys by SIP INFO and by RFC 4733 in the RTP: the call keeps exactly those digits in order with how they came, the metric and the stored events count them, and garbage events are ignored', async () => {
  const phone = await CallerRtp.open(101);
  opened.push(phone);
  const infos: InfoDigit[] = [
    { contentType: 'application/dtmf-relay', body: 'Signal=4\nDuration=250' },
    { contentType: 'application/dtmf', body: '2' },
    { contentType: 'application/dtmf-relay', body: 'Signal=#\nDuration=160' },
  ];
  const s = script(phone.port, 'caller.1');
  const run = runCaller(s, 90_000, dtmfScenario(s, infos, 101));
  const { callId, leg, port } = await answerAndTalk('caller.1', phone);

  await until('the INFO digits on the call', async () => (await callView(callId)).digits.length >= 3, 10_000);
  expect((await callView(callId)).digits.map((d) => [d.digit, d.via, d.durationMs])).toEqual([['4', 'info', 250], ['2', 'info', null], ['#', 'info', 160]]);

  // 9 1 1, then garbage (a 2-byte payload), flash (event 16) and an out-of-range event 200, then * 0 A D.
  for (const key of [9, 1, 1]) await phone.press(port, key, 800);
  await phone.rawEvent(port, Buffer.from([0x05, 0x8a]));
  await phone.rawEvent(port, Buffer.from([16, 0x8a, 0x03, 0x20]));
  await phone.rawEvent(port, Buffer.from([200, 0x8a, 0x03, 0x20]));
  for (const key of [10, 0, 12, 15]) await phone.press(port, key, 1200);
  await until('the RTP digits on the call', async () => (await callView(callId)).digits.length >= 10, 10_000);

  const call = await callView(callId);
  expect(call.digits.map((d) => d.digit).join('')).toBe('42#911*0AD');
  expect(call.digits.slice(3).every((d) => d.via === 'rfc4733')).toBe(true);
  expect(call.digits.slice(3).map((d) => d.durationMs)).toEqual([100, 100, 100, 150, 150, 150, 150]);
  // Each key's end packet came three times: reported once; the garbage and the other events told nothing.
  expect(leg.audio!.telephoneEventsIgnored).toMatchObject({ malformed: 1, 'not-a-digit': 2, repeat: 14 });
  expect((await storedDigits(callId)).map((p) => `${p.digit}:${p.via}`)).toEqual(call.digits.map((d) => `${d.digit}:${d.via}`));
  expect(await dtmfMetric('info')).toBe(3);
  expect(await dtmfMetric('rfc4733')).toBe(7);
  expect(suite.server.app.sipBridge!.registered).toBe(true);

  // Done: hold (the caller's cue to hang up).
  await suite.taker.ok({ type: 'call.hold', callId });
  const result = await run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  await until('the call ended by the caller', async () => (await callView(callId)).state === 'ended', 10_000);
  expect((await callView(callId)).digits).toHaveLength(10);
}, 120_000);

test("a phone that gives telephone-event another payload type (96) is answered with it, and its keys still reach the call (mediasoup maps it to the room's 101)", async () => {
  const phone = await CallerRtp.open(96);
  opened.push(phone);
  const s = script(phone.port, 'caller.2');
  const run = runCaller(s, 90_000, dtmfScenario(s, [], 96));
  const { callId, leg, port } = await answerAndTalk('caller.2', phone);
  const producer = suite.server.app.media.room(`call:${callId}`)!.producer(leg.audio!.producerId!)!;
  expect(producer.rtpParameters.codecs.map((c) => `${c.mimeType}/${c.payloadType}`)).toEqual(['audio/PCMU/0', 'audio/telephone-event/96']);
  // Beacon's worker patch at work: a consumer that negotiated telephone-event forwards it (upstream lists media codecs only).
  const room = suite.server.app.media.room(`call:${callId}`)!;
  const probe = await room.createPlainTransport({ comedia: true, rtcpMux: true });
  const consumer = await probe.consume({ producerId: producer.id, rtpCapabilities: { codecs: room.rtpCapabilities.codecs!.filter((c) => c.kind === 'audio') } });
  expect(consumer.rtpParameters.codecs.map((c) => `${c.mimeType}/${c.payloadType}`)).toEqual(['audio/PCMU/0', 'audio/telephone-event/101']);
  expect(((await consumer.dump()) as unknown as { supportedCodecPayloadTypes: number[] }).supportedCodecPayloadTypes).toEqual([0, 101]);
  probe.close();
  for (const key of [1, 2, 3]) await phone.press(port, key, 800);
  await until('the digits on the call', async () => (await callView(callId)).digits.length >= 3, 10_000);
  expect((await callView(callId)).digits.map((d) => `${d.digit}:${d.via}`)).toEqual(['1:rfc4733', '2:rfc4733', '3:rfc4733']);
  await suite.taker.ok({ type: 'call.hold', callId });
  const result = await run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  expect(await dtmfMetric('rfc4733')).toBe(10);
}, 120_000);
