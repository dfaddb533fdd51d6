/**
 * Body cameras through ONE mediasoup worker: N simulated cameras (real 720p VP8 + Opus, see
 * tests/simulators/bodycam.ts) publish into one incident room, each watched by M plain-RTP
 * viewers (PlainTransport consumers into UDP sinks in this process; browsers cannot carry this
 * many viewers on these cores, see shared/notes/browser-webrtc.md). For each size of a small
 * sweep, after a warm-up, one fixed window measures what was forwarded, what was lost (sequence
 * gaps per consumer) and what it cost the worker and this process. Loopback only; it stops by
 * itself. `npm run bench` runs it; `npm run bench -- media` runs it alone.
 * MEDIA_BENCH_WINDOW_S (default 20) and MEDIA_BENCH_SWEEP (default "1x1,5x5,10x5,10x10,20x10": cameras x viewers of each)
 * change the window and the sizes.
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import type { types as ms } from 'mediasoup';
import { version as mediasoupVersion } from 'mediasoup';
import { loadConfig } from '../../config/env';
import { createLogger } from '../../server/log';
import { WorkerPool } from '../../media/WorkerPool';
import { Room } from '../../media/Room';
import { loadBodycamClip, type BodycamClip } from '../simulators/bodycam-clip';
import { startBodycam, type Bodycam, type BodycamStats } from '../simulators/bodycam';
import { startPlainViewer, type PlainViewer, type ViewedStream } from '../simulators/bodycam-viewer';
import { percentile, sleep } from './stats';

/** The goal from issue #4: 10 cameras at 720p, 5 viewers each, on one worker, loss < 0.5 %. */
export const MEDIA_GOAL = { cameras: 10, viewersPerCamera: 5, maxLossRatio: 0.005 } as const;

/** From the last viewer's start to the window: every viewer has had a key frame (one every 2 s). */
export const WARMUP_MS = 5000;

export interface MediaRow {
  cameras: number;
  viewersPerCamera: number;
  consumers: number;
  seconds: number;
  ingressBps: number;
  egressBps: number;
  perViewerBps: { p50: number; min: number; max: number };
  /** RTP packets the viewers' sequence numbers say were sent in the window, and those missing. */
  expected: number;
  lost: number;
  worstConsumerLossRatio: number;
  reordered: number;
  duplicates: number;
  /** Sequence gaps the worker saw on the cameras' packets (producer stats). */
  lostBeforeWorker: number;
  /** RTP packets the sinks read in the window. */
  sinksRead: number;
  /** Datagrams the kernel dropped for a full receive buffer (/proc/net/udp): the worker's camera sockets, the viewers' sinks. */
  kernelDrops: { worker: number; sinks: number };
  videoJitterMs: { p50: number; p95: number; max: number };
  /** Video consumers that had no key frame by the end of the window. */
  withoutKeyFrame: number;
  keyFrameRequests: number;
  /** CPU in fractions of one core over the window's wall time; machine is the share of all cores. */
  cpu: { worker: number; node: number; machine: number };
  /** How late the cameras' packets left against their schedule (ms). */
  sendLateMs: { p50: number; p99: number; max: number };
  loadAvgAfter: string;
}

export interface MediaBenchResult {
  mediasoup: string;
  workerPid: number;
  clip: BodycamClip['settings'] & { videoBitsPerSec: number; cacheDir: string };
  windowSec: number;
  loadAvgBefore: string;
  rows: MediaRow[];
}

/** Everything sampled at each end of the window. */
interface Probe {
  at: number;
  worker: ms.WorkerResourceUsage;
  node: NodeJS.CpuUsage;
  machine: { busy: number; total: number };
  kernelDrops: { worker: number; sinks: number };
  cameras: BodycamStats[];
  producersLost: number;
  viewers: ViewedStream[][];
}

export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

/** Runs the sweep; `progress` gets one line per step. */
export async function runMediaBench(progress: (line: string) => void): Promise<MediaBenchResult> {
  const windowSec = Number(process.env.MEDIA_BENCH_WINDOW_S ?? 20);
  const sweep = (process.env.MEDIA_BENCH_SWEEP ?? '1x1,5x5,10x5,10x10,20x10').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  if (!(windowSec > 0) || sweep.some(([n, m]) => !(n! > 0 && m! > 0))) throw new Error('MEDIA_BENCH_WINDOW_S must be > 0 and MEDIA_BENCH_SWEEP like "1x1,10x5"');
  const loadAvgBefore = loadAverage();
  const clip = await loadBodycamClip();
  const config = loadConfig({});
  const log = createLogger('silent', 'bench-media');
  const pool = await WorkerPool.start({ size: 1, rtcMinPort: config.MEDIA_RTC_MIN_PORT, rtcMaxPort: config.MEDIA_RTC_MAX_PORT }, log);
  try {
    const worker = pool.workers[0]!;
    const rows: MediaRow[] = [];
    for (const [cameras, viewers] of sweep) {
      progress(`media: ${cameras} cameras x ${viewers} viewers, ${WARMUP_MS / 1000} s warm-up + ${windowSec} s window`);
      const row = await measureRow(worker, clip, cameras, viewers, windowSec * 1000, log);
      progress(`media: ${cameras}x${viewers}: egress ${(row.egressBps / 1e6).toFixed(1)} Mbit/s, loss ${(100 * row.lost / Math.max(1, row.expected)).toFixed(3)}%, ` +
        `worker ${(100 * row.cpu.worker).toFixed(0)}% of a core, node ${(100 * row.cpu.node).toFixed(0)}%`);
      rows.push(row);
    }
    return {
      mediasoup: mediasoupVersion, workerPid: worker.pid, windowSec, loadAvgBefore, rows,
      clip: { ...clip.settings, videoBitsPerSec: clip.videoBitsPerSec, cacheDir: clip.cacheDir },
    };
  } finally {
    pool.close();
  }
}

async function measureRow(worker: ms.Worker, clip: BodycamClip, cameras: number, viewersPerCamera: number, windowMs: number, log: ReturnType<typeof createLogger>): Promise<MediaRow> {
  const room = await Room.create(`incident:BENCH-MEDIA-${cameras}x${viewersPerCamera}`, worker, { ip: '127.0.0.1' }, log);
  const running: Bodycam[] = [];
  const viewers: PlainViewer[] = [];
  try {
    // Cameras start spread over one key-frame interval, as real ones are not in step.
    const stagger = (clip.settings.keyFrameEverySec * 1000) / cameras;
    for (let i = 0; i < cameras; i++) {
      const camera = await startBodycam(room, { unitId: `BENCH-${i + 1}`, clip });
      running.push(camera);
      for (let v = 0; v < viewersPerCamera; v++) viewers.push(await startPlainViewer(room, [camera.video, camera.audio!]));
      await sleep(stagger);
    }
    await sleep(WARMUP_MS);
    const start = await probe(worker, running, viewers);
    await sleep(windowMs);
    const end = await probe(worker, running, viewers);
    return summarizeRow(cameras, viewersPerCamera, start, end);
  } finally {
    for (const v of viewers) v.close();
    for (const c of running) c.stop();
    room.close();
  }
}

async function probe(worker: ms.Worker, cameras: Bodycam[], viewers: PlainViewer[]): Promise<Probe> {
  // This process's counters first, all at one instant; the worker answers over its channel later.
  const local = {
    at: performance.now(), node: process.cpuUsage(), machine: machineTimes(), kernelDrops: kernelDrops(cameras, viewers),
    cameras: cameras.map((c) => c.stats()), viewers: viewers.map((v) => v.streams()),
  };
  const [usage, producerStats] = await Promise.all([
    worker.getResourceUsage(),
    Promise.all(cameras.flatMap((c) => [c.video, c.audio!]).map((p) => p.getStats())),
  ]);
  return { ...local, worker: usage, producersLost: producerStats.flat().reduce((sum, s) => sum + s.packetsLost, 0) };
}

function summarizeRow(cameras: number, viewersPerCamera: number, a: Probe, b: Probe): MediaRow {
  const seconds = (b.at - a.at) / 1000;
  const perViewerBps = b.viewers.map((streams, v) => streams.reduce((sum, s, i) => sum + s.bytes - a.viewers[v]![i]!.bytes, 0) * 8 / seconds).sort((x, y) => x - y);
  const consumers = b.viewers.flatMap((streams, v) => streams.map((s, i) => ({ s, before: a.viewers[v]![i]! })));
  const window = consumers.map(({ s, before }) => ({
    expected: s.expected - before.expected, received: s.packets - before.packets, video: s.kind === 'video', s, before,
  }));
  const expected = window.reduce((sum, w) => sum + w.expected, 0);
  const received = window.reduce((sum, w) => sum + w.received, 0);
  const late = b.cameras.map((c, i) => c.sendLateMs.map((n, bucket) => n - a.cameras[i]!.sendLateMs[bucket]!));
  const lateTotals = late.reduce((sum, h) => sum.map((n, bucket) => n + h[bucket]!), new Array<number>(late[0]?.length ?? 0).fill(0));
  const jitter = window.filter((w) => w.video).map((w) => w.s.jitterMs).sort((x, y) => x - y);
  const cpuMs = (u: ms.WorkerResourceUsage) => u.ru_utime + u.ru_stime;
  const nodeMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const wallMs = b.at - a.at;
  return {
    cameras, viewersPerCamera, consumers: consumers.length, seconds,
    ingressBps: b.cameras.reduce((sum, c, i) => sum + c.bytes - a.cameras[i]!.bytes, 0) * 8 / seconds,
    egressBps: perViewerBps.reduce((sum, x) => sum + x, 0),
    perViewerBps: { p50: percentile(perViewerBps, 50), min: perViewerBps[0] ?? NaN, max: perViewerBps.at(-1) ?? NaN },
    expected, lost: Math.max(0, expected - received),
    worstConsumerLossRatio: Math.max(0, ...window.map((w) => (w.expected > 0 ? Math.max(0, w.expected - w.received) / w.expected : 0))),
    reordered: window.reduce((sum, w) => sum + w.s.reordered - w.before.reordered, 0),
    duplicates: window.reduce((sum, w) => sum + w.s.duplicates - w.before.duplicates, 0),
    lostBeforeWorker: b.producersLost - a.producersLost,
    sinksRead: received,
    kernelDrops: { worker: b.kernelDrops.worker - a.kernelDrops.worker, sinks: b.kernelDrops.sinks - a.kernelDrops.sinks },
    videoJitterMs: { p50: percentile(jitter, 50), p95: percentile(jitter, 95), max: jitter.at(-1) ?? NaN },
    withoutKeyFrame: window.filter((w) => w.video && w.s.keyFrames === 0).length,
    keyFrameRequests: b.cameras.reduce((sum, c, i) => sum + c.keyFrameRequests - a.cameras[i]!.keyFrameRequests, 0),
    cpu: {
      worker: (cpuMs(b.worker) - cpuMs(a.worker)) / wallMs,
      node: (nodeMs(b.node) - nodeMs(a.node)) / wallMs,
      machine: (b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total),
    },
    sendLateMs: { p50: histogramPercentile(lateTotals, 50), p99: histogramPercentile(lateTotals, 99), max: lateTotals.findLastIndex((n) => n > 0) },
    loadAvgAfter: loadAverage(),
  };
}

/** The bucket (ms) below which p % of the counts fall. */
function histogramPercentile(counts: number[], p: number): number {
  const total = counts.reduce((s, n) => s + n, 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (let bucket = 0; bucket < counts.length; bucket++) {
    seen += counts[bucket]!;
    if (seen >= (p / 100) * total) return bucket;
  }
  return counts.length - 1;
}

function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/** Per-socket receive drops from /proc/net/udp (last column), summed over the worker's camera sockets and over the sinks. */
function kernelDrops(cameras: Bodycam[], viewers: PlainViewer[]): { worker: number; sinks: number } {
  const byPort = new Map<number, number>();
  try {
    for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [ip, port] = (fields[1] ?? '').split(':');
      if (ip === '0100007F' && port) byPort.set(parseInt(port, 16), (byPort.get(parseInt(port, 16)) ?? 0) + Number(fields.at(-1)));
    }
  } catch {
    return { worker: NaN, sinks: NaN };
  }
  const sum = (ports: number[]) => ports.reduce((total, port) => total + (byPort.get(port) ?? 0), 0);
  return { worker: sum(cameras.map((c) => c.transport.tuple.localPort)), sinks: sum(viewers.map((v) => v.port)) };
}
