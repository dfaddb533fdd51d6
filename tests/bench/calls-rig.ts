/**
 * The call bench's side of one server: the server process (./calls-server.ts, forked, its log
 * in a temporary file), the answering desk, the RTP phones and microphones, and what is known
 * of every call the desk answered (joined to sipp's view by Call-ID). Everything it starts it
 * stops in `close()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Config } from '../../config/env';
import { cleanUpServer } from './teardown';
import type { FromServer, LegCounters, ToServer } from './calls-server';
import { AnsweringDesk } from './calls-desk';
import { BenchPhone, CallAudioRig, type Received } from './calls-phones';

/** One answered call as the bench followed it. */
export interface BenchCall {
  callId: string;
  sipCallId: string;
  phone: BenchPhone | null;
  /** When the desk saw the ACD's offer, and when the call taker's answer was acknowledged. */
  offeredSeenAt: number;
  answeredAckAt: number;
  /** The server saw the phone's first packet in the room; the phone heard the room's first. */
  roomHeardAt: number | null;
  phoneHeardAt: number | null;
  ended: boolean;
  /** At the end of the call: the phone's packets seen in the room, sent by the phone, and what it received. */
  fromPhone: number;
  phoneSent: number;
  phoneReceived: Received;
  micSent: number;
  /** The SSRC the call taker's microphone producer was made for. */
  micSsrc: number;
  /** The worker's ports of this call: the leg's transport (facing the phone) and the microphone's. */
  serverPorts: number[];
  failure: string | null;
}

export interface ServerProbe { at: number; legs: Record<string, LegCounters>; loopDelayMs: { p50: number; p99: number; max: number }; rssBytes: number }

type Ready = Extract<FromServer, { op: 'ready' }>;

export class CallBenchRig {
  readonly calls = new Map<string, BenchCall>();
  readonly refusals: string[] = [];
  desk: AnsweringDesk | null = null;
  audio: CallAudioRig | null = null;
  private readonly byPort = new Map<number, BenchPhone>();
  private readonly probes = new Map<number, (p: ServerProbe) => void>();
  private readonly timelines = new Map<number, (t: Record<string, Record<string, number>>) => void>();
  private probeId = 0;

  private constructor(private readonly child: ChildProcess, readonly ready: Ready, private readonly logDir: string) {
    child.on('message', (m: FromServer) => this.onMessage(m));
  }

  /** Forks the server and waits until its SIP bridge is registered with its edge. */
  static async start(env: Record<string, string>, timeoutMs = 120_000): Promise<CallBenchRig> {
    const logDir = mkdtempSync(join(tmpdir(), 'beacon-calls-server-'));
    // CALLS_BENCH_CPU_PROF=<dir>: the server writes a V8 CPU profile there when it stops (where its time goes).
    const profile = process.env.CALLS_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CALLS_BENCH_CPU_PROF}`] : [];
    const child = fork(join(__dirname, 'calls-server.ts'), [], {
      // The young generation the start scripts give the server (start.sh, Dockerfile).
      env: { ...process.env, ...env }, execArgv: [...process.execArgv, '--max-semi-space-size=64', ...profile], stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const log = createWriteStream(join(logDir, 'server.log'));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    try {
      const ready = await new Promise<Ready>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the bench server did not start within ${timeoutMs} ms`)), timeoutMs);
        child.on('message', (m: FromServer) => {
          if (m.op === 'ready') { clearTimeout(timer); resolve(m); }
          if (m.op === 'failed') { clearTimeout(timer); reject(new Error(`the bench server failed: ${m.error}`)); }
        });
        child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the bench server exited (${code}) before it was ready`)); });
      });
      return new CallBenchRig(child, ready, logDir);
    } catch (err) {
      child.kill('SIGKILL');
      rmSync(logDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Signs the call takers in and opens `phones` RTP phones. */
  async open(phones: number): Promise<void> {
    this.audio = await CallAudioRig.open(phones);
    for (const p of this.audio.phones) this.byPort.set(p.port, p);
    this.desk = await AnsweringDesk.open(this.ready.port, this.ready.agents, this.ready.tokens, {
      answered: (c) => {
        const micSsrc = randomInt(1, 0xffffffff);
        this.calls.set(c.callId, {
          callId: c.callId, sipCallId: c.sipCallId ?? '', phone: null, offeredSeenAt: c.offeredSeenAt, answeredAckAt: c.answeredAckAt!, roomHeardAt: null, phoneHeardAt: null,
          ended: false, fromPhone: 0, phoneSent: 0, phoneReceived: { packets: 0, expected: 0 }, micSent: 0, micSsrc, serverPorts: [], failure: null,
        });
        this.send({ op: 'attach', callId: c.callId, micSsrc });
      },
      refused: (_callId, reason) => void this.refusals.push(reason),
    });
  }

  private send(m: ToServer): void {
    if (this.child.connected) this.child.send(m);
  }

  private onMessage(m: FromServer): void {
    const call = 'callId' in m ? this.calls.get(m.callId) : undefined;
    switch (m.op) {
      case 'attached': {
        if (!call) return;
        call.sipCallId = m.sipCallId;
        call.phone = this.byPort.get(m.phonePort) ?? null;
        if (!call.phone) { call.failure = `no bench phone on port ${m.phonePort}`; return; }
        call.phone.start(m.answerPort, this.audio!.phoneLag);
        call.serverPorts = [m.answerPort, m.micPort];
        this.audio!.startMic(call.callId, m.micPort, call.micSsrc);
        return;
      }
      case 'attach.failed':
        if (call) call.failure = m.error;
        return;
      case 'media.up':
        if (call) call.roomHeardAt = m.at;
        return;
      case 'ended':
        if (!call) return;
        call.ended = true;
        call.fromPhone = m.fromPhone;
        call.phoneSent = call.phone?.sent ?? 0;
        call.phoneReceived = call.phone?.received() ?? { packets: 0, expected: 0 };
        call.phoneHeardAt = call.phone?.firstHeardAt ?? null;
        call.phone?.stop();
        call.micSent = this.audio!.stopMic(call.callId);
        return;
      case 'probe':
        this.probes.get(m.id)?.(m);
        this.probes.delete(m.id);
        return;
      case 'timeline':
        this.timelines.get(m.id)?.(m.calls);
        this.timelines.delete(m.id);
        return;
      case 'ready':
      case 'failed':
        return;
    }
  }

  /** The server's counters of every live leg, and its event loop's delay since the last probe. */
  probe(timeoutMs = 15_000): Promise<ServerProbe> {
    const id = ++this.probeId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.probes.delete(id); reject(new Error('the server did not answer a probe')); }, timeoutMs);
      this.probes.set(id, (p) => { clearTimeout(timer); resolve(p); });
      this.send({ op: 'probe', id });
    });
  }

  /** When the server committed each call's events, by SIP Call-ID and event type. */
  timeline(timeoutMs = 30_000): Promise<Record<string, Record<string, number>>> {
    const id = ++this.probeId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.timelines.delete(id); reject(new Error('the server did not send its timeline')); }, timeoutMs);
      this.timelines.set(id, (t) => { clearTimeout(timer); resolve(t); });
      this.send({ op: 'timeline', id });
    });
  }

  /** Calls answered and not ended. */
  live(): BenchCall[] {
    return [...this.calls.values()].filter((c) => !c.ended);
  }

  /** Warnings and errors the server logged (pino levels 40 and 50+), with their most frequent messages. */
  logSummary(): { warnings: number; errors: number; top: string[] } {
    let text = '';
    try { text = readFileSync(join(this.logDir, 'server.log'), 'utf8'); } catch { /* no log yet */ }
    const counts = new Map<string, number>();
    let warnings = 0;
    let errors = 0;
    for (const line of text.split('\n')) {
      const m = /"level":(\d+).*?"msg":"([^"]*)"/.exec(line);
      if (!m || Number(m[1]) < 40) continue;
      if (Number(m[1]) >= 50) errors++; else warnings++;
      const cause = /"err":\{[^}]*?"message":"([^"]{0,100})/.exec(line)?.[1];
      const key = cause ? `${m[2]!}: ${cause}` : m[2]!;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([msg, n]) => `${n} x "${msg}"`);
    return { warnings, errors, top };
  }

  /** Stops the server (it removes its schema, keys and data directory) and everything opened here. */
  async close(): Promise<void> {
    this.desk?.close();
    this.audio?.close();
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once('exit', () => resolve());
    });
    this.send({ op: 'stop' });
    let killed = false;
    const kill = setTimeout(() => { killed = true; this.child.kill('SIGKILL'); }, 30_000);
    await exited;
    clearTimeout(kill);
    if (killed) {
      // Kamailio runs in its own process group and outlives a killed server; so do the schema and keys.
      const edge = this.ready.pids.kamailio;
      if (edge) try { process.kill(-edge, 'SIGKILL'); } catch { /* already gone */ }
      await cleanUpServer(this.ready.leftovers as Config).catch(() => undefined);
    }
    // CALLS_BENCH_KEEP_LOG=1 keeps the server's log (its directory is printed) for a closer look.
    if (process.env.CALLS_BENCH_KEEP_LOG) process.stderr.write(`calls bench: server log kept in ${this.logDir}\n`);
    else rmSync(this.logDir, { recursive: true, force: true });
  }
}
