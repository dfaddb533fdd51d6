/**
 * The phone side of the SIP bridge tests: running a sipp scenario (bounded in time, on
 * 127.0.0.1), the phone's RTP endpoint (a Node socket sending G.711 and counting what comes
 * back), and a registered phone that answers the server's INVITE (callbacks).
 */
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rtpPacket } from '../support/rtp';
import type { Tone } from '../support/tones';
import { decodeG711 } from '../../media/sip/g711';
import { readRtp } from '../../media/sip/rfc4733';

const HEARD_MAX = 500;

export interface SippRun {
  /** sipp's exit code: 0 when every step of the scenario passed. */
  code: number | null;
  /** The scenario's <log> lines (answered=ip:port, reinvite=sendonly ...). */
  log: string[];
  out: string;
}

/** A phone's audio SDP (G.711 PCMU, optionally PCMA and RFC 4733 events) with its media at 127.0.0.1:`port`. */
export function audioSdp(port: number, opts: { version?: number; pcma?: boolean; telephoneEvent?: boolean; direction?: string } = {}): string {
  const te = opts.telephoneEvent ?? true;
  const pts = ['0', ...(opts.pcma ? ['8'] : []), ...(te ? ['101'] : [])].join(' ');
  return ['v=0', `o=- 1 ${opts.version ?? 1} IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${port} RTP/AVP ${pts}`, 'a=rtpmap:0 PCMU/8000',
    ...(opts.pcma ? ['a=rtpmap:8 PCMA/8000'] : []), ...(te ? ['a=rtpmap:101 telephone-event/8000'] : []), ...(opts.pcma && te ? ['a=fmtp:101 0-16'] : []),
    `a=${opts.direction ?? 'sendrecv'}`].join('\n');
}

/**
 * A sipp <send> answering the last request received with `status`: its Via, From, To (with
 * `toTag` when this response opens the dialog), Call-ID and CSeq, Record-Route when asked,
 * Contact <sip:`contact`@sipp> when given, and an SDP body when given.
 */
export function sippReply(status: string, opts: { toTag?: string; recordRoute?: boolean; contact?: string; sdp?: string } = {}): string {
  return `<send><![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:]${opts.toTag ? `;tag=${opts.toTag}` : ''}
[last_Call-ID:]
[last_CSeq:]
${opts.recordRoute ? '[last_Record-Route:]\n' : ''}${opts.contact ? `Contact: <sip:${opts.contact}@[local_ip]:[local_port]>\n` : ''}${opts.sdp ? `Content-Type: application/sdp\nContent-Length: [len]\n\n${opts.sdp}\n` : 'Content-Length: 0\n\n'}]]></send>`;
}

/** Runs `scenario` once with sipp (`args`: remote host, -s, -p ...) from `localIp`, killed after `timeoutMs`. */
export async function runSippScenario(scenario: string, args: string[], timeoutMs: number, localIp = '127.0.0.1'): Promise<SippRun> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-sipp-'));
  try {
    writeFileSync(join(dir, 'scenario.xml'), scenario);
    const all = [...args, '-sf', join(dir, 'scenario.xml'), '-i', localIp, '-m', '1', '-timeout', String(Math.floor(timeoutMs / 1000) - 2), '-timeout_error',
      '-trace_logs', '-log_file', join(dir, 'run.log'), '-trace_err', '-error_file', join(dir, 'errors.log'), '-nostdin'];
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      execFile('sipp', all, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}${stderr}` }));
    });
    const read = (f: string) => { try { return readFileSync(join(dir, f), 'utf8'); } catch { return ''; } };
    return { code, log: read('run.log').split('\n').filter(Boolean), out: `${out}\n${read('errors.log')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The phone's RTP endpoint: sends G.711 (PCMU, 20 ms) to the server and counts what comes back. */
export class PhoneAudio {
  received = 0;
  /** What the phone heard, decoded (the last HEARD_MAX packets of PCMU or PCMA). */
  readonly heard: Int16Array[] = [];
  /** The SSRC of each packet in `heard` (one stream per consumer sending to the phone). */
  private readonly heardSsrcs: number[] = [];
  private sent = 0;
  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg) => {
      if (msg.length < 12 || msg[0]! >> 6 !== 2 || (msg[1]! >= 192 && msg[1]! <= 223)) return;
      this.received++;
      const rtp = readRtp(msg);
      const codec = rtp?.payloadType === 0 ? 'PCMU' : rtp?.payloadType === 8 ? 'PCMA' : null;
      if (!rtp || !codec) return;
      const samples = new Int16Array(rtp.payload.length);
      decodeG711(codec, rtp.payload, 0, rtp.payload.length, samples, 0);
      this.heard.push(samples);
      this.heardSsrcs.push(rtp.ssrc);
      if (this.heard.length > HEARD_MAX) {
        this.heard.shift();
        this.heardSsrcs.shift();
      }
    });
  }

  /** How many streams (SSRCs) the last `packets` packets heard came in. */
  streams(packets: number): number {
    return new Set(this.heardSsrcs.slice(-packets)).size;
  }

  /** The last `packets` packets heard, as one signal. */
  signal(packets: number): Int16Array {
    const tail = this.heard.slice(-packets);
    const out = new Int16Array(tail.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of tail) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  static async open(): Promise<PhoneAudio> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new PhoneAudio(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** `count` PCMU packets (SSRC `ssrc`; silence, or `tone`) to `port`, one per 20 ms, numbered on from the last call. */
  async send(port: number, count: number, opts: { ssrc?: number; tone?: Tone } = {}): Promise<void> {
    const ssrc = opts.ssrc ?? 0x5ca1ab1e;
    for (let i = 0; i < count; i++, this.sent++) {
      const payload = opts.tone?.frame() ?? Buffer.alloc(160, 0xff);
      this.socket.send(rtpPacket({ payloadType: 0, sequenceNumber: this.sent, timestamp: this.sent * 160, ssrc, marker: this.sent === 0 }, payload), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.socket.close();
  }
}

/** A phone registered from `localIp`:`localPort` (`sippRegister`, ./peers.ts) — or a trunk — that answers the server's INVITE (SDP to `rtpPort`) and waits for the BYE. */
export async function runCallee(localPort: number, rtpPort: number, timeoutMs = 40_000, localIp = '127.0.0.1'): Promise<SippRun> {
  const scenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="callee">
<recv request="INVITE" timeout="${timeoutMs - 10_000}"><action><ereg regexp="m=audio ([0-9]+) RTP/AVP 0" search_in="body" check_it="true" assign_to="mline,offerport"/><log message="offered=[$offerport] [$mline]"/></action></recv>
${sippReply('200 OK', { toTag: '[pid]callee[call_number]', recordRoute: true, contact: 'callee', sdp: audioSdp(rtpPort, { telephoneEvent: false }) })}
<recv request="ACK" timeout="10000"/>
<recv request="BYE" timeout="${timeoutMs - 10_000}"/>
${sippReply('200 OK')}
</scenario>
`;
  return runSippScenario(scenario, ['-p', String(localPort)], timeoutMs, localIp);
}
