/**
 * `npm run bench`: runs every benchmark in turn against loopback servers (PostgreSQL, Redis,
 * in-process Beacon), prints progress to stderr and rewrites BENCHMARKS.md with the figures.
 * `npm run bench -- media` runs only the media bench and rewrites only its section, keeping
 * the others; `npm run bench -- calls` likewise for the phone-call bench. Exits non-zero when a bench could not run or a command failed; a missed goal is
 * reported, not an error.
 */
import os from 'node:os';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import { REAL_REDIS_URL } from '../support/env';
import { runCommandsBench } from './commands';
import { runRecommendBench } from './recommend';
import { runFanoutBench } from './fanout';
import { renderReport, type Machine, type Outcome } from './report';
import { mediaSection, withMediaSection } from './media-report';
import { runClientBench, withClientSection } from './client';
import { runMediaBench } from './media';
import { runCallsBench } from './calls';
import { callsSection, withCallsSection } from './calls-report';

const COMMAND = 'npm run bench';
const OUTPUT = join(__dirname, '..', '..', 'BENCHMARKS.md');
const startedAt = performance.now();

function progress(line: string): void {
  process.stderr.write(`[bench +${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
}

async function redisVersion(): Promise<string> {
  const redis = createClient({ url: REAL_REDIS_URL });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.info('server');
    await redis.close();
    return `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}`;
  } catch (err) {
    return `Redis unavailable (${String(err)})`;
  }
}

/**
 * How fast one core of this machine is right now: the best of three runs of a fixed workload
 * of what the server does most (JSON and SHA-256 of event-sized objects), in ms. Machines of one
 * kind differ (the same bench has given twice the CPU per call on another day), so each report
 * says how fast its machine was.
 */
function coreSpeedMs(): number {
  const event = { type: 'call.answered', payload: { agentId: 'u-123', username: 'calltaker.1' }, view: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, `value ${i}`])) };
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) createHash('sha256').update(JSON.stringify(JSON.parse(JSON.stringify({ ...event, i })))).digest('hex');
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

async function machine(withRedis = true): Promise<Machine> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cores: cpus.length,
    cpu: `${cpus.length} x ${cpus[0]?.model.trim() ?? 'unknown CPU'} (one core ran the speed check, 20,000 JSON round trips and SHA-256 of an event, in ${coreSpeedMs().toFixed(0)} ms; lower is faster)`,
    os: `${os.type()} ${os.release()} ${os.arch()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
    node: process.version,
    loadAvg: os.loadavg().map((l) => l.toFixed(2)).join(' / '),
    redis: withRedis ? await redisVersion() : 'Redis not used',
  };
}

async function attempt<T>(name: string, run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    progress(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

async function main(): Promise<number> {
  const host = await machine();
  progress(`${host.cpu}, node ${host.node}, load ${host.loadAvg}`);
  const commands = await attempt('commands', () => runCommandsBench(progress));
  const recommend = await attempt('recommend', () => runRecommendBench(progress));
  const fanout = await attempt('fanout', () => runFanoutBench(progress));
  const media = await attempt('media', () => runMediaBench(progress));
  const calls = await attempt('calls', () => runCallsBench(progress));
  // The browser console last: Chromium shares the cores and would disturb the server benches.
  const client = await attempt('client', () => runClientBench(progress));
  const report = withClientSection(renderReport({ command: COMMAND, machine: host, commands, recommend, fanout }), client);
  writeFileSync(OUTPUT, withCallsSection(withMediaSection(report, mediaSection(media, COMMAND, host)), callsSection(calls, COMMAND, host)));
  progress(`wrote ${OUTPUT}`);
  const failedCommands = commands.ok ? commands.value.rows.reduce((s, r) => s + r.failures, 0) : 0;
  return [commands, recommend, fanout, media, calls, client].every((o) => o.ok) && failedCommands === 0 ? 0 : 1;
}

/** The media bench alone: only its section of BENCHMARKS.md changes. */
async function mainMediaOnly(): Promise<number> {
  const host = await machine(false);
  progress(`${host.cpu}, node ${host.node}, load ${host.loadAvg}`);
  const media = await attempt('media', () => runMediaBench(progress));
  const existing = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '# Benchmarks\n';
  writeFileSync(OUTPUT, withMediaSection(existing, mediaSection(media, `${COMMAND} -- media`, host)));
  progress(`wrote the media section of ${OUTPUT}`);
  return media.ok ? 0 : 1;
}

/** The phone-call bench alone: only its section of BENCHMARKS.md changes. */
async function mainCallsOnly(): Promise<number> {
  const host = await machine();
  progress(`${host.cpu}, node ${host.node}, load ${host.loadAvg}`);
  const calls = await attempt('calls', () => runCallsBench(progress));
  const existing = existsSync(OUTPUT) ? readFileSync(OUTPUT, 'utf8') : '# Benchmarks\n';
  writeFileSync(OUTPUT, withCallsSection(existing, callsSection(calls, `${COMMAND} -- calls`, host)));
  progress(`wrote the calls section of ${OUTPUT}`);
  return calls.ok ? 0 : 1;
}

const only = process.argv[2];
if (only !== undefined && only !== 'media' && only !== 'calls') {
  progress(`unknown bench "${only}": run all with \`${COMMAND}\`, or one with \`${COMMAND} -- media\` or \`${COMMAND} -- calls\``);
  process.exit(2);
}

(only === 'media' ? mainMediaOnly() : only === 'calls' ? mainCallsOnly() : main()).then(
  (code) => process.exit(code),
  (err) => {
    progress(`bench crashed: ${String(err)}`);
    process.exit(1);
  },
);
