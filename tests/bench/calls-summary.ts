/**
 * The call bench's figures from what it saw: sipp's per-call times joined by Call-ID with the
 * server's media events and the phones' counters (setups), and two probes around one window
 * (concurrent calls): RTP loss each way by sequence numbers at the receiving end (mediasoup's
 * producer stats for phone → room, the phones for room → phone), counts at both ends, CPU.
 */
import type { SippGroupResult } from './calls-sipp';
import type { BenchCall, CallBenchRig, ServerProbe } from './calls-rig';
import type { Received } from './calls-phones';
import type { CpuWindow } from './calls-procs';
import { summarize, type LatencySummary } from './stats';

/** A call has audio both ways when each end got at least this many packets (0.2 s). */
const AUDIO_PACKETS = 10;

export interface SetupRow {
  rate: number;
  attempted: number;
  answered: number;
  completed: number;
  failed: number;
  withAudioBothWays: number;
  /** INVITEs per second as sipp sent them, and 200 OKs per second from the first 200 to the last. */
  offeredPerSec: number;
  achievedPerSec: number;
  /** From the first INVITE (before the digest challenge) to the 200 OK, and to audio flowing both ways. */
  inviteTo200: LatencySummary;
  inviteToMediaUp: LatencySummary;
  /**
   * Where the INVITE -> 200 OK time goes: to the call's creation (edge, user agent, first command), to the ACD's offer
   * committed, to the offer seen by the call taker (bus, feed), the answer command, and from its ack to the 200 OK (outbox, SIP).
   */
  stages: Record<'toCreated' | 'toOffer' | 'offerSeen' | 'answerCommand' | 'answerTo200', LatencySummary>;
  /** Over whole calls (setup and hang-up edges included): packets sent and seen at the other end. */
  audio: { phoneSent: number; seenInRoom: number; micSent: number; phoneReceived: number };
  maxUp: number;
  answersRefused: number;
  failures: string[];
  cpu: CpuWindow;
  loopDelayMs: ServerProbe['loopDelayMs'];
  serverRssBytes: number;
}

export interface Direction { expected: number; lost: number; worstCallLossRatio: number }

export interface ConcurrentRow {
  target: number;
  /** Calls up at the window's start and end, and those up through all of it (the figures below are theirs). */
  upAtStart: number;
  upAtEnd: number;
  callsInWindow: number;
  seconds: number;
  phoneToRoom: Direction & { sentByPhones: number; seenInRoom: number };
  roomToPhone: Direction & { sentByMics: number; sentByMediasoup: number; receivedByPhones: number };
  /** Where missing packets went: the kernel's drops at the worker's and the phones' sockets, frames the bench's senders were too late to send. */
  dropped: { atWorkers: number; atPhones: number; skippedByPhones: number; skippedByMics: number };
  cpu: CpuWindow;
  memory: { serverRss: number; workersPss: number; kamailioPss: number };
  loopDelayMs: ServerProbe['loopDelayMs'];
  attempted: number;
  completed: number;
  failed: number;
  failures: string[];
  cpuWholePhase: CpuWindow;
}

/** The window part of a concurrent row (the rest comes when sipp has finished). */
export type ConcurrentWindow = Omit<ConcurrentRow, 'attempted' | 'completed' | 'failed' | 'failures' | 'cpuWholePhase'>;

/** A rate the server sustained: no failed call, audio both ways on every call, calls answered as fast as they came. */
export const cleanSetup = (r: SetupRow) => r.failed === 0 && r.withAudioBothWays === r.attempted && r.achievedPerSec >= 0.95 * r.rate;

export function setupRow(rate: number, holdMs: number, sipp: SippGroupResult[], rig: CallBenchRig, cpu: CpuWindow, server: ServerProbe, timeline: Record<string, Record<string, number>>): SetupRow {
  const all = sipp.flatMap((g) => g.calls).filter((c) => Number.isFinite(c.inviteAt));
  const answered = all.filter((c) => c.answeredAt !== null);
  const bench = new Map([...rig.calls.values()].map((c) => [c.sipCallId, c]));
  const mediaUp: number[] = [];
  const stages = { toCreated: [] as number[], toOffer: [] as number[], offerSeen: [] as number[], answerCommand: [] as number[], answerTo200: [] as number[] };
  for (const c of all) {
    const b = bench.get(c.sipCallId);
    if (b?.roomHeardAt && b.phoneHeardAt) mediaUp.push(Math.max(b.roomHeardAt, b.phoneHeardAt) - c.inviteAt);
    const t = timeline[c.sipCallId];
    if (!b || !t || c.answeredAt === null || !t['call.created'] || !t['call.offer.made']) continue;
    stages.toCreated.push(t['call.created'] - c.inviteAt);
    stages.toOffer.push(t['call.offer.made'] - t['call.created']);
    stages.offerSeen.push(b.offeredSeenAt - t['call.offer.made']);
    stages.answerCommand.push(b.answeredAckAt - b.offeredSeenAt);
    stages.answerTo200.push(c.answeredAt - b.answeredAckAt);
  }
  const calls = [...rig.calls.values()];
  const invites = all.map((c) => c.inviteAt);
  const first = Math.min(...invites);
  const sum = (f: (c: BenchCall) => number) => calls.reduce((s, c) => s + f(c), 0);
  return {
    rate, attempted: all.length, answered: answered.length, completed: all.filter((c) => c.completed).length,
    failed: all.length - all.filter((c) => c.completed).length,
    withAudioBothWays: calls.filter((c) => c.fromPhone >= AUDIO_PACKETS && c.phoneReceived.packets >= AUDIO_PACKETS).length,
    offeredPerSec: all.length > 1 ? (all.length - 1) / ((Math.max(...invites) - first) / 1000) : NaN,
    achievedPerSec: answered.length > 1 ? (answered.length - 1) / ((Math.max(...answered.map((c) => c.answeredAt!)) - Math.min(...answered.map((c) => c.answeredAt!))) / 1000) : 0,
    inviteTo200: summarize(answered.map((c) => c.answeredAt! - c.inviteAt)),
    inviteToMediaUp: summarize(mediaUp),
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, summarize(v)])) as SetupRow['stages'],
    audio: { phoneSent: sum((c) => c.phoneSent), seenInRoom: sum((c) => c.fromPhone), micSent: sum((c) => c.micSent), phoneReceived: sum((c) => c.phoneReceived.packets) },
    maxUp: maxOverlap(answered.map((c) => c.answeredAt!), holdMs),
    answersRefused: rig.refusals.length,
    failures: [
      ...(all.some((c) => c.gaveUp) ? [`${all.filter((c) => c.gaveUp).length} callers hung up unanswered after 20 s in the queue`] : []),
      ...mergedErrors(sipp), ...calls.filter((c) => c.failure).map((c) => `bench: ${c.failure}`),
    ].slice(0, 6),
    cpu, loopDelayMs: server.loopDelayMs, serverRssBytes: server.rssBytes,
  };
}

/** The sipp groups' error kinds added up ("sipp: 3 x receive timeout"). */
export function mergedErrors(sipp: SippGroupResult[]): string[] {
  const kinds = new Map<string, number>();
  for (const e of sipp.flatMap((g) => g.errors)) {
    const m = /^sipp: (\d+) x (.*)$/.exec(e);
    if (m) kinds.set(m[2]!, (kinds.get(m[2]!) ?? 0) + Number(m[1]));
  }
  return [...kinds].map(([k, n]) => `sipp: ${n} x ${k}`);
}

/** Most calls answered and not yet hung up at once, from answer times and the hold. */
function maxOverlap(answeredAt: number[], holdMs: number): number {
  const sorted = [...answeredAt].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[j]! + holdMs < sorted[i]!) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

export interface Side {
  server: ServerProbe;
  calls: { c: BenchCall; sent: number; rx: Received | undefined; mic: number }[];
  dropped: ConcurrentRow['dropped'];
}

export function windowRow(target: number, a: Side, b: Side, cpu: CpuWindow, memory: ConcurrentRow['memory']): ConcurrentWindow {
  const before = new Map(a.calls.map((x) => [x.c.callId, x]));
  const p2r = { expected: 0, lost: 0, worstCallLossRatio: 0, sentByPhones: 0, seenInRoom: 0 };
  const r2p = { expected: 0, lost: 0, worstCallLossRatio: 0, sentByMics: 0, sentByMediasoup: 0, receivedByPhones: 0 };
  let inWindow = 0;
  for (const end of b.calls) {
    const start = before.get(end.c.callId);
    const legA = a.server.legs[end.c.callId];
    const legB = b.server.legs[end.c.callId];
    if (!start || !legA || !legB || !start.rx || !end.rx) continue;
    inWindow++;
    const lost = legB.producerLost - legA.producerLost;
    const expected = legB.producerPackets - legA.producerPackets + lost;
    p2r.expected += expected;
    p2r.lost += Math.max(0, lost);
    p2r.worstCallLossRatio = Math.max(p2r.worstCallLossRatio, expected > 0 ? Math.max(0, lost) / expected : 0);
    p2r.sentByPhones += end.sent - start.sent;
    p2r.seenInRoom += legB.fromPhone - legA.fromPhone;
    const rxExpected = end.rx.expected - start.rx.expected;
    const rxLost = Math.max(0, rxExpected - (end.rx.packets - start.rx.packets));
    r2p.expected += rxExpected;
    r2p.lost += rxLost;
    r2p.worstCallLossRatio = Math.max(r2p.worstCallLossRatio, rxExpected > 0 ? rxLost / rxExpected : 0);
    r2p.sentByMics += end.mic - start.mic;
    r2p.sentByMediasoup += legB.toPhone - legA.toPhone;
    r2p.receivedByPhones += end.rx.packets - start.rx.packets;
  }
  return {
    target, upAtStart: a.calls.length, upAtEnd: b.calls.length, callsInWindow: inWindow, seconds: (b.server.at - a.server.at) / 1000,
    phoneToRoom: p2r, roomToPhone: r2p, cpu, memory, loopDelayMs: b.server.loopDelayMs,
    dropped: {
      atWorkers: b.dropped.atWorkers - a.dropped.atWorkers, atPhones: b.dropped.atPhones - a.dropped.atPhones,
      skippedByPhones: b.dropped.skippedByPhones - a.dropped.skippedByPhones, skippedByMics: b.dropped.skippedByMics - a.dropped.skippedByMics,
    },
  };
}
