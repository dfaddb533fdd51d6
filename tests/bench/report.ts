/** Renders the benchmark results as BENCHMARKS.md: figures, goals, machine and what was seen. */
import { COMMAND_GOAL, meetsCommandGoal, type CommandRow, type CommandsResult } from './commands';
import { RECOMMEND_GOAL, type RecommendResult } from './recommend';
import type { FanoutResult } from './fanout';
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
export const yes = (met: boolean) => (met ? '**met**' : '**missed**');

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
