/** Renders the benchmark results as BENCHMARKS.md: figures, goals, machine and what was seen. */
import { COMMAND_GOAL, meetsCommandGoal, type CommandRow, type CommandsResult } from './commands';
import { RECOMMEND_GOAL, type RecommendResult } from './recommend';
import type { FanoutResult } from './fanout';
import { MEDIA_GOAL, WARMUP_MS as MEDIA_WARMUP_MS, type MediaBenchResult, type MediaRow } from './media';
import { ms, num } from './stats';

export interface Machine {
  date: string;
  cores: number;
  cpu: string;
  os: string;
  node: string;
  loadAvg: string;
  redis: string;
}

/** Each bench either produced a result or failed with a message. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface Report {
  command: string;
  machine: Machine;
  commands: Outcome<CommandsResult>;
  recommend: Outcome<RecommendResult>;
  fanout: Outcome<FanoutResult>;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v)}%`);
const yes = (met: boolean) => (met ? '**met**' : '**missed**');

function commandsSection(r: CommandsResult, cores: number): string[] {
  const pg = r.rows.filter((x) => x.backend === 'PostgreSQL');
  const met = pg.filter(meetsCommandGoal);
  const best = [...pg].sort((a, b) => b.perSec - a.perSec)[0];
  const total: Record<string, number> = {};
  for (const row of r.rows) for (const [k, n] of Object.entries(row.mix)) total[k] = (total[k] ?? 0) + n;
  const all = Object.values(total).reduce((s, n) => s + n, 0);
  const label = (x: CommandRow) => `${x.backend} ${x.path} x${x.concurrency}`;
  const lines = [
    '## 1. Durable commands',
    '',
    `Goal: >= ${num(COMMAND_GOAL.perSec)} acknowledged commands/s with p99 <= ${COMMAND_GOAL.p99Ms} ms on PostgreSQL. ` +
      (met.length > 0
        ? `Result: **met** by ${met.map(label).join(', ')}.`
        : `Result: **missed** - the best PostgreSQL row reached ${num(best?.perSec ?? NaN)}/s with p99 ${ms(best?.latency.p99 ?? NaN)} ms.`),
    '',
    '| Database | Path | In flight | Acked | Commands/s | p50 ms | p95 ms | p99 ms | max ms | Failures | Goal |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...r.rows.map((x) => `| ${x.backend} | ${x.path} | ${x.concurrency} | ${num(x.acked)} | ${num(x.perSec)} | ${ms(x.latency.p50)} | ` +
      `${ms(x.latency.p95)} | ${ms(x.latency.p99)} | ${ms(x.latency.max)} | ${x.failures} | ${x.backend === 'PostgreSQL' ? yes(meetsCommandGoal(x)) : '-'} |`),
    '',
    `Database: ${r.database}. Command mix over all rows: ` +
      Object.entries(total).map(([k, n]) => `\`${k}\` ${Math.round((n / all) * 100)}%`).join(', ') +
      ' (a create is 3 events: created, triaged, pending; a note or re-grade is 1).',
  ];
  const failed = r.rows.filter((x) => x.failures > 0);
  if (failed.length > 0) {
    lines.push('', '**Failures (must be 0):**');
    for (const x of failed) for (const [k, n] of Object.entries(x.failureKinds)) lines.push(`- ${label(x)}: ${n} x ${k}`);
  }
  lines.push(
    '',
    '### Where the time went',
    '',
    'CPU during each 10 s window, in percent of one core ("machine" is the share of all cores busy, ' +
      'including processes outside the benchmark). The Node process is both server and load generator (and the HTTP client in ' +
      'the HTTP row); PostgreSQL CPU counts every client of the shared server.',
    '',
    '| Row | Node | postgres | redis | machine | Node CPU ms / command |',
    '|---|--:|--:|--:|--:|--:|',
    ...r.rows.map((x) => `| ${label(x)} | ${pct(x.cpu.node)} | ${pct(x.cpu.postgres)} | ${pct(x.cpu.redis)} | ${pct(x.cpu.machine)} | ` +
      `${ms((x.cpu.node / 100) * x.seconds * 1000 / Math.max(1, x.acked))} |`),
    '',
    "States of this benchmark's PostgreSQL backends while they were in a transaction or running a statement " +
      '(pg_stat_activity sampled every 50 ms; share of samples). `idle in transaction / Client:ClientRead` is PostgreSQL ' +
      'waiting for Node to send the next statement of an open transaction; `Lock:transactionid` is waiting for a row lock ' +
      'held by another open transaction; `IO:WALSync` / `LWLock:WALWrite` is the commit flush.',
    '',
  );
  for (const x of r.rows.filter((row) => row.waits.length > 0)) {
    lines.push(`- ${label(x)}: ` + x.waits.slice(0, 5).map(([k, v]) => `${k} ${Math.round(v)}%`).join(', '));
  }
  const findings = commandFindings(r, cores);
  if (findings.length > 0) lines.push('', '### What limits throughput here', '', ...findings);
  return lines;
}

/** What the figures say about the missed goal, computed from this run's numbers. */
function commandFindings(r: CommandsResult, cores: number): string[] {
  const lines: string[] = [];
  const collisions = r.rows.filter((x) => Object.keys(x.failureKinds).some((k) => k.includes('already exists')));
  if (collisions.length > 0) {
    const perServer = (backend: CommandRow['backend']) => r.rows.filter((x) => x.backend === backend).reduce((s, x) => s + x.created, 0);
    const pgCreated = perServer('PostgreSQL');
    const daily = (2000 * 2000) / 2 ** 25;
    lines.push(
      `- **The failures are incident-id collisions, a server defect.** Ids are \`INC-<yymmdd>-<6 hex>\` (24 random bits per day, ` +
        '`newIncidentId` in server/incidents/commands.ts) and a clash is refused as `rejected_by_state_machine ... already exists` ' +
        `instead of being retried with a new id. With ${num(pgCreated)} incidents created on the PostgreSQL server in this run the ` +
        `birthday bound predicts about ${(pgCreated ** 2 / 2 ** 25).toFixed(1)} clashes; a centre creating 2,000 incidents a day ` +
        `would see one about every ${Math.round(1 / daily)} days.`,
    );
  }
  const inProcess = r.rows.filter((x) => x.backend === 'PostgreSQL' && x.path === 'in-process');
  const cpuMs = (x: CommandRow) => ((x.cpu.node / 100) * x.seconds * 1000) / Math.max(1, x.acked);
  if (inProcess.length > 0) {
    const nodeMs = Math.min(...inProcess.map(cpuMs));
    const busiest = Math.max(...inProcess.map((x) => x.cpu.machine ?? 0));
    lines.push(
      `- **CPU:** the ${cores} cores were up to ${Math.round(busiest)}% busy. The Node process spent at least ${ms(nodeMs)} ms of CPU ` +
        `per acknowledged command, so ${num(COMMAND_GOAL.perSec)} commands/s would need about ${(nodeMs * COMMAND_GOAL.perSec / 1000).toFixed(1)} ` +
        'cores for Node alone, before PostgreSQL and Redis.',
    );
  }
  for (const x of r.rows.filter((row) => row.waits.length > 0)) {
    const lock = x.waits.find(([k]) => k.includes('Lock:transactionid'))?.[1] ?? 0;
    const client = x.waits.find(([k]) => k === 'idle in transaction / Client:ClientRead')?.[1] ?? 0;
    lines.push(
      `- **${x.path} x${x.concurrency}:** ${Math.round(client)}% of busy backend samples were open transactions waiting for Node's ` +
        `next statement and ${Math.round(lock)}% were waiting for a row lock held by another transaction.`,
    );
  }
  if (lines.length > 0) {
    lines.push(
      '',
      'Reading these: each command makes several sequential round trips to PostgreSQL (idempotency check, aggregate load, BEGIN, ' +
        'the pipelined writes, the feed counter upsert, the feed entries insert, COMMIT). Every event bumps its agency\'s ' +
        '`queue:<agency>` counter row in `feeds`, which stays locked until COMMIT, so commands of one agency commit one after ' +
        'another and the lock is held across the last client round trips. Waits for Node grow when Node is short of CPU; ' +
        'row-lock waits grow with the number of commands in flight.',
    );
  }
  return lines;
}

function recommendSection(r: RecommendResult): string[] {
  return [
    '## 2. Unit recommendation',
    '',
    `Goal: p99 <= ${RECOMMEND_GOAL.p99Ms} ms per recommendation over 10,000 units. ` +
      r.rows.map((x) => `${x.index}: ${yes(x.latency.p99 <= RECOMMEND_GOAL.p99Ms)}`).join('; ') + '.',
    '',
    '| Geo index | Units | Eligible | Queries | p50 ms | p95 ms | p99 ms | max ms | Short | Goal |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...r.rows.map((x) => `| ${x.index} | ${num(x.units)} | ${num(x.eligible)} | ${num(x.queries)} | ${ms(x.latency.p50)} | ` +
      `${ms(x.latency.p95)} | ${ms(x.latency.p99)} | ${ms(x.latency.max)} | ${x.short} | ${yes(x.latency.p99 <= RECOMMEND_GOAL.p99Ms)} |`),
    '',
    `Each query is one \`recommendUnits\` call (${r.requirementsPerQuery.toFixed(2)} requirements on average, limit 3, one at a time). ` +
      '"Short" counts queries where a requirement could not be filled. Filling the index took ' +
      r.rows.map((x) => `${x.fillSec.toFixed(2)} s (${x.index})`).join(' and ') + '.',
  ];
}

function fanoutSection(r: FanoutResult): string[] {
  return [
    '## 3. Live fan-out',
    '',
    '| Subscribers | Commands | Rate | Frames expected | Delivered | p50 ms | p95 ms | p99 ms | max ms |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    `| ${r.subscribers} | ${r.commands} | ${r.ratePerSec}/s | ${num(r.expected)} | ${num(r.delivered)} | ${ms(r.latency.p50)} | ` +
      `${ms(r.latency.p95)} | ${ms(r.latency.p99)} | ${ms(r.latency.max)} |`,
    '',
    'Latency from the command\'s acknowledgement (in-process `services.execute` resolving) to the `feed.event` frame arriving ' +
      'at a subscriber on `queue:police` (PostgreSQL + Redis bus, WebSocket over loopback, subscribers in the same process). ' +
      `${r.beforeAck} frames arrived before the acknowledgement (counted as 0 ms).`,
  ];
}

function section<T>(title: string, outcome: Outcome<T>, render: (v: T) => string[]): string[] {
  return outcome.ok ? render(outcome.value) : [title, '', `**Not measured: the bench failed:** ${outcome.error}`];
}

export function renderReport(r: Report): string {
  const m = r.machine;
  return [
    '# Benchmarks',
    '',
    `Produced by \`${r.command}\` (tests/bench/run.ts) on ${m.date}. Regenerated on every run; do not edit by hand.`,
    '',
    `- Machine: ${m.cpu}; ${m.os}; load average at start ${m.loadAvg}`,
    `- Node ${m.node}; ${m.redis}`,
    '- PostgreSQL, Redis, the server and the load generator share these cores, all over loopback; other work on the machine ' +
      'shows in the "machine" CPU column below.',
    '',
    ...section('## 1. Durable commands', r.commands, (v) => commandsSection(v, m.cores)),
    '',
    ...section('## 2. Unit recommendation', r.recommend, recommendSection),
    '',
    ...section('## 3. Live fan-out', r.fanout, fanoutSection),
    '',
    '## Method',
    '',
    '- Commands: an in-process server (`createApp`, workers running) with its own PostgreSQL schema and Redis prefix, or an ' +
      'embedded PGlite directory; N simulated dispatchers (police, fire, EMS, city in turn) each keep one command in flight ' +
      '(closed loop). 2 s warm-up, then 10 s measured; a command counts when its acknowledgement (after COMMIT) arrives in ' +
      'the window. Latency is submit-to-acknowledgement. HTTP rows POST `/api/v1/commands` with a bearer token over a ' +
      'keep-alive agent. The schema, Redis keys and data directory are removed afterwards.',
    '- Recommendation: the demo city with its fleet cycled out to 10,000 units at random positions, ~60% dispatchable; ' +
      '200 warm-up queries, then 2,000 measured, for random response plans at random locations.',
    '- Percentiles are nearest-rank over all samples of a row.',
    '',
  ].join('\n');
}

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
