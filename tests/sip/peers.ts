/**
 * Real SIP peers for the edge tests: sipp (Debian's sip-tester) running the scenarios beside
 * this file, raw UDP datagrams for malformed input, and a minimal WebSocket SIP client that
 * registers like the server's own user agents will. Everything talks to 127.0.0.0/8 and is
 * bounded in time.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort } from '../../media/sip/free-port';

const SCENARIOS = __dirname;

function runSipp(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    execFile('sipp', [...args, '-nostdin'], { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}${stderr}` });
    });
  });
}

export interface RegisterAttempt {
  port: number;
  domain: string;
  /** AoR user (To/From). */
  user: string;
  /** Digest user name; default `user`. */
  authUser?: string;
  password: string;
  transport?: 'udp' | 'tcp';
  /** Local address to send from (the flood test uses another loopback address). Default 127.0.0.1. */
  localIp?: string;
  /** Local port to send from (a registered phone later answers there); default a free one. */
  localPort?: number;
}

/** One sipp REGISTER with digest; resolves with the final status (200, 401, 403) or null (no answer). */
export async function sippRegister(a: RegisterAttempt): Promise<number | null> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-sipp-'));
  const localIp = a.localIp ?? '127.0.0.1';
  try {
    const localPort = a.localPort ?? (await freePort(localIp, { udp: true }));
    await runSipp([
      `127.0.0.1:${a.port}`, '-sf', join(SCENARIOS, 'register.xml'), '-s', a.user, '-au', a.authUser ?? a.user, '-ap', a.password,
      '-key', 'domain', a.domain, '-t', a.transport === 'tcp' ? 't1' : 'u1', '-i', localIp, '-p', String(localPort),
      '-m', '1', '-timeout', '6', '-timeout_error', '-trace_logs', '-log_file', join(dir, 'outcome.log'),
    ], 15_000);
    let log = '';
    try {
      log = readFileSync(join(dir, 'outcome.log'), 'utf8');
    } catch {
      return null;
    }
    const m = /outcome=(\d{3})/.exec(log);
    return m ? Number(m[1]) : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fires `count` OPTIONS at `rate`/s from `localIp` without waiting for answers. */
export async function sippFlood(port: number, localIp: string, count: number, rate: number): Promise<void> {
  const localPort = await freePort(localIp, { udp: true });
  await runSipp([
    `127.0.0.1:${port}`, '-sf', join(SCENARIOS, 'options-flood.xml'), '-i', localIp, '-p', String(localPort),
    '-r', String(rate), '-l', String(count), '-m', String(count), '-timeout', '20', '-timeout_error',
  ], 30_000);
}

/** Sends one datagram from `localIp` and collects what comes back within `waitMs` (status lines). */
export function sendDatagram(port: number, payload: Buffer | string, opts: { localIp?: string; waitMs?: number } = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const replies: string[] = [];
    socket.on('error', reject);
    socket.on('message', (m) => replies.push(m.toString('latin1').split('\r\n')[0]!));
    socket.bind(0, opts.localIp ?? '127.0.0.1', () => {
      socket.send(payload, port, '127.0.0.1');
      setTimeout(() => { socket.close(); resolve(replies); }, opts.waitMs ?? 700);
    });
  });
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/**
 * Registers over the edge's internal WebSocket port as the server's sip.js user agents will:
 * REGISTER, answer the digest challenge, resolve with the final status (or null on no answer).
 */
export function wsRegister(wsPort: number, opts: { aor: string; authUser: string; password: string; domain: string }): Promise<number | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${wsPort}`, 'sip');
    const callId = randomBytes(8).toString('hex');
    const tag = randomBytes(4).toString('hex');
    const contact = `<sip:${randomBytes(4).toString('hex')}@${randomBytes(4).toString('hex')}.invalid;transport=ws>`;
    const timer = setTimeout(() => finish(null), 5000);
    let cseq = 0;
    function finish(status: number | null) {
      clearTimeout(timer);
      ws.terminate();
      resolve(status);
    }
    function send(authorization?: string) {
      cseq++;
      ws.send([
        `REGISTER sip:${opts.domain} SIP/2.0`,
        `Via: SIP/2.0/WS ${randomBytes(4).toString('hex')}.invalid;branch=z9hG4bK${randomBytes(8).toString('hex')}`,
        'Max-Forwards: 70',
        `From: <sip:${opts.aor}@${opts.domain}>;tag=${tag}`,
        `To: <sip:${opts.aor}@${opts.domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: ${contact};expires=120`,
        ...(authorization ? [`Authorization: ${authorization}`] : []),
        'Content-Length: 0', '', '',
      ].join('\r\n'));
    }
    ws.on('open', () => send());
    ws.on('error', () => finish(null));
    ws.on('message', (data) => {
      const text = data.toString();
      const status = Number(/^SIP\/2\.0 (\d{3})/.exec(text)?.[1]);
      const challenge = /WWW-Authenticate: Digest (.*)/i.exec(text)?.[1];
      if (status === 401 && challenge && cseq === 1) {
        const realm = /realm="([^"]+)"/.exec(challenge)![1]!;
        const nonce = /nonce="([^"]+)"/.exec(challenge)![1]!;
        const uri = `sip:${opts.domain}`;
        const response = md5(`${md5(`${opts.authUser}:${realm}:${opts.password}`)}:${nonce}:${md5(`REGISTER:${uri}`)}`);
        send(`Digest username="${opts.authUser}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5`);
      } else if (status >= 200) {
        finish(status);
      }
    });
  });
}
