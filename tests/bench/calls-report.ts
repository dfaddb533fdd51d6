/** The phone-call section of BENCHMARKS.md (tests/bench/calls.ts's figures), rewritten alone by `npm run bench -- calls`. */
import { CALLS_GOAL, type CallsBenchResult } from './calls';
import { cleanSetup, type ConcurrentRow, type SetupRow } from './calls-summary';
import type { CpuWindow } from './calls-procs';
import { yes, type Machine, type Outcome } from './report';
import { readFileSync } from 'node:fs';
import { ms, num, type LatencySummary } from './stats';

export const CALLS_HEADING = '## 6. Phone calls: SIP setups per second and concurrent bridged calls';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(x < 0.001 && x > 0 ? 4 : 3)}%` : 'n/a');
const core = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const lat = (l: SetupRow['inviteTo200']) => `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} / ${ms(l.max)}`;
const meetsSetup = (r: SetupRow) => r.rate >= CALLS_GOAL.setupsPerSec && cleanSetup(r);
const meetsConcurrent = (r: ConcurrentRow) => r.callsInWindow >= CALLS_GOAL.concurrent && r.failed === 0;
const lossOf = (d: { expected: number; lost: number }) => d.lost / Math.max(1, d.expected);

/** Cores busy with processes that are not the bench's parts. */
const othersOf = (c: CpuWindow, cores: number) => Math.max(0, (c.machine - c.steal) * cores - Object.values(c.cores).reduce((s, x) => s + x, 0));

function cpuCells(c: CpuWindow, cores: number): string {
  const others = othersOf(c, cores);
  return `${core(c.cores.server)} | ${core(c.cores.workers)} | ${core(c.cores.kamailio)} | ${core(c.cores.postgres)} / ${core(c.cores.redis)} | ` +
    `${core(c.cores.sipp)} / ${core(c.cores.bench)} | ${core(c.machine)}${c.steal >= 0.005 ? ` (stolen ${core(c.steal)})` : ''} | ${others.toFixed(2)}`;
}

/** Whether anything else took a share of the cores while the bench ran (the "others" column). */
function sharing(r: CallsBenchResult, cores: number): string {
  const windows = [...r.setup.map((x) => x.cpu), ...(r.concurrent ? [r.concurrent.cpu] : [])];
  const most = Math.max(0, ...windows.map((c) => othersOf(c, cores)));
  return most >= 0.2
    ? `**A shared machine**: other processes took up to ${most.toFixed(2)} of the ${cores} cores while the bench ran (the "others" column), so the figures are what a busy machine gives.`
    : `Nothing else took more than ${most.toFixed(2)} of the ${cores} cores while the bench ran (the "others" column). Machines of this kind are not all as fast: on 2026-12-02 at 03:57 one took 53 ms of the whole machine's CPU per call at 40/s (against the figure under "Where the CPU goes" below) and set up 40 calls per second clean, not 50; the code it ran (commit 150a925) set up 50 per second clean on the machine of the 2026-12-02 07:01 run too, so the difference is the machine.`;
}

export function callsSection(outcome: Outcome<CallsBenchResult>, command: string, m: Machine): string[] {
  if (!outcome.ok) return [CALLS_HEADING, '', `Run by \`${command}\` on ${m.date}. **Not measured: the bench failed:** ${outcome.error}`];
  const r = outcome.value;
  const best = [...r.setup].filter(cleanSetup).sort((a, b) => b.achievedPerSec - a.achievedPerSec)[0];
  const goalRow = r.setup.find(meetsSetup);
  const c = r.concurrent;
  return [
    CALLS_HEADING,
    '',
    `Produced by \`${command}\` (tests/bench/calls.ts) on ${m.date}: ${m.cpu}; ${m.os}; Node ${m.node}; **${r.backend}**; ` +
      `${r.mediaWorkers} mediasoup workers, Kamailio with 4 UDP children; ${r.agents} call takers signed in over the WebSocket. ` +
      `Load average before ${r.loadAvgBefore}. ${sharing(r, m.cores)}` +
      (r.overrides.length ? ` **Not the standard run**: settings given instead of the defaults, ${r.overrides.map((o) => `\`${o}\``).join(', ')}.` : ''),
    '',
    `Goals (issue #5): at least ${CALLS_GOAL.setupsPerSec} call setups per second with media, at least ${CALLS_GOAL.concurrent} concurrent bridged calls ` +
      `with audio flowing, no failed call. Setups: ${goalRow ? `${yes(true)} at ${goalRow.rate}/s (${goalRow.completed} of ${goalRow.attempted} calls completed, ` +
      `${num(goalRow.achievedPerSec)} answered per second)` : `${yes(false)}${best ? ` - the best clean rate (no failed call, audio both ways on every call, answered as fast as called) was ${best.rate}/s` : ' - no rate was clean'} (see the table)`}` +
      `${best && goalRow && best.rate > goalRow.rate ? `; it held at ${best.rate}/s too` : ''}. Concurrent: ${c ? `${yes(meetsConcurrent(c))} - ${c.callsInWindow} calls talking both ways through ` +
      `a ${c.seconds.toFixed(0)} s window, ${c.failed} of ${c.attempted} calls failed` : `${yes(false)} - not measured`}.`,
    '',
    '### Setups per second (each call: INVITE, digest challenge, queue, ACD offer, answer over the WebSocket, 200 OK, audio both ways, BYE)',
    '',
    '| Rate asked | Calls | Answered | Completed | Failed | Audio both ways | INVITEs/s sent | Answered/s | INVITE -> 200 OK ms p50 / p95 / p99 / max | INVITE -> audio both ways ms p50 / p95 / p99 / max | Most up at once | Goal |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|',
    ...r.setup.map((x) => `| ${x.rate}/s | ${num(x.attempted)} | ${num(x.answered)} | ${num(x.completed)} | ${num(x.failed)} | ${num(x.withAudioBothWays)} | ` +
      `${x.offeredPerSec.toFixed(1)} | ${x.achievedPerSec.toFixed(1)} | ${lat(x.inviteTo200)} | ${lat(x.inviteToMediaUp)} | ${x.maxUp} | ${yes(meetsSetup(x))} |`),
    '',
    'Where the INVITE -> 200 OK time goes (ms, p50 / p95): the edge, the node\'s user agent and the first command (INVITE to `call.created`), ' +
      'the ACD (to `call.offer.made`), the bus and the ACD feed (to the offer seen by the call taker\'s console), the `call.answer` command, and its ' +
      'effect (the outbox, kicked when the answer commits, then the 200 OK through the edge).',
    '',
    '| Rate asked | To the call | To the offer | Offer seen | Answer command | Answer to 200 OK |',
    '|--:|--:|--:|--:|--:|--:|',
    ...r.setup.map((x) => `| ${x.rate}/s | ${[x.stages.toCreated, x.stages.toOffer, x.stages.offerSeen, x.stages.answerCommand, x.stages.answerTo200]
      .map((l) => `${ms(l.p50)} / ${ms(l.p95)}`).join(' | ')} |`),
    '',
    ...(c ? concurrentLines(c) : []),
    '### CPU (cores: 100% = one core busy; PostgreSQL and Redis include every client of those shared servers)',
    '',
    '| Part | Server (Node) | mediasoup workers | Kamailio | PostgreSQL / Redis | sipp / bench process | Machine (all cores; stolen: taken by the hypervisor) | Others (cores) | Event loop delay p99 / max ms | Server CPU per call |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...r.setup.map((x) => `| ${x.rate}/s setups | ${cpuCells(x.cpu, m.cores)} | ${ms(x.loopDelayMs.p99)} / ${ms(x.loopDelayMs.max)} | ` +
      `${ms((x.cpu.cores.server * x.cpu.seconds * 1000) / Math.max(1, x.attempted))} ms |`),
    ...(c ? [`| ${c.callsInWindow} calls talking | ${cpuCells(c.cpu, m.cores)} | ${ms(c.loopDelayMs.p99)} / ${ms(c.loopDelayMs.max)} | ` +
      `${core(c.cpu.cores.server / Math.max(1, c.callsInWindow))} of a core per call |`] : []),
    '',
    ...findings(r, m),
    '',
    `Method: one sipp per line (110, 119, 120, 12345 - four agencies' ACD queues), each from its own loopback address (127.0.1.1-4: the edge's pike ` +
      'flood protection bans an address after 300 requests in 2 s, which one address making 30 calls/s already reaches), running tests/sip/bench-call.xml: ' +
      `INVITE, 407, INVITE with digest, 100/180, 200, ACK, talk ${r.holdSec} s (setups) or until the window is over (concurrent), BYE. ` +
      'sipp only signals; each call\'s SDP names one of the bench\'s RTP phones (a UDP socket per call, PCMU every 20 ms to where the answer points, ' +
      'counting what comes back by sequence number). When the call taker\'s answer is acknowledged, a PlainTransport producer is put in the call\'s ' +
      'room for the call taker\'s microphone (as tests/sip/bridge.test.ts does; the bench sends its RTP), so the server\'s leg sends it on to the phone. ' +
      '"Audio both ways" means the room saw at least 10 of the phone\'s packets and the phone at least 10 of the room\'s. Latencies are wall-clock ' +
      'times taken by sipp (gettimeofday) and by the server (the first phone packet in the room, its events\' commit times) on the same clock. ' +
      'The packet counts of the two ends are read a few milliseconds apart (a packet in flight per call); the loss figures come from sequence numbers at ' +
      'the receiving end and do not depend on that. Call takers: one WebSocket each, ' +
      'ready, answering the ACD\'s offer at once; one console per agency follows the ACD feed (the fan-out of every queue event to every console is ' +
      'not in these figures). The server runs in its own process (tests/bench/calls-server.ts) with production settings (outbox poll 250 ms, ' +
      'a worker per core, 4 Kamailio children, recording off); CPU is /proc/<pid>/stat of each process group sampled every 0.5 s; loss is RFC 3550 ' +
      'expected minus received at the receiving end over the window. Not covered: browsers (WebRTC) in the call rooms, call recording, phones behind NAT.',
  ];
}

function rmemDefault(): string {
  try {
    return `${Math.round(Number(readFileSync('/proc/sys/net/core/rmem_default', 'utf8')) / 1024)} KiB here`;
  } catch {
    return 'unknown here';
  }
}

function concurrentLines(c: ConcurrentRow): string[] {
  return [
    `### Concurrent bridged calls (${c.target} set up, then one ${c.seconds.toFixed(0)} s window)`,
    '',
    '| Calls through the window (up at start / end) | Direction | Packets expected | Lost | Loss | Worst call | Sent / forwarded / received | Goal |',
    '|--:|---|--:|--:|--:|--:|--:|---|',
    `| ${c.callsInWindow} (${c.upAtStart} / ${c.upAtEnd}) | phone -> room | ${num(c.phoneToRoom.expected)} | ${num(c.phoneToRoom.lost)} | ${pct(lossOf(c.phoneToRoom))} | ` +
      `${pct(c.phoneToRoom.worstCallLossRatio)} | ${num(c.phoneToRoom.sentByPhones)} sent by the phones / ${num(c.phoneToRoom.seenInRoom)} seen in the rooms | ${yes(meetsConcurrent(c))} |`,
    `| | room -> phone | ${num(c.roomToPhone.expected)} | ${num(c.roomToPhone.lost)} | ${pct(lossOf(c.roomToPhone))} | ${pct(c.roomToPhone.worstCallLossRatio)} | ` +
      `${num(c.roomToPhone.sentByMics)} into the rooms / ${num(c.roomToPhone.sentByMediasoup)} sent by mediasoup / ${num(c.roomToPhone.receivedByPhones)} received | |`,
    '',
    `Where missing packets went: the kernel dropped ${num(c.dropped.atWorkers)} datagrams at the mediasoup workers' sockets of these calls for a full ` +
      `receive buffer (mediasoup 3.12 leaves it at net.core.rmem_default, ${rmemDefault()}) and ${num(c.dropped.atPhones)} at the bench's phone and ` +
      `microphone sockets (the bench reading late); the bench's own senders were too late for ${num(c.dropped.skippedByPhones)} phone and ` +
      `${num(c.dropped.skippedByMics)} microphone frames, which were not sent (they are not counted as loss; a burst of late frames is). Loss the ` +
      'kernel did not drop is where the worker or the server fell behind.',
    '',
    `Calls in the whole phase: ${c.attempted} attempted, ${c.completed} completed, ${c.failed} failed${c.failures.length ? ` (${c.failures.map((f) => `\`${f.slice(0, 120)}\``).join('; ')})` : ''}. ` +
      `Memory at the window's end: server ${mib(c.memory.serverRss)} RSS, mediasoup workers ${mib(c.memory.workersPss)} PSS, Kamailio ${mib(c.memory.kamailioPss)} PSS.`,
    '',
  ];
}

/** What the figures say: what limited a missed goal, where the CPU went, what the server logged. */
function findings(r: CallsBenchResult, m: Machine): string[] {
  const lines: string[] = [];
  for (const x of r.setup.filter((s) => !meetsSetup(s))) {
    lines.push(`- **${x.rate}/s missed:** ${x.failed} failed, ${x.attempted - x.withAudioBothWays} without audio both ways, ${x.achievedPerSec.toFixed(1)} answered/s` +
      `${x.failures.length ? `; first errors: ${x.failures.map((f) => `\`${f.slice(0, 240)}\``).join('; ')}` : ''}. ` +
      `Busy then: machine ${core(x.cpu.machine)} of ${m.cores} cores, server ${core(x.cpu.cores.server)} of one core, event loop p99 ${ms(x.loopDelayMs.p99)} ms.`);
  }
  const STAGE_NAMES: Record<keyof SetupRow['stages'], string> = {
    toCreated: 'the edge and the first command', toOffer: 'the ACD', offerSeen: 'the offer reaching the console',
    answerCommand: 'the answer command', answerTo200: 'the answer\'s effect to the 200 OK',
  };
  for (const x of r.setup.filter((s) => !meetsSetup(s))) {
    const [slowest, summary] = (Object.entries(x.stages) as [keyof SetupRow['stages'], LatencySummary][]).sort((a, b) => b[1].p50 - a[1].p50)[0]!;
    const saturated = x.cpu.machine >= 0.85;
    lines.push(`- **What limited ${x.rate}/s:** ${saturated ? `the machine's CPU (${core(x.cpu.machine)} of ${m.cores} cores busy): every part waits for a core, so every stage of the set-up stretches; the longest was` : 'the longest stage was'} ` +
      `${STAGE_NAMES[slowest]}, p50 ${ms(summary.p50)} of the ${ms(x.inviteTo200.p50)} ms to the 200 OK.`);
  }
  const top = r.setup.at(-1);
  if (top) {
    const perCall = (cores: number) => (cores * top.cpu.seconds * 1000) / Math.max(1, top.attempted);
    const parts = (Object.entries(top.cpu.cores) as [string, number][]).sort((a, b) => b[1] - a[1]).filter(([, v]) => v >= 0.01)
      .map(([g, v]) => `${g} ${ms(perCall(v))} ms`);
    const machine = perCall(top.cpu.machine * m.cores);
    lines.push(`- **Where the CPU goes at ${top.rate}/s**, per call: ${parts.join(', ')}; the whole machine ${ms(machine)} ms (the server: SIP parsing and ` +
      'transactions, five commands through the pipeline, bus messages, the call room and its transports over the worker channel, the phone\'s RTP tapped ' +
      `for media-up and RFC 4733 digits). At that cost the ${m.cores} cores can set up at most about ${num((m.cores * 1000) / machine)} calls per second, everything included.`);
  }
  lines.push('- **Fixed on the way** (each found and measured with this bench; 2026-12-02 it went from 17.9 answered/s with INVITE -> 200 OK ' +
    'p50 2.0 s at 20/s, and 15.1/s at 50/s, to the table above): sip.js 0.21.2 rebuilt its header parser\'s tables on every header (12-15 ms per ' +
    'INVITE; media/sip/sip-grammar.ts builds them once, and media/sip/sip-headers-fast.ts reads the plain headers without it: ~0.17 ms per INVITE); ' +
    'the ACD re-read and restored every open call of the agency at each event and again in each offer (it keeps the queues in memory now, checks ' +
    'an agent in the `parties` column, and offers a call in the command that creates it when someone is free); the outbox marked rows done one ' +
    'round trip each, behind one run at a time (a commit\'s effects now run as it commits); the command statement read the whole aggregates ' +
    'table for its version check (a misestimated jsonb_to_recordset join); each command re-read every aggregate it touched (the pipeline plans ' +
    'on what it remembers, checked at commit); a node parsed its own bus messages back from Redis; the live hub read the store for every ' +
    'out-of-order bus message; every call room made a conference mixer; the server now runs with a 64 MiB young generation.');
  if (r.serverLog.warnings + r.serverLog.errors > 0) {
    lines.push(`- **Server log:** ${r.serverLog.errors} errors and ${r.serverLog.warnings} warnings over the run (${r.serverLog.top.join('; ')}).`);
  } else {
    lines.push('- **Server log:** no warning or error over the run.');
  }
  return lines;
}

/** Replaces the calls section of `report` (or puts it before "## Method", or at the end). */
export function withCallsSection(report: string, lines: string[]): string {
  const text = lines.join('\n');
  const start = report.indexOf(`\n${CALLS_HEADING}`);
  if (start >= 0) {
    const next = report.indexOf('\n## ', start + 1);
    return `${report.slice(0, start)}\n${text}\n${next < 0 ? '' : report.slice(next)}`;
  }
  const at = report.indexOf('\n## Method');
  return at < 0 ? `${report.trimEnd()}\n\n${text}\n` : `${report.slice(0, at)}\n${text}\n${report.slice(at)}`;
}
