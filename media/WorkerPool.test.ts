/**
 * The mediasoup worker pool with real worker processes: placement on the least-loaded worker,
 * and a worker killed in the middle of a shift coming back in its slot.
 */
import type { types as ms } from 'mediasoup';
import { loadConfig } from '../config/env';
import { createLogger } from '../server/log';
import { WorkerPool } from './WorkerPool';
import { until } from '../tests/support/until';

const config = loadConfig({});
const log = createLogger('silent', 'test');
const settings = { rtcMinPort: config.MEDIA_RTC_MIN_PORT, rtcMaxPort: config.MEDIA_RTC_MAX_PORT };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('rooms go to the least-loaded worker', async () => {
  const pool = await WorkerPool.start({ ...settings, size: 2 }, log);
  try {
    expect(pool.workers).toHaveLength(2);
    const first = pool.pick();
    await first.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] });
    const second = pool.pick();
    expect(second).not.toBe(first);
    const router = await second.createRouter();
    await router.createPlainTransport({ listenIp: '127.0.0.1' });
    // Worker 1 now carries a router and a transport, worker 0 a router only.
    expect(pool.pick()).toBe(first);
    expect(pool.live().map((s) => [s.routers, s.transports.size])).toEqual([[1, 0], [1, 1]]);
  } finally {
    pool.close();
  }
});

test('a killed worker is respawned in its slot; listeners hear of it and a failing listener harms no one', async () => {
  const pool = await WorkerPool.start({ ...settings, size: 1, respawnDelayMs: 50 }, log);
  try {
    const [victim] = pool.workers as [ms.Worker];
    const died: number[] = [];
    const replaced: { index: number; pid: number; previousPid: number }[] = [];
    pool.on('worker.died', () => {
      throw new Error('a careless subscriber');
    });
    pool.on('worker.died', (index) => died.push(index));
    pool.on('worker.replaced', (index, worker, previous) => replaced.push({ index, pid: worker.pid, previousPid: previous.pid }));

    process.kill(victim.pid, 'SIGKILL');
    await until('the dead worker to be replaced', () => replaced.length === 1);

    expect(died).toEqual([0]);
    expect(replaced[0]).toMatchObject({ index: 0, previousPid: victim.pid });
    expect(replaced[0]!.pid).not.toBe(victim.pid);
    expect(pool.workers.map((w) => w.pid)).toEqual([replaced[0]!.pid]);
    expect(pool.deaths).toBe(1);
    // The new worker works.
    const router = await pool.pick().createRouter();
    expect(router.closed).toBe(false);
  } finally {
    pool.close();
  }
});

test('closing the pool stops every worker process and respawns none', async () => {
  const pool = await WorkerPool.start({ ...settings, size: 2 }, log);
  const pids = pool.workers.map((w) => w.pid);
  expect(pids.every(alive)).toBe(true);
  pool.close();
  await until('every worker process to exit', () => !pids.some(alive));
  expect(pool.workers).toHaveLength(0);
  expect(() => pool.pick()).toThrow(/no media worker is running/);
});
