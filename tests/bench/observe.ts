/**
 * What the machine was doing during a measured window: CPU of this Node process, of the
 * PostgreSQL and Redis processes and of the whole machine (from /proc, Linux only), and what
 * the benchmark schema's PostgreSQL backends were waiting on (sampled pg_stat_activity).
 * Read-only: nothing here changes or stops another process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Sql } from '../../server/store/db';

const TICKS_PER_SEC = 100;

export interface CpuShare {
  /** Percent of one core used by this Node process. */
  node: number;
  /** Percent of one core used by all postgres processes (every client's, not only ours). */
  postgres: number | null;
  redis: number | null;
  /** Percent of the whole machine busy (all cores). */
  machine: number | null;
}

function machineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.slice(0, 8).reduce((s, x) => s + x, 0);
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** CPU ticks per process name of interest, per pid. */
function processTicks(): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>([['postgres', new Map()], ['redis-server', new Map()]]);
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const byPid = out.get(name);
      if (!byPid) continue;
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(Number(pid), Number(rest[11]) + Number(rest[12])); // utime + stime
    } catch {
      // the process ended between listing and reading
    }
  }
  return out;
}

/** Starts measuring; the returned function ends the window and reports the shares. */
export function startCpuWindow(): () => CpuShare {
  const wall0 = performance.now();
  const node0 = process.cpuUsage();
  const machine0 = machineTicks();
  const procs0 = processTicks();
  return () => {
    const seconds = (performance.now() - wall0) / 1000;
    const node1 = process.cpuUsage(node0);
    const machine1 = machineTicks();
    const procs1 = processTicks();
    const share = (name: string): number | null => {
      const before = procs0.get(name)!;
      const after = procs1.get(name)!;
      if (after.size === 0) return null;
      let ticks = 0;
      for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
      return (ticks / TICKS_PER_SEC / seconds) * 100;
    };
    return {
      node: ((node1.user + node1.system) / 1e6 / seconds) * 100,
      postgres: share('postgres'),
      redis: share('redis-server'),
      machine: machine0 && machine1 ? ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100 : null,
    };
  };
}

/**
 * Samples, every `everyMs`, the state and wait event of the benchmark's own PostgreSQL backends:
 * those seen holding a lock on a table of `schema` at least once (so other suites sharing the
 * server are left out). Connections idle outside a transaction are not counted. The returned
 * function stops sampling and gives the share of backend-samples per "state / wait event".
 */
export function sampleWaits(sql: Sql, schema: string, everyMs = 50): () => Promise<{ samples: number; shares: [string, number][] }> {
  const counts = new Map<string, number>();
  const ours = new Set<number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const rows = await sql<{ pid: number; what: string; locks: boolean }[]>`
        SELECT a.pid, coalesce(a.state, '?') || ' / ' || coalesce(a.wait_event_type || ':' || a.wait_event, 'on CPU') AS what,
          EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE l.pid = a.pid AND n.nspname = ${schema}) AS locks
        FROM pg_stat_activity a
        WHERE a.application_name = 'beacon' AND a.pid <> pg_backend_pid()`.catch(() => []);
      for (const r of rows) {
        if (r.locks) ours.add(r.pid);
        // Idle pool connections (outside any transaction) say nothing about a command's time.
        if (!ours.has(r.pid) || r.what.startsWith('idle / ')) continue;
        counts.set(r.what, (counts.get(r.what) ?? 0) + 1);
        samples++;
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    const shares = [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]): [string, number] => [k, (n / Math.max(1, samples)) * 100]);
    return { samples, shares };
  };
}
