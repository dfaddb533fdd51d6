/**
 * Durable commands per second: a fixed number of dispatchers (one command in flight each)
 * drive the real command pipeline for a fixed time, in-process through `services.execute` and
 * over the HTTP API, on PostgreSQL (with Redis) and on embedded PGlite. Only acknowledged
 * (committed) commands count; any refusal is a failure of the benchmark.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createApp, type App } from '../../server/app';
import type { Actor, Command } from '../../server/protocol';
import { testConfig, REAL_DATABASE_URL } from '../support/env';
import { between, pick, sleep, summarize, type LatencySummary } from './stats';
import { sampleWaits, startCpuWindow, type CpuShare } from './observe';
import { cleanUpServer } from './teardown';

export const COMMAND_GOAL = { perSec: 1000, p99Ms: 50 };
const WARMUP_MS = 2000;
const MEASURE_MS = 10_000;
/** Incident type each agency's dispatcher opens (all have response plans). */
const INCIDENT_TYPE: Record<string, string> = { police: 'theft', fire: 'vehicle-fire', ems: 'injury', city: 'road-damage' };
const AGENCIES = Object.keys(INCIDENT_TYPE);

export interface CommandRow {
  backend: 'PostgreSQL' | 'PGlite';
  path: 'in-process' | 'HTTP';
  concurrency: number;
  seconds: number;
  acked: number;
  perSec: number;
  latency: LatencySummary;
  failures: number;
  failureKinds: Record<string, number>;
  mix: Record<string, number>;
  /** Incidents created during the whole row, warm-up included (ids share one namespace per server). */
  created: number;
  cpu: CpuShare;
  /** PostgreSQL only: share of sampled backend states of this benchmark's connections. */
  waits: [string, number][];
}

export interface CommandsResult {
  rows: CommandRow[];
  database: string;
}

/** One simulated dispatcher: its incidents (and their current priority) feed later commands. */
interface Dispatcher {
  actor: Actor;
  token: string;
  incidents: { id: string; priority: number }[];
}

type Send = (d: Dispatcher, cmd: Command) => Promise<{ createdId: string | null }>;

/** 60% new incidents, 25% notes and 15% re-grades (3 <-> 4, so no dispatch timer fires mid-run). */
function nextCommand(d: Dispatcher): Command {
  const commandId = randomUUID().replaceAll('-', '');
  const r = Math.random();
  if (d.incidents.length === 0 || r < 0.6) {
    return {
      type: 'incident.create', commandId, incidentType: INCIDENT_TYPE[d.actor.agencyId!]!, priority: pick([3, 4]),
      location: { lat: between(30.22, 30.30), lon: between(120.10, 120.22) }, description: 'benchmark call: caller reports a problem',
    };
  }
  const incident = pick(d.incidents);
  if (r < 0.85) return { type: 'incident.note', commandId, incidentId: incident.id, text: 'benchmark note: caller called back' };
  return { type: 'incident.priority', commandId, incidentId: incident.id, priority: incident.priority === 3 ? 4 : 3, reason: 'benchmark re-grade' };
}

function remember(d: Dispatcher, cmd: Command, createdId: string | null): void {
  if (cmd.type === 'incident.create' && createdId) {
    d.incidents.push({ id: createdId, priority: cmd.priority });
    if (d.incidents.length > 64) d.incidents.shift();
  } else if (cmd.type === 'incident.priority') {
    const incident = d.incidents.find((i) => i.id === cmd.incidentId);
    if (incident) incident.priority = cmd.priority;
  }
}

function dispatchers(app: App, count: number): Dispatcher[] {
  return Array.from({ length: count }, (_, i) => {
    const actor = app.users.find(`dispatcher.${AGENCIES[i % AGENCIES.length]}`);
    if (!actor) throw new Error(`no demo dispatcher for ${AGENCIES[i % AGENCIES.length]}`);
    return { actor, token: app.tokens.issue(actor).token, incidents: [] };
  });
}

function failureKey(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `${e.code ?? 'error'}: ${String(e.message ?? err).slice(0, 120)}`;
}

/** Closed loop: each dispatcher sends its next command when the previous one is answered. */
async function drive(
  label: string, crew: Dispatcher[], send: Send, progress: (line: string) => void,
  observeWaits?: () => () => Promise<{ shares: [string, number][] }>,
): Promise<Omit<CommandRow, 'backend' | 'path'>> {
  const latencies: number[] = [];
  const mix: Record<string, number> = {};
  const failureKinds: Record<string, number> = {};
  let failures = 0;
  let created = 0;
  const from = performance.now() + WARMUP_MS;
  const until = from + MEASURE_MS;
  progress(`${label}: ${crew.length} in flight, warming up ${WARMUP_MS / 1000} s`);
  const observed = sleep(WARMUP_MS).then(async () => {
    progress(`${label}: measuring ${MEASURE_MS / 1000} s`);
    const endCpu = startCpuWindow();
    const endWaits = observeWaits?.();
    await sleep(until - performance.now());
    const cpu = endCpu();
    return { cpu, waits: endWaits ? (await endWaits()).shares : [] };
  });
  await Promise.all(crew.map(async (d) => {
    while (performance.now() < until && failures < 1000) {
      const cmd = nextCommand(d);
      const started = performance.now();
      try {
        const result = await send(d, cmd);
        const done = performance.now();
        remember(d, cmd, result.createdId);
        if (result.createdId) created++;
        if (done >= from && done <= until) {
          latencies.push(done - started);
          mix[cmd.type] = (mix[cmd.type] ?? 0) + 1;
        }
      } catch (err) {
        failures++;
        failureKinds[failureKey(err)] = (failureKinds[failureKey(err)] ?? 0) + 1;
      }
    }
  }));
  const { cpu, waits } = await observed;
  const latency = summarize(latencies);
  const perSec = latencies.length / (MEASURE_MS / 1000);
  progress(`${label}: ${Math.round(perSec)}/s, p99 ${latency.p99.toFixed(1)} ms, ${failures} failures`);
  return { concurrency: crew.length, seconds: MEASURE_MS / 1000, acked: latencies.length, perSec, latency, failures, failureKinds, mix, created, cpu, waits };
}

/** POST /api/v1/commands over keep-alive loopback connections. */
function httpSender(port: number, sockets: number): { send: Send; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const send: Send = (d, cmd) => new Promise((resolve, reject) => {
    const body = JSON.stringify(cmd);
    const req = http.request({
      host: '127.0.0.1', port, path: '/api/v1/commands', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${d.token}` },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(Object.assign(new Error(text.slice(0, 200)), { code: `HTTP ${res.statusCode}` }));
        else resolve(JSON.parse(text) as { createdId: string | null });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  return { send, close: () => agent.destroy() };
}

async function databaseInfo(): Promise<string> {
  const sql = postgres(REAL_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ version: string; sc: string; fsync: string; sb: string }[]>`
      SELECT split_part(version(), ' on ', 1) AS version, current_setting('synchronous_commit') AS sc,
        current_setting('fsync') AS fsync, current_setting('shared_buffers') AS sb`;
    return `${row!.version} (synchronous_commit=${row!.sc}, fsync=${row!.fsync}, shared_buffers=${row!.sb})`;
  } finally {
    await sql.end();
  }
}

async function postgresRows(progress: (line: string) => void): Promise<CommandRow[]> {
  const config = testConfig('postgres', { LOG_LEVEL: 'silent', DATABASE_POOL: '16' });
  const observer = postgres(REAL_DATABASE_URL, { max: 1, onnotice: () => {} });
  const waits = () => sampleWaits(observer, config.DATABASE_SCHEMA);
  progress(`commands: starting a PostgreSQL + Redis server (schema ${config.DATABASE_SCHEMA})`);
  const app = await createApp({ config, runWorkers: true });
  const rows: CommandRow[] = [];
  try {
    const { port } = await app.start();
    const inProcess: Send = (d, cmd) => app.services.execute(d.actor, cmd);
    for (const concurrency of [8, 32]) {
      const row = await drive(`PostgreSQL in-process x${concurrency}`, dispatchers(app, concurrency), inProcess, progress, waits);
      rows.push({ backend: 'PostgreSQL', path: 'in-process', ...row });
    }
    const api = httpSender(port, 16);
    try {
      const row = await drive('PostgreSQL HTTP x16', dispatchers(app, 16), api.send, progress, waits);
      rows.push({ backend: 'PostgreSQL', path: 'HTTP', ...row });
    } finally {
      api.close();
    }
  } finally {
    await app.stop();
    await observer.end();
    await cleanUpServer(config);
  }
  return rows;
}

async function pgliteRows(progress: (line: string) => void): Promise<CommandRow[]> {
  const config = testConfig('pglite', { LOG_LEVEL: 'silent' });
  progress(`commands: starting an embedded PGlite server (${config.DATA_DIR})`);
  const app = await createApp({ config, runWorkers: true });
  try {
    await app.start();
    const row = await drive('PGlite in-process x8', dispatchers(app, 8), (d, cmd) => app.services.execute(d.actor, cmd), progress);
    return [{ backend: 'PGlite', path: 'in-process', ...row }];
  } finally {
    await app.stop();
    await cleanUpServer(config);
  }
}

/** Whether a PostgreSQL row meets the goal (>= 1,000 commands/s with p99 <= 50 ms, no failures). */
export function meetsCommandGoal(row: CommandRow): boolean {
  return row.failures === 0 && row.perSec >= COMMAND_GOAL.perSec && row.latency.p99 <= COMMAND_GOAL.p99Ms;
}

export async function runCommandsBench(progress: (line: string) => void): Promise<CommandsResult> {
  const database = await databaseInfo();
  const rows = [...(await postgresRows(progress)), ...(await pgliteRows(progress))];
  return { rows, database };
}
