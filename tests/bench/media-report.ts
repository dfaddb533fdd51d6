/** The media section of BENCHMARKS.md (tests/bench/media.ts's figures), rendered on its own as `npm run bench -- media` rewrites only it. */
import { MEDIA_GOAL, WARMUP_MS as MEDIA_WARMUP_MS, type MediaBenchResult, type MediaRow } from './media';
import { yes, type Machine, type Outcome } from './report';
import { ms, num } from './stats';

/** The heading that starts the media section; a media-only run replaces from here to the next section. */
export const MEDIA_HEADING = '## 5. Media plane: body cameras through one worker';

const mbit = (bps: number) => (Number.isFinite(bps) ? (bps / 1e6).toFixed(bps < 1e7 ? 2 : 1) : 'n/a');
const ratio = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(3)}%` : 'n/a');
const core = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%` : 'n/a');
const size = (x: MediaRow) => `${x.cameras} x ${x.viewersPerCamera}`;
const lossOf = (x: MediaRow) => x.lost / Math.max(1, x.expected);
const meetsMediaGoal = (x: MediaRow) => lossOf(x) < MEDIA_GOAL.maxLossRatio && x.withoutKeyFrame === 0;

/** The media section of BENCHMARKS.md, with the command that produced it and the machine it ran on (or why it is missing). */
export function mediaSection(outcome: Outcome<MediaBenchResult>, command: string, m: Machine): string[] {
  if (!outcome.ok) return [MEDIA_HEADING, '', `Run by \`${command}\` on ${m.date}. **Not measured: the bench failed:** ${outcome.error}`];
  const r = outcome.value;
  const goalRow = r.rows.find((x) => x.cameras === MEDIA_GOAL.cameras && x.viewersPerCamera === MEDIA_GOAL.viewersPerCamera);
  const verdict = goalRow
    ? `Result: ${yes(meetsMediaGoal(goalRow))} - ${size(goalRow)} lost ${num(goalRow.lost)} of ${num(goalRow.expected)} packets (${ratio(lossOf(goalRow))}), ` +
      `forwarding ${mbit(goalRow.egressBps)} Mbit/s with the worker at ${core(goalRow.cpu.worker)} of one core.`
    : `Result: not measured (the sweep had no ${MEDIA_GOAL.cameras} x ${MEDIA_GOAL.viewersPerCamera} row).`;
  return [
    MEDIA_HEADING,
    '',
    `Produced by \`${command}\` (tests/bench/media.ts) on ${m.date}: ${m.cpu}; ${m.os}; Node ${m.node}; mediasoup ${r.mediasoup}, one worker. ` +
      `Load average (1 / 5 / 15 min) before the sweep ${r.loadAvgBefore}, after it ${r.rows.at(-1)?.loadAvgAfter ?? 'n/a'}.`,
    '',
    `Goal: ${MEDIA_GOAL.cameras} cameras at 720p with ${MEDIA_GOAL.viewersPerCamera} viewers each on one worker, packet loss < ` +
      `${100 * MEDIA_GOAL.maxLossRatio}%, every viewer decoding (a key frame received). ${verdict}`,
    '',
    '| Cameras x viewers each | Consumers | Ingress Mbit/s | Egress Mbit/s | Per viewer Mbit/s p50 (min-max) | Packets expected | Lost | Loss | Worst consumer | Reordered / duplicates | Video jitter ms p50 / p95 / max | Goal |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...r.rows.map((x) => `| ${size(x)} | ${x.consumers} | ${mbit(x.ingressBps)} | ${mbit(x.egressBps)} | ${mbit(x.perViewerBps.p50)} ` +
      `(${mbit(x.perViewerBps.min)}-${mbit(x.perViewerBps.max)}) | ${num(x.expected)} | ${num(x.lost)} | ${ratio(lossOf(x))} | ` +
      `${ratio(x.worstConsumerLossRatio)} | ${num(x.reordered)} / ${num(x.duplicates)} | ${ms(x.videoJitterMs.p50)} / ${ms(x.videoJitterMs.p95)} / ${ms(x.videoJitterMs.max)} | ` +
      `${x === goalRow ? yes(meetsMediaGoal(x)) : '-'} |`),
    '',
    `CPU over each ${r.windowSec} s window, in percent of one core. "Node" is this bench's process: it runs every camera's sender and ` +
      'every viewer\'s sink, so the load generator shares the 2 cores with the worker. "Others" is what the rest of the machine ' +
      '(other engineers\' builds and tests during this run) used, in cores.',
    '',
    '| Cameras x viewers each | Worker | Node | Machine (all cores) | Others (cores) | Worker per 100 Mbit/s out | Cameras\' send lateness p50 / p99 / max ms | Load average after |',
    '|---|--:|--:|--:|--:|--:|--:|---|',
    ...r.rows.map((x) => `| ${size(x)} | ${core(x.cpu.worker)} | ${core(x.cpu.node)} | ${core(x.cpu.machine)} | ${others(x, m.cores).toFixed(2)} | ` +
      `${x.egressBps >= 1e7 ? core(x.cpu.worker / (x.egressBps / 1e8)) : '-'} | ${x.sendLateMs.p50} / ${x.sendLateMs.p99} / ${x.sendLateMs.max} | ${x.loadAvgAfter} |`),
    '',
    ...mediaFindings(r, m),
    '',
    `Method: each camera is tests/simulators/bodycam.ts replaying real encoder output in a loop: ffmpeg's libvpx VP8 ${r.clip.width}x${r.clip.height} ` +
      `${r.clip.fps} fps at a ${num(r.clip.videoKbps)} kbit/s target (${mbit(r.clip.videoBitsPerSec)} Mbit/s measured with RTP headers), a key frame every ` +
      `${r.clip.keyFrameEverySec} s, Opus 32 kbit/s in 20 ms frames, a ${r.clip.seconds} s clip with sequence numbers, timestamps and VP8 picture ids ` +
      'continued across the loop. A camera is a PlainTransport (comedia, rtcp-mux) with a video and an audio producer and its own SSRCs; cameras start ' +
      `spread over one key-frame interval. A viewer is a PlainTransport consuming one camera's video and audio into a UDP socket in this process; ` +
      `all in one room on one router. After a ${MEDIA_WARMUP_MS / 1000} s warm-up from the last viewer, one ${r.windowSec} s window: loss is RFC 3550 expected minus ` +
      'received per consumer (a late packet is a reorder, a duplicate is not a receipt), jitter is the RFC 3550 estimate at the sink, bitrates count RTP ' +
      'bytes (no IP/UDP headers; egress per viewer is a little above a camera\'s ingress because mediasoup adds a header-extension block on plain output). ' +
      'Worker CPU is the change of `worker.getResourceUsage()` ru_utime + ru_stime over wall time; Node CPU is `process.cpuUsage()`; machine is /proc/stat ' +
      'via `os.cpus()`. Not covered: WebRTC transports (DTLS/SRTP cost the worker more per packet), simulcast layer switching, NACK/RTX (nothing is lost on loopback).',
  ];
}

function others(x: MediaRow, cores: number): number {
  return Math.max(0, x.cpu.machine * cores - x.cpu.worker - x.cpu.node);
}

/** What this run's figures say: where loss came from, headroom, and whether other load distorted them. */
function mediaFindings(r: MediaBenchResult, m: Machine): string[] {
  const lines: string[] = [];
  const lossy = r.rows.filter((x) => x.lost > 0 || x.lostBeforeWorker > 0 || x.kernelDrops.worker > 0 || x.kernelDrops.sinks > 0);
  const starved = r.rows.filter((x) => x.sendLateMs.p99 > 20);
  const clean = r.rows.filter((x) => !lossy.includes(x));
  if (clean.length > 0) {
    lines.push(`- **Loss:** none at ${clean.map(size).join(', ')}: no sequence gap at the producers, no datagram dropped by the kernel, ` +
      'every packet the sequence numbers announced at the sinks.');
  }
  for (const x of lossy) {
    lines.push(`- **Loss at ${size(x)}:** the worker saw ${num(x.lostBeforeWorker)} camera packets missing (producer stats) and the kernel dropped ` +
      `${num(x.kernelDrops.worker)} datagrams at the worker's camera sockets for a full receive buffer; each such packet is missing for all ` +
      `${x.viewersPerCamera} viewers of its camera. The kernel dropped ${num(x.kernelDrops.sinks)} more at the viewers' sinks (this process not ` +
      'reading fast enough).' +
      (starved.includes(x) ? ' The cameras sent late in this row (see below) and caught up in bursts, which is what overflows the worker\'s ' +
        'socket: mediasoup 3.12 leaves its receive buffer at the kernel default (net.core.rmem_default).' : ''));
  }
  const biggest = [...r.rows].sort((a, b) => b.egressBps - a.egressBps)[0];
  if (biggest && biggest.egressBps > 0) {
    const perCoreBps = biggest.egressBps / biggest.cpu.worker;
    lines.push(`- **Headroom:** at ${size(biggest)} the worker spent ${core(biggest.cpu.worker)} of a core on ${mbit(biggest.egressBps)} Mbit/s out (` +
      `${num(biggest.sinksRead / biggest.seconds)} packets/s); linearly that is about ${num(perCoreBps / 1e6)} Mbit/s, or ` +
      `${num(perCoreBps / biggest.perViewerBps.p50)} 720p viewer streams, per fully busy worker on plain RTP. A straight line is optimistic ` +
      `near saturation, and WebRTC viewers cost more (SRTP). Node, the load generator, used ${core(biggest.cpu.node)} meanwhile, so on ` +
      `${m.cores} shared cores a larger sweep would measure it rather than the worker.`);
  }
  if (starved.length > 0) {
    lines.push(`- **Late sources:** at ${starved.map((x) => `${size(x)} (p99 ${x.sendLateMs.p99} ms, max ${x.sendLateMs.max} ms, others using ` +
      `${others(x, m.cores).toFixed(2)} cores)`).join(', ')} the simulated cameras themselves sent late: this process was short of CPU. ` +
      'The higher jitter at the sinks in those rows follows from it; it is not the worker\'s doing.');
  }
  const busiest = Math.max(...r.rows.map((x) => others(x, m.cores)));
  const loadBefore = Number(r.loadAvgBefore.split(' / ')[0]);
  if (busiest > 0.25 || loadBefore > m.cores / 2) {
    lines.push(`- **Other load:** the machine was shared (load average ${r.loadAvgBefore} before the sweep; other processes used up to ` +
      `${busiest.toFixed(2)} of ${m.cores} cores during a window). CPU figures are time the worker and Node actually used, so they are little ` +
      'inflated by it; loss, jitter and send lateness are what a busy machine gives and should be no worse on an idle one.');
  } else {
    lines.push(`- **Other load:** little (up to ${busiest.toFixed(2)} cores used by other processes during a window); the figures are not distorted by it.`);
  }
  return lines;
}

/** Replaces the media section of `report` (or puts it before "## Method", or at the end). */
export function withMediaSection(report: string, lines: string[]): string {
  const text = lines.join('\n');
  const start = report.indexOf(`\n${MEDIA_HEADING}`);
  if (start >= 0) {
    const next = report.indexOf('\n## ', start + 1);
    return `${report.slice(0, start)}\n${text}\n${next < 0 ? '' : report.slice(next)}`;
  }
  const at = report.indexOf('\n## Method');
  return at < 0 ? `${report.trimEnd()}\n\n${text}\n` : `${report.slice(0, at)}\n${text}\n${report.slice(at)}`;
}
