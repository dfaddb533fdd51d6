/**
 * The pool of mediasoup worker processes (C++, one per core by default). Rooms are placed on
 * the least-loaded worker. A worker that dies is logged and respawned in its slot with a
 * backoff that grows while it keeps dying; listeners hear `worker.died` at once (rooms on it
 * are gone) and `worker.replaced` when the slot has a live worker again.
 */
import { existsSync } from 'node:fs';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import type { Logger } from '../server/log';
import { MediaUnavailable } from '../server/errors';
import { GuardedEmitter } from './GuardedEmitter';

export interface WorkerPoolSettings {
  /** Worker processes to keep running. */
  size: number;
  /** UDP/TCP port range every worker's transports use. */
  rtcMinPort: number;
  rtcMaxPort: number;
  /** First respawn delay after a death, doubled per further death in a row. Default 100 ms. */
  respawnDelayMs?: number;
  /** Longest respawn delay. Default 30 s. */
  maxRespawnDelayMs?: number;
}

/** One slot of the pool and what its worker carries (for placement and metrics). */
export interface WorkerSlot {
  readonly index: number;
  readonly worker: ms.Worker;
  readonly spawnedAt: number;
  routers: number;
  readonly transports: Set<ms.Transport>;
  producers: number;
  consumers: number;
}

export type WorkerPoolEvents = {
  /** A worker died; its routers are closed. */
  'worker.died': [index: number, previous: ms.Worker, error: Error];
  /** A slot has a live worker again after a death. */
  'worker.replaced': [index: number, worker: ms.Worker, previous: ms.Worker];
};

/** A worker that lived this long before dying resets the backoff. */
const STABLE_AFTER_MS = 60_000;

export class WorkerPool extends GuardedEmitter<WorkerPoolEvents> {
  private readonly slots: (WorkerSlot | null)[];
  private readonly deathsInARow: number[];
  private readonly respawnTimers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Workers that died since start (a counter for metrics). */
  deaths = 0;

  private constructor(private readonly settings: WorkerPoolSettings, private readonly log: Logger) {
    super((err, event) => log.error({ err, event }, 'media worker pool listener failed'));
    this.slots = new Array<WorkerSlot | null>(settings.size).fill(null);
    this.deathsInARow = new Array<number>(settings.size).fill(0);
  }

  /** Path of the mediasoup-worker binary this process would run. */
  static get workerBin(): string {
    return mediasoup.workerBin;
  }

  /** Whether the worker binary is there (scripts/install-mediasoup.sh builds it). */
  static binaryPresent(): boolean {
    return existsSync(mediasoup.workerBin);
  }

  /** Spawns every worker; fails (and stops those started) if any cannot start. */
  static async start(settings: WorkerPoolSettings, log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(settings, log);
    try {
      for (let i = 0; i < settings.size; i++) await pool.spawn(i);
    } catch (err) {
      pool.close();
      throw err;
    }
    return pool;
  }

  /** Live workers, by slot. */
  get workers(): ms.Worker[] {
    return this.live().map((s) => s.worker);
  }

  /** Live slots with their load. */
  live(): WorkerSlot[] {
    return this.slots.filter((s): s is WorkerSlot => s !== null);
  }

  /** The live worker carrying the least (routers, transports, producers and consumers). */
  pick(): ms.Worker {
    let best: WorkerSlot | null = null;
    for (const slot of this.live()) if (!best || load(slot) < load(best)) best = slot;
    if (!best) throw new MediaUnavailable('no media worker is running; one is being restarted, retry shortly');
    return best.worker;
  }

  /** Stops every worker; no respawns after this. */
  close(): void {
    this.closed = true;
    for (const timer of this.respawnTimers) clearTimeout(timer);
    this.respawnTimers.clear();
    for (const slot of this.live()) slot.worker.close();
    this.slots.fill(null);
    this.removeAllListeners();
  }

  private async spawn(index: number): Promise<WorkerSlot> {
    const worker = await mediasoup.createWorker({
      logLevel: 'warn', rtcMinPort: this.settings.rtcMinPort, rtcMaxPort: this.settings.rtcMaxPort, appData: { index },
    });
    if (this.closed) {
      worker.close();
      throw new MediaUnavailable('media worker pool closed');
    }
    const slot: WorkerSlot = { index, worker, spawnedAt: Date.now(), routers: 0, transports: new Set(), producers: 0, consumers: 0 };
    track(slot);
    worker.on('died', (error) => this.onDied(slot, error));
    this.slots[index] = slot;
    this.log.info({ index, pid: worker.pid }, 'media worker started');
    return slot;
  }

  private onDied(slot: WorkerSlot, error: Error): void {
    if (this.closed || this.slots[slot.index] !== slot) return;
    this.slots[slot.index] = null;
    this.deaths++;
    const lived = Date.now() - slot.spawnedAt;
    this.deathsInARow[slot.index] = lived > STABLE_AFTER_MS ? 1 : (this.deathsInARow[slot.index] ?? 0) + 1;
    const delay = this.backoff(slot.index);
    this.log.error({ err: error, index: slot.index, pid: slot.worker.pid, livedMs: lived, respawnInMs: delay }, 'media worker died; respawning');
    this.emit('worker.died', slot.index, slot.worker, error);
    this.scheduleRespawn(slot.index, slot.worker, delay);
  }

  private backoff(index: number): number {
    const first = this.settings.respawnDelayMs ?? 100;
    const n = Math.max(1, this.deathsInARow[index] ?? 1);
    return Math.min(this.settings.maxRespawnDelayMs ?? 30_000, first * 2 ** (n - 1));
  }

  private scheduleRespawn(index: number, previous: ms.Worker, delay: number): void {
    const timer = setTimeout(() => {
      this.respawnTimers.delete(timer);
      if (this.closed) return;
      this.spawn(index).then(
        (slot) => this.emit('worker.replaced', index, slot.worker, previous),
        (err) => {
          if (this.closed) return;
          this.deathsInARow[index] = (this.deathsInARow[index] ?? 0) + 1;
          const next = this.backoff(index);
          this.log.error({ err, index, retryInMs: next }, 'media worker respawn failed; retrying');
          this.scheduleRespawn(index, previous, next);
        },
      );
    }, delay);
    this.respawnTimers.add(timer);
  }
}

function load(slot: WorkerSlot): number {
  return slot.routers + slot.transports.size + slot.producers + slot.consumers;
}

/** Counts what the worker carries from mediasoup's observer events (covers every transport kind). */
function track(slot: WorkerSlot): void {
  slot.worker.observer.on('newrouter', (router) => {
    slot.routers++;
    router.observer.once('close', () => void slot.routers--);
    router.observer.on('newtransport', (transport) => {
      slot.transports.add(transport);
      transport.observer.once('close', () => void slot.transports.delete(transport));
      transport.observer.on('newproducer', (producer) => {
        slot.producers++;
        producer.observer.once('close', () => void slot.producers--);
      });
      transport.observer.on('newconsumer', (consumer) => {
        slot.consumers++;
        consumer.observer.once('close', () => void slot.consumers--);
      });
    });
  });
}
