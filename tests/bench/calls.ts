/**
 * Phone calls end to end, on loopback: sipp callers (./calls-sipp.ts, one per line and source
 * address) → Kamailio → the server's sip.js user agent → the ACD → a call taker who answers over
 * the WebSocket (./calls-desk.ts) → 200 OK with a mediasoup PlainTransport → RTP both ways
 * (./calls-phones.ts: a phone per call, a microphone stand-in per call taker) → BYE. The server
 * runs in its own process (./calls-server.ts) so its CPU is its own.
 *
 * 1. Setups per second: the rates of CALLS_BENCH_RATES in turn (default "50,75,100" calls/s),
 *    each for CALLS_BENCH_SETUP_S (15) s with every call held CALLS_BENCH_HOLD_S (3) s, until one
 *    is not clean (a failed call, a call without audio both ways, or calls answered slower than they came); when the first rate is not clean, the CALLS_BENCH_FALLBACK_RATES (40,30,20) in turn, until one is, show what holds.
 * 2. Concurrent bridged calls: CALLS_BENCH_CONCURRENT (240) calls set up at CALLS_BENCH_RAMP
 *    (10) calls/s, then one CALLS_BENCH_WINDOW_S (20) s window with every call talking both ways.
 * On PostgreSQL + Redis (the production backends) unless CALLS_BENCH_BACKEND=pglite.
 * `npm run bench -- calls` runs it alone. It stops by itself and leaves nothing behind.
 */
import { BENCH_LINES } from './calls-server';
import { CallBenchRig } from './calls-rig';
import { startCallers, type CallerGroup, type SippGroupResult } from './calls-sipp';
import { ProcessWatch, udpDrops, type CpuWindow } from './calls-procs';
import { cleanSetup, mergedErrors, setupRow, windowRow, type ConcurrentRow, type ConcurrentWindow, type SetupRow, type Side } from './calls-summary';
import { sleep } from './stats';

/** Issue #5's goals on this machine. */
export const CALLS_GOAL = { setupsPerSec: 50, concurrent: 200, failedCalls: 0 } as const;
const SETTLE_MS = 3000;

export interface CallsBenchResult {
  backend: string;
  agents: number;
  phones: number;
  mediaWorkers: number;
  holdSec: number;
  setupSec: number;
  setup: SetupRow[];
  concurrent: ConcurrentRow | null;
  serverLog: { warnings: number; errors: number; top: string[] };
  loadAvgBefore: string;
  /** The CALLS_BENCH_* settings given instead of the defaults (an exploratory run), as NAME=value. */
  overrides: string[];
}

export interface CallsSettings {
  rates: number[];
  /** Lower rates tried in turn, when the first rate is not clean, until one is. */
  fallbackRates: number[];
  setupSec: number;
  holdSec: number;
  concurrent: number;
  rampPerSec: number;
  windowSec: number;
}

function settings(): CallsSettings {
  const env = process.env;
  const s = {
    rates: (env.CALLS_BENCH_RATES ?? '50,75,100').split(',').map(Number), fallbackRates: (env.CALLS_BENCH_FALLBACK_RATES ?? '40,30,20').split(',').map(Number),
    setupSec: Number(env.CALLS_BENCH_SETUP_S ?? 15), holdSec: Number(env.CALLS_BENCH_HOLD_S ?? 3),
    concurrent: Number(env.CALLS_BENCH_CONCURRENT ?? 240), rampPerSec: Number(env.CALLS_BENCH_RAMP ?? 10), windowSec: Number(env.CALLS_BENCH_WINDOW_S ?? 20),
  };
  if ([...s.rates, ...s.fallbackRates, s.setupSec, s.holdSec, s.concurrent, s.rampPerSec, s.windowSec].some((x) => !(x > 0))) {
    throw new Error('CALLS_BENCH_* must be positive numbers (CALLS_BENCH_RATES and CALLS_BENCH_FALLBACK_RATES like "50,75")');
  }
  return s;
}

const LINES = Object.entries(BENCH_LINES);

/** One caller group per line, from 127.0.1.<n>, each with its share of the rate and of the phones. */
function groups(rig: CallBenchRig, perSec: number, calls: number, holdMs: number): CallerGroup[] {
  const phones = rig.audio!.phones;
  const perLine = Math.floor(phones.length / LINES.length);
  return LINES.map(([, line], i) => ({
    line, user: `caller.${(i % 3) + 1}`, password: process.env.DEMO_PASSWORD ?? 'beacon', domain: 'beacon.local', sourceIp: `127.0.1.${i + 1}`,
    rate: perSec / LINES.length, calls: Math.round(calls / LINES.length), holdMs, phonePorts: phones.slice(i * perLine, (i + 1) * perLine).map((p) => p.port),
  }));
}

/** Runs sipp groups to their end with a progress line every 5 s; CPU is watched meanwhile. */
async function callAll(rig: CallBenchRig, watch: ProcessWatch, g: CallerGroup[], boundMs: number, label: string, progress: (l: string) => void, during?: () => Promise<void>): Promise<{ sipp: SippGroupResult[]; cpu: CpuWindow }> {
  const callers = await startCallers(rig.ready.sipPort, g, boundMs);
  watch.start();
  const ticker = setInterval(() => progress(`calls: ${label}: ${rig.calls.size} answered so far, ${rig.live().length} up, ${rig.refusals.length} answers refused`), 5000);
  try {
    await during?.();
    const sipp = await callers.done;
    return { sipp, cpu: watch.stop() };
  } finally {
    clearInterval(ticker);
    callers.kill();
  }
}

/** Both ends' counters at one moment of the window. */
async function side(rig: CallBenchRig): Promise<Side> {
  const server = await rig.probe();
  const live = rig.live();
  const audio = rig.audio!;
  return {
    server, calls: live.map((c) => ({ c, sent: c.phone?.sent ?? 0, rx: c.phone?.received(), mic: audio.micSent(c.callId) })),
    dropped: {
      atWorkers: udpDrops(live.flatMap((c) => c.serverPorts)), atPhones: udpDrops([...audio.phones.map((p) => p.port), audio.micPort]),
      skippedByPhones: audio.phoneLag.skipped, skippedByMics: audio.micLag.skipped,
    },
  };
}

/** Waits until no answered call is still up (the BYEs went through), at most `ms`. */
async function drained(rig: CallBenchRig, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (rig.live().length > 0 && Date.now() < until) await sleep(200);
}

async function setupPhase(rig: CallBenchRig, watch: ProcessWatch, s: CallsSettings, rate: number, progress: (l: string) => void): Promise<SetupRow> {
  const calls = Math.round(rate * s.setupSec);
  progress(`calls: ${rate} setups/s for ${s.setupSec} s (${calls} calls, each held ${s.holdSec} s)`);
  rig.calls.clear();
  rig.refusals.length = 0;
  await rig.probe(); // resets the server's event-loop histogram
  const { sipp, cpu } = await callAll(rig, watch, groups(rig, rate, calls, s.holdSec * 1000), (s.setupSec + s.holdSec + 60) * 1000, `${rate}/s`, progress);
  await drained(rig, 15_000);
  const server = await rig.probe();
  const row = setupRow(rate, s.holdSec * 1000, sipp, rig, cpu, server, await rig.timeline());
  progress(`calls: ${rate}/s: ${row.completed}/${row.attempted} completed, ${row.failed} failed, ${row.achievedPerSec.toFixed(1)} answered/s, ` +
    `INVITE->200 p50 ${row.inviteTo200.p50.toFixed(0)} ms p99 ${row.inviteTo200.p99.toFixed(0)} ms (p50: to the call ${row.stages.toCreated.p50.toFixed(0)}, ` +
    `to the offer ${row.stages.toOffer.p50.toFixed(0)}, offer seen ${row.stages.offerSeen.p50.toFixed(0)}, answer command ${row.stages.answerCommand.p50.toFixed(0)}, ` +
    `answer to 200 ${row.stages.answerTo200.p50.toFixed(0)}), server ${(100 * cpu.cores.server).toFixed(0)}% of a core`);
  return row;
}

async function concurrentPhase(rig: CallBenchRig, watch: ProcessWatch, s: CallsSettings, progress: (l: string) => void): Promise<ConcurrentRow> {
  const rampSec = s.concurrent / s.rampPerSec;
  // Every call must outlast the ramp (slow setups included), the settling and the window.
  const holdMs = (rampSec * 2 + 10 + s.windowSec) * 1000;
  progress(`calls: ${s.concurrent} concurrent calls at ${s.rampPerSec}/s, then a ${s.windowSec} s window (calls held ${(holdMs / 1000).toFixed(0)} s)`);
  rig.calls.clear();
  rig.refusals.length = 0;
  const box: { window?: ConcurrentWindow } = {};
  const { sipp, cpu } = await callAll(rig, watch, groups(rig, s.rampPerSec, s.concurrent, holdMs), holdMs + rampSec * 1000 + 60_000, `${s.concurrent} concurrent`, progress, async () => {
    const until = Date.now() + rampSec * 2000 + 10_000;
    const up = () => rig.live().filter((c) => c.roomHeardAt !== null && c.phone?.firstHeardAt != null).length;
    while (up() < s.concurrent && Date.now() < until) await sleep(250);
    progress(`calls: ${up()} calls up with audio both ways; settling ${SETTLE_MS / 1000} s, then the window`);
    await sleep(SETTLE_MS);
    const window = new ProcessWatch(rig.ready.pids);
    const a = await side(rig);
    window.start();
    await sleep(s.windowSec * 1000);
    const b = await side(rig);
    const measured = box.window = windowRow(s.concurrent, a, b, window.stop(), window.memory());
    progress(`calls: window: ${measured.callsInWindow} calls, loss phone->room ${(100 * measured.phoneToRoom.lost / Math.max(1, measured.phoneToRoom.expected)).toFixed(3)}%, ` +
      `room->phone ${(100 * measured.roomToPhone.lost / Math.max(1, measured.roomToPhone.expected)).toFixed(3)}%, server ${(100 * measured.cpu.cores.server).toFixed(0)}% of a core`);
  });
  await drained(rig, 20_000);
  if (!box.window) throw new Error('the concurrent window was not measured');
  const all = sipp.flatMap((g) => g.calls);
  const completed = all.filter((c) => c.completed).length;
  return { ...box.window, attempted: all.length, completed, failed: all.length - completed, failures: mergedErrors(sipp).slice(0, 6), cpuWholePhase: cpu };
}

/** Runs both parts against one server; `progress` gets a line every few seconds. */
export async function runCallsBench(progress: (line: string) => void): Promise<CallsBenchResult> {
  const s = settings();
  const loadAvgBefore = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' / ');
  const maxRate = Math.max(...s.rates);
  // Enough call takers that none is the limit: every call up at once, plus those being set up or hung up.
  const perAgency = Math.ceil(Math.max(s.concurrent, maxRate * (s.holdSec + 2)) * 1.25 / LINES.length);
  const phones = Math.ceil(Math.max(s.concurrent, maxRate * (s.holdSec + 4)) * 1.5 / LINES.length) * LINES.length;
  progress(`calls: starting the server (${process.env.CALLS_BENCH_BACKEND === 'pglite' ? 'PGlite' : 'PostgreSQL + Redis'}, Kamailio, mediasoup) with ${perAgency * LINES.length} call takers`);
  const rig = await CallBenchRig.start({ CALLS_BENCH_AGENTS_PER_AGENCY: String(perAgency) });
  try {
    await rig.open(phones);
    progress(`calls: ${rig.desk!.size} call takers signed in and ready, ${phones} RTP phones open`);
    const watch = new ProcessWatch(rig.ready.pids);
    const setup: SetupRow[] = [];
    for (const rate of s.rates) {
      const row = await setupPhase(rig, watch, s, rate, progress);
      setup.push(row);
      await sleep(2000);
      if (cleanSetup(row)) continue;
      // Higher rates would fail too; lower ones, until one is clean, show what the server does sustain.
      if (setup.length === 1) {
        for (const lower of s.fallbackRates.filter((r) => r < rate)) {
          const fallback = await setupPhase(rig, watch, s, lower, progress);
          setup.push(fallback);
          await sleep(2000);
          if (cleanSetup(fallback)) break;
        }
      }
      break;
    }
    const concurrent = await concurrentPhase(rig, watch, s, progress);
    return {
      overrides: Object.entries(process.env).filter(([k]) => /^CALLS_BENCH_(RATES|FALLBACK_RATES|SETUP_S|HOLD_S|CONCURRENT|RAMP|WINDOW_S|BACKEND|AGENTS_PER_AGENCY)$/.test(k)).map(([k, v]) => `${k}=${v}`).sort(),
      backend: rig.ready.backend, agents: rig.desk!.size, phones, mediaWorkers: rig.ready.pids.workers.length, holdSec: s.holdSec, setupSec: s.setupSec,
      setup, concurrent, serverLog: rig.logSummary(), loadAvgBefore,
    };
  } finally {
    await rig.close();
  }
}
