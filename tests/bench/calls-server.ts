/**
 * The server under test of the call bench (tests/bench/calls.ts), in its own process so the CPU
 * and memory it reports are the server's alone: a real Beacon (`createApp`) with its Kamailio
 * edge, its mediasoup workers and the configured database, on the demo city plus enough call
 * takers (seed users, signed in over the WebSocket by the bench like any console).
 *
 * The bench talks to it over the IPC channel of `fork()`, only for what a browser would do
 * inside the call room and for counters: `attach` puts a stand-in for the answering call
 * taker's microphone in the call's room (a PlainTransport producer, as tests/sip/bridge.test.ts
 * does; the bench sends its RTP) and says where the phone must send; `probe` reads the legs'
 * counters (the phone's packets seen in the room, mediasoup's producer stats) and the event
 * loop's delay. Nothing here changes how the server handles a call.
 */
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createApp } from '../../server/app';
import { loadDemoCity } from '../../config/seed';
import type { CitySeed } from '../../config/seed/schema';
import { callRoomId } from '../../server/calls/sip-bridge';
import type { SipCall } from '../../media/sip/SipCall';
import type { Config } from '../../config/env';
import { testConfig } from '../support/env';
import { cleanUpServer } from './teardown';

/** Agencies answering the bench's lines, and the line each is called on. */
export const BENCH_LINES: Record<string, string> = { police: '110', fire: '119', ems: '120', city: '12345' };

export type ToServer =
  | { op: 'attach'; callId: string; micSsrc: number }
  | { op: 'probe'; id: number }
  | { op: 'timeline'; id: number }
  | { op: 'stop' };

export interface LegCounters {
  /** RTP packets of the phone that reached the room (the leg's tap consumer). */
  fromPhone: number;
  /** mediasoup's receive stats of the phone's producer (RFC 3550 loss from sequence gaps). */
  producerPackets: number;
  producerLost: number;
  /** Packets mediasoup sent to the phone (consumers on the leg's transport). */
  toPhone: number;
}

export type FromServer =
  | {
    op: 'ready'; port: number; sipPort: number; backend: string; tokens: Record<string, string>; agents: { username: string; agencyId: string }[];
    pids: { server: number; workers: number[]; kamailio: number | null };
    /** What the server made outside its process, for the bench to remove if the server had to be killed. */
    leftovers: Pick<Config, 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'REDIS_URL' | 'REDIS_PREFIX' | 'DATA_DIR'>;
  }
  | { op: 'attached'; callId: string; sipCallId: string; answerPort: number; phonePort: number; micPort: number }
  | { op: 'attach.failed'; callId: string; error: string }
  | { op: 'media.up'; callId: string; at: number }
  | { op: 'ended'; callId: string; fromPhone: number }
  | { op: 'probe'; id: number; at: number; legs: Record<string, LegCounters>; loopDelayMs: { p50: number; p99: number; max: number }; rssBytes: number }
  | { op: 'timeline'; id: number; calls: Record<string, Record<string, number>> }
  | { op: 'failed'; error: string };

const now = () => performance.timeOrigin + performance.now();
/** To the bench, while it is there (a message to a bench that went away is dropped, not thrown). */
const send = (m: FromServer) => {
  if (process.connected) process.send!(m);
};
/** The bench went away: stop as soon as the app exists (a Kamailio started meanwhile must not be left running). */
let orphaned = false;
/** Stops the app and removes its schema, keys and data directory; set once the app exists. */
let shutdown: ((code: number) => Promise<void>) | null = null;

/** The demo city with `perAgency` more call takers for each bench agency (`bench.<agency>.<n>`). */
function benchCity(perAgency: number): CitySeed {
  const city = loadDemoCity();
  const users = Object.keys(BENCH_LINES).flatMap((agencyId) => Array.from({ length: perAgency }, (_, i) => ({
    username: `bench.${agencyId}.${i + 1}`, displayName: `Bench call taker ${agencyId} ${i + 1}`, role: 'call_taker' as const, agencyId, jurisdiction: 'city',
  })));
  return { ...city, users: [...city.users, ...users] };
}

/** Waits for the leg's answer to have opened its media (the 200 OK's port is known then). */
async function answeredLeg(get: () => SipCall | undefined, timeoutMs: number): Promise<SipCall> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const leg = get();
    if (leg?.audio) return leg;
    if (Date.now() > until) throw new Error(leg ? 'the leg was not answered in time' : 'no SIP leg for this call on this node');
    // Not much finer: hundreds of calls waiting for their 200 OK at once poll here, in the server's process.
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const perAgency = Number(process.env.CALLS_BENCH_AGENTS_PER_AGENCY ?? 80);
  const backend = process.env.CALLS_BENCH_BACKEND === 'pglite' ? 'pglite' : 'postgres';
  // Production defaults where the tests change them (workers per core, outbox poll, Kamailio children).
  const config = testConfig(backend, {
    SIP_ENABLED: 'true', SIP_WORKERS: '4', MEDIA_WORKERS: String(os.cpus().length), WORKER_POLL_MS: '250', MEDIA_RECORDING: 'false',
    LOG_LEVEL: process.env.CALLS_BENCH_LOG_LEVEL ?? 'warn',
  });
  process.once('disconnect', () => {
    orphaned = true;
    void shutdown?.(1);
  });
  const app = await createApp({ config, city: benchCity(perAgency) });
  let stopping = false;
  const stop = shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await app.stop().catch(() => undefined);
    await cleanUpServer(config).catch(() => undefined);
    process.exit(code);
  };
  // The bench going away (crash, Ctrl-C) must not leave a server, a Kamailio or workers behind.
  if (orphaned) return stop(1);
  const { port } = await app.start();
  const bridge = app.sipBridge;
  if (!bridge || !(await bridge.whenRegistered(20_000))) throw new Error(`no SIP bridge (edge: ${app.sip.edge.describe()})`);

  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const attached = new Map<string, SipCall>();

  async function attach(callId: string, micSsrc: number): Promise<void> {
    const leg = await answeredLeg(() => bridge!.leg(callId), 15_000);
    const room = app.media.room(callRoomId(callId));
    if (!room) throw new Error('the call has no room');
    const mic = await room.createPlainTransport({ comedia: true, rtcpMux: true });
    await mic.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }], encodings: [{ ssrc: micSsrc }] }, appData: { source: 'dispatcher', callId } });
    attached.set(callId, leg);
    leg.on('media.up', () => send({ op: 'media.up', callId, at: now() }));
    leg.on('ended', () => {
      attached.delete(callId);
      send({ op: 'ended', callId, fromPhone: leg.audio?.packetsFromPhone ?? 0 });
    });
    const body = leg.session.request.body;
    const phonePort = Number(/m=audio (\d+)/.exec(typeof body === 'string' ? body : (body?.body ?? ''))?.[1] ?? 0);
    send({ op: 'attached', callId, sipCallId: leg.sipCallId, answerPort: leg.audio!.port, phonePort, micPort: mic.tuple.localPort });
  }

  async function probe(id: number): Promise<void> {
    const at = now();
    const legs: Record<string, LegCounters> = {};
    await Promise.all([...attached].map(async ([callId, leg]) => {
      const audio = leg.audio;
      if (!audio) return;
      const fromPhone = audio.packetsFromPhone;
      const producer = audio.producerId ? app.media.room(callRoomId(callId))?.producer(audio.producerId) : undefined;
      const [stats, toPhone] = await Promise.all([producer?.getStats().catch(() => []) ?? [], audio.packetsToPhone().catch(() => NaN)]);
      legs[callId] = {
        fromPhone, toPhone,
        producerPackets: stats.reduce((s, x) => s + x.packetCount, 0), producerLost: stats.reduce((s, x) => s + x.packetsLost, 0),
      };
    }));
    const ms = (ns: number) => ns / 1e6;
    send({ op: 'probe', id, at, legs, loopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) }, rssBytes: process.memoryUsage.rss() });
    loopDelay.reset();
  }

  /** When each call's events were committed (first of each type, ms since the epoch), by SIP Call-ID. */
  async function timeline(id: number): Promise<void> {
    const rows = await app.db.sql<{ sip: string | null; type: string; at: number }[]>`
      SELECT view->>'sipCallId' AS sip, type, (extract(epoch FROM occurred_at) * 1000)::float8 AS at FROM events WHERE stream_type = 'call' ORDER BY id`;
    const calls: Record<string, Record<string, number>> = {};
    for (const r of rows) {
      if (!r.sip) continue;
      const c = (calls[r.sip] ??= {});
      c[r.type] ??= r.at;
    }
    send({ op: 'timeline', id, calls });
  }

  process.on('message', (m: ToServer) => {
    if (m.op === 'attach') void attach(m.callId, m.micSsrc).catch((err) => send({ op: 'attach.failed', callId: m.callId, error: err instanceof Error ? err.message : String(err) }));
    else if (m.op === 'probe') void probe(m.id).catch((err) => send({ op: 'failed', error: `probe: ${String(err)}` }));
    else if (m.op === 'timeline') void timeline(m.id).catch((err) => send({ op: 'failed', error: `timeline: ${String(err)}` }));
    else if (m.op === 'stop') void stop(0);
  });

  const agents = app.city.seed.users.filter((u) => u.username.startsWith('bench.')).map((u) => ({ username: u.username, agencyId: u.agencyId! }));
  const tokens = Object.fromEntries(agents.map((a) => [a.username, app.tokens.issue(app.users.find(a.username)!).token]));
  send({
    op: 'ready', port, sipPort: app.sip.edge.sipPort, backend: `${config.DATABASE_URL ? 'PostgreSQL' : 'PGlite'} + ${config.REDIS_URL ? 'Redis' : 'in-process bus'}`,
    leftovers: { DATABASE_URL: config.DATABASE_URL, DATABASE_SCHEMA: config.DATABASE_SCHEMA, REDIS_URL: config.REDIS_URL, REDIS_PREFIX: config.REDIS_PREFIX, DATA_DIR: config.DATA_DIR },
    tokens, agents, pids: { server: process.pid, workers: app.media.pool?.workers.map((w) => w.pid) ?? [], kamailio: app.sip.edge.pid },
  });
}

// Only as the forked server: the bench imports this file for its types and lines.
if (require.main === module) {
  main().catch(async (err) => {
    send({ op: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    if (shutdown) await shutdown(1);
    else setTimeout(() => process.exit(1), 100);
  });
}
