/**
 * Prometheus metrics of the media plane, per worker (label `worker` = pool slot, `pid`):
 * CPU share (user + system time from getrusage, as a delta between scrapes), routers,
 * transports, producers, consumers, and receive / send bitrate summed over the worker's
 * transports (`transport.getStats()`). Sampled once per scrape, on demand.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MediaService } from './MediaService';
import type { WorkerSlot } from './WorkerPool';

interface WorkerSample {
  labels: { worker: string; pid: string };
  cpuRatio: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
  recvBps: number;
  sendBps: number;
}

/** Samples younger than this are reused (one scrape reads every gauge). */
const SAMPLE_TTL_MS = 500;

/** Registers the media gauges on the server's registry. */
export function registerMediaMetrics(registry: Registry, media: MediaService): void {
  const cpuBaseline = new Map<number, { cpuMs: number; at: number }>();
  let cached: { at: number; samples: Promise<WorkerSample[]> } | null = null;

  const sampleSlot = async (slot: WorkerSlot): Promise<WorkerSample> => {
    const pid = slot.worker.pid;
    const now = Date.now();
    let cpuRatio = 0;
    try {
      const usage = await slot.worker.getResourceUsage();
      const cpuMs = usage.ru_utime + usage.ru_stime;
      const before = cpuBaseline.get(pid) ?? { cpuMs: 0, at: slot.spawnedAt };
      if (now > before.at) cpuRatio = Math.max(0, (cpuMs - before.cpuMs) / (now - before.at));
      cpuBaseline.set(pid, { cpuMs, at: now });
    } catch {
      // The worker is dying; its slot will be gone at the next scrape.
    }
    let recvBps = 0;
    let sendBps = 0;
    await Promise.all([...slot.transports].map(async (t) => {
      try {
        for (const s of await t.getStats()) {
          recvBps += s.recvBitrate ?? 0;
          sendBps += s.sendBitrate ?? 0;
        }
      } catch {
        // Closed while sampling.
      }
    }));
    return {
      labels: { worker: String(slot.index), pid: String(pid) }, cpuRatio, routers: slot.routers,
      transports: slot.transports.size, producers: slot.producers, consumers: slot.consumers, recvBps, sendBps,
    };
  };

  const sample = (): Promise<WorkerSample[]> => {
    const now = Date.now();
    if (!cached || now - cached.at > SAMPLE_TTL_MS) {
      const slots = media.pool?.live() ?? [];
      const livePids = new Set(slots.map((s) => s.worker.pid));
      for (const pid of cpuBaseline.keys()) if (!livePids.has(pid)) cpuBaseline.delete(pid);
      cached = { at: now, samples: Promise.all(slots.map(sampleSlot)) };
    }
    return cached.samples;
  };

  const perWorker = (name: string, help: string, pick: (s: WorkerSample) => number) =>
    new Gauge({
      name, help, labelNames: ['worker', 'pid'], registers: [registry],
      async collect() {
        this.reset();
        for (const s of await sample()) this.set(s.labels, pick(s));
      },
    });

  perWorker('beacon_media_worker_cpu_ratio', 'mediasoup worker CPU use (user + system) as a share of one core since the last scrape', (s) => s.cpuRatio);
  perWorker('beacon_media_worker_routers', 'Routers (rooms) on the mediasoup worker', (s) => s.routers);
  perWorker('beacon_media_worker_transports', 'Transports on the mediasoup worker', (s) => s.transports);
  perWorker('beacon_media_worker_producers', 'Producers on the mediasoup worker', (s) => s.producers);
  perWorker('beacon_media_worker_consumers', 'Consumers on the mediasoup worker', (s) => s.consumers);
  perWorker('beacon_media_worker_recv_bitrate_bps', 'Bits per second received by the worker\'s transports', (s) => s.recvBps);
  perWorker('beacon_media_worker_send_bitrate_bps', 'Bits per second sent by the worker\'s transports', (s) => s.sendBps);

  new Gauge({
    name: 'beacon_media_workers', help: 'Running mediasoup workers (0: media unavailable)', registers: [registry],
    collect() {
      this.set(media.pool?.live().length ?? 0);
    },
  });
  new Gauge({
    name: 'beacon_media_rooms', help: 'Open media rooms on this node', registers: [registry],
    collect() {
      this.set(media.allRooms().length);
    },
  });
  new Gauge({
    name: 'beacon_media_recordings_active', help: 'Body-camera recordings being written on this node', registers: [registry],
    collect() {
      this.set(media.recorder?.activeCount ?? 0);
    },
  });
  new Gauge({
    name: 'beacon_media_recordings', help: 'Recordings since start, by outcome (started, stored, failed)', labelNames: ['outcome'], registers: [registry],
    collect() {
      for (const [outcome, n] of Object.entries(media.recorder?.totals ?? { started: 0, stored: 0, failed: 0 })) this.set({ outcome }, n);
    },
  });
  const deaths = new Counter({ name: 'beacon_media_worker_deaths_total', help: 'mediasoup workers that died (and were respawned)', registers: [registry] });
  media.pool?.on('worker.died', () => deaths.inc());
}
