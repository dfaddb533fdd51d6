/**
 * The live hub: per-node fan-out of committed events to subscribed sessions, in feed sequence
 * order with no silent gaps. A subscriber that sees a gap (bus messages from several nodes
 * can arrive out of order, or be lost) fills it from the store before going on; a resuming
 * client gets exactly what it missed, or a fresh snapshot when it missed too much.
 */
import type { Actor, BusMessage, FeedEvent, ServerFrame } from '../protocol';
import type { Bus } from '../bus/bus';
import type { Logger } from '../log';
import type { ReadModel } from '../read/queries';

/** A connected client as the hub sees it. */
export interface LiveSession {
  readonly id: string;
  readonly actor: Actor;
  send(frame: ServerFrame): void;
}

class Subscription {
  next = 1;
  ready = false;
  pending = new Map<number, FeedEvent>();
  catchingUp = false;
  /** A gap waiting a moment for its events to come by the bus before the store is read. */
  gapTimer: NodeJS.Timeout | null = null;
  constructor(readonly session: LiveSession, readonly feed: string) {}
}

/** How long a gap in a feed may stay open before the hub reads the missing events from the store. */
const GAP_WAIT_MS = 50;

export interface HubMetrics {
  delivered(n: number): void;
  gapFilled(): void;
}

export class LiveHub {
  private readonly byFeed = new Map<string, Set<Subscription>>();
  private readonly bySession = new Map<string, Map<string, Subscription>>();
  private readonly unitSessions = new Map<string, Set<LiveSession>>();
  private unsubscribers: (() => Promise<void>)[] = [];

  constructor(private readonly bus: Bus, private readonly read: ReadModel, private readonly log: Logger, private readonly metrics: HubMetrics) {}

  async start(): Promise<void> {
    this.unsubscribers = await Promise.all([
      this.bus.subscribe('events', (m) => this.onEvent(m)),
      this.bus.subscribe('positions', (m) => this.onPositions(m)),
      this.bus.subscribe('notifications', (m) => this.onNotification(m)),
    ]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.unsubscribers.map((u) => u()));
  }

  addSession(session: LiveSession): void {
    this.bySession.set(session.id, new Map());
    if (session.actor.unitId) {
      let set = this.unitSessions.get(session.actor.unitId);
      if (!set) this.unitSessions.set(session.actor.unitId, (set = new Set()));
      set.add(session);
    }
  }

  removeSession(session: LiveSession): void {
    for (const sub of this.bySession.get(session.id)?.values() ?? []) this.drop(sub);
    this.bySession.delete(session.id);
    if (session.actor.unitId) this.unitSessions.get(session.actor.unitId)?.delete(session);
  }

  /** Subscribes (authorization checked by the caller) and sends the snapshot or the missed events. */
  async subscribe(session: LiveSession, feed: string, afterSeq?: number): Promise<void> {
    const subs = this.bySession.get(session.id);
    if (!subs) return;
    const old = subs.get(feed);
    if (old) this.drop(old);
    const sub = new Subscription(session, feed);
    subs.set(feed, sub);
    let set = this.byFeed.get(feed);
    if (!set) this.byFeed.set(feed, (set = new Set()));
    set.add(sub); // Live events buffer in `pending` while the history is read.
    const missed = afterSeq === undefined ? null : await this.read.missed(feed, afterSeq);
    if (missed) {
      sub.next = afterSeq! + 1;
      session.send({ type: 'subscribed', feed, seq: afterSeq! + missed.length, mode: 'resume' });
      for (const m of missed) this.deliver(sub, m.seq, m.event);
    } else {
      const snap = await this.read.snapshot(session.actor, feed);
      session.send({ type: 'subscribed', feed, seq: snap.seq, mode: 'snapshot' });
      session.send({ type: 'feed.snapshot', feed, seq: snap.seq, items: snap.items });
      sub.next = snap.seq + 1;
    }
    sub.ready = true;
    this.drain(sub);
  }

  unsubscribe(session: LiveSession, feed: string): void {
    const sub = this.bySession.get(session.id)?.get(feed);
    if (sub) this.drop(sub);
    this.bySession.get(session.id)?.delete(feed);
  }

  private drop(sub: Subscription): void {
    this.byFeed.get(sub.feed)?.delete(sub);
    if (sub.gapTimer) clearTimeout(sub.gapTimer);
    sub.gapTimer = null;
  }

  private onEvent(message: BusMessage): void {
    if (message.type !== 'event.committed') return;
    for (const { feed, seq } of message.feeds) {
      for (const sub of this.byFeed.get(feed) ?? []) this.offer(sub, seq, message.event);
    }
  }

  private offer(sub: Subscription, seq: number, event: FeedEvent): void {
    if (seq < sub.next) return;
    sub.pending.set(seq, event);
    if (!sub.ready || sub.catchingUp) return;
    this.drain(sub);
    if (sub.pending.size === 0 || sub.gapTimer) return;
    // Commits of one feed finish in sequence order but their bus messages need not arrive in
    // it (one node publishes each as its own commit returns): most gaps close by themselves
    // within milliseconds. Only one still open after GAP_WAIT_MS is read from the store.
    sub.gapTimer = setTimeout(() => {
      sub.gapTimer = null;
      if (sub.pending.size > 0 && !sub.catchingUp) void this.catchUp(sub);
    }, GAP_WAIT_MS);
  }

  private drain(sub: Subscription): void {
    for (const seq of [...sub.pending.keys()].sort((a, b) => a - b)) if (seq < sub.next) sub.pending.delete(seq);
    let event = sub.pending.get(sub.next);
    while (event) {
      sub.pending.delete(sub.next);
      this.deliver(sub, sub.next, event);
      event = sub.pending.get(sub.next);
    }
  }

  /** Reads the gap from the store; committed before published, so it is there. */
  private async catchUp(sub: Subscription): Promise<void> {
    sub.catchingUp = true;
    try {
      while (sub.pending.size > 0 && this.byFeed.get(sub.feed)?.has(sub)) {
        const missed = await this.read.missed(sub.feed, sub.next - 1);
        if (missed === null) {
          // Too far behind: start the subscriber over from a snapshot.
          sub.pending.clear();
          sub.ready = false;
          await this.subscribe(sub.session, sub.feed);
          return;
        }
        if (missed.length === 0) break;
        this.metrics.gapFilled();
        for (const m of missed) if (m.seq === sub.next) this.deliver(sub, m.seq, m.event);
        this.drain(sub);
      }
    } catch (err) {
      this.log.warn({ err, feed: sub.feed }, 'gap fill failed; the client will resume on reconnect');
    } finally {
      sub.catchingUp = false;
    }
  }

  private deliver(sub: Subscription, seq: number, event: FeedEvent): void {
    sub.next = seq + 1;
    if (this.read.visible(sub.session.actor, sub.feed, event)) sub.session.send({ type: 'feed.event', feed: sub.feed, seq, event });
    else sub.session.send({ type: 'feed.filtered', feed: sub.feed, seq });
    this.metrics.delivered(1);
  }

  private onPositions(message: BusMessage): void {
    if (message.type !== 'unit.positions') return;
    const byDistrict = new Map<string, typeof message.positions>();
    for (const p of message.positions) {
      if (!p.districtId) continue;
      byDistrict.set(p.districtId, [...(byDistrict.get(p.districtId) ?? []), p]);
    }
    for (const [district, positions] of byDistrict) {
      const feed = `units:${district}`;
      const plain = positions.map(({ districtId: _d, ...p }) => p);
      for (const sub of this.byFeed.get(feed) ?? []) {
        if (sub.ready) sub.session.send({ type: 'unit.positions', feed, positions: plain });
      }
    }
  }

  private onNotification(message: BusMessage): void {
    if (message.type !== 'unit.notification') return;
    for (const s of this.unitSessions.get(message.unitId) ?? []) {
      s.send({ type: 'unit.notification', unitId: message.unitId, incidentId: message.incidentId, kind: message.kind, at: message.at });
    }
  }
}

