/**
 * `npm run simulate`: runs the demo city simulator from the environment until SIGINT or
 * SIGTERM, printing one JSON line per event on stdout.
 *
 * - BEACON_URL: server base URL (default http://127.0.0.1:8080)
 * - BEACON_PASSWORD: demo users' password (default beacon)
 * - SIM_SEED: PRNG seed (default 1)
 * - SIM_INCIDENT_EVERY_MS: time between new incidents (default 20000)
 * - SIM_TICK_MS: time between ticks (default 1000, at least 50)
 * - SIM_SPEED_FACTOR: multiplies vehicle speeds (default 1)
 */
import type { DemoCityOptions } from './demo-city';

interface Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

function number(env: NodeJS.ProcessEnv, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return n;
}

const line = (msg: string, data?: object) => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), msg, ...data })}\n`);

/** Builds the simulator from the environment and runs it; a bad variable exits with status 1. */
export function runFromEnvironment(create: (opts: DemoCityOptions) => Runnable, env: NodeJS.ProcessEnv = process.env): void {
  let sim: Runnable;
  try {
    sim = create({
      baseUrl: env.BEACON_URL || 'http://127.0.0.1:8080',
      password: env.BEACON_PASSWORD || 'beacon',
      seed: number(env, 'SIM_SEED', 1),
      incidentEveryMs: number(env, 'SIM_INCIDENT_EVERY_MS', 20_000),
      tickMs: Math.max(50, number(env, 'SIM_TICK_MS', 1000)),
      speedFactor: number(env, 'SIM_SPEED_FACTOR', 1) || 1,
      log: line,
    });
  } catch (err) {
    process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), msg: 'simulator not started', error: String(err) })}\n`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    line('signal', { signal });
    void sim.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  void sim.start();
}
