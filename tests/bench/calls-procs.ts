/**
 * CPU and memory of the processes a call costs, from /proc (Linux): the server's Node process,
 * its mediasoup workers, Kamailio (every process of its group: the edge runs in its own process
 * group), the sipp callers, this bench process, and the PostgreSQL and Redis servers (every
 * client's, not only ours: say so where shown). Sampled twice a second, so processes that start
 * or end inside a window (sipp) still count; read-only.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100;
const PAGE = 4096;

export interface ProcessSets {
  server: number;
  workers: number[];
  /** Kamailio's main pid, which is its process group id. */
  kamailio: number | null;
}

export type Group = 'server' | 'workers' | 'kamailio' | 'sipp' | 'bench' | 'postgres' | 'redis';
export const GROUPS: Group[] = ['server', 'workers', 'kamailio', 'sipp', 'bench', 'postgres', 'redis'];

/** Cores used on average over the window (1 = one core fully busy), per group and for the whole machine (all cores). */
export interface CpuWindow {
  seconds: number;
  cores: Record<Group, number>;
  /** Busy share of all cores (0..1), steal included. */
  machine: number;
  /** Share of all cores the hypervisor took for other machines (0..1): a shared host's noise. */
  steal: number;
}

interface Stat { comm: string; ppid: number; pgrp: number; ticks: number; rssBytes: number }

function readStat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ppid: Number(rest[1]), pgrp: Number(rest[2]), ticks: Number(rest[11]) + Number(rest[12]), rssBytes: Number(rest[21]) * PAGE };
  } catch {
    return null; // ended between listing and reading
  }
}

/** Machine ticks: busy counts steal (time the hypervisor gave this VM's cores to others), also given apart. */
function machineTicks(): { busy: number; steal: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((s, x) => s + x, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), steal: f[7] ?? 0, total };
}

/** Proportional set size (shared pages split between the processes sharing them), bytes; RSS if unreadable. */
function pss(pid: number, rssBytes: number): number {
  try {
    const kb = /Pss:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : rssBytes;
  } catch {
    return rssBytes;
  }
}

export class ProcessWatch {
  private readonly first = new Map<number, { group: Group; ticks: number }>();
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private machine0 = { busy: 0, steal: 0, total: 0 };

  constructor(private readonly sets: ProcessSets) {}

  private groupOf(pid: number, s: Stat): Group | null {
    if (pid === this.sets.server) return 'server';
    if (this.sets.workers.includes(pid)) return 'workers';
    if (this.sets.kamailio !== null && s.pgrp === this.sets.kamailio) return 'kamailio';
    if (pid === process.pid) return 'bench';
    if (s.comm === 'sipp' && s.ppid === process.pid) return 'sipp';
    if (s.comm === 'postgres') return 'postgres';
    if (s.comm === 'redis-server') return 'redis';
    return null;
  }

  private sample(): Map<number, { group: Group; stat: Stat }> {
    const seen = new Map<number, { group: Group; stat: Stat }>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      const stat = readStat(pid);
      const group = stat ? this.groupOf(pid, stat) : null;
      if (!stat || !group) continue;
      seen.set(pid, { group, stat });
      if (!this.first.has(pid)) this.first.set(pid, { group, ticks: stat.ticks });
      this.last.set(pid, stat.ticks);
    }
    return seen;
  }

  start(): void {
    this.first.clear();
    this.last.clear();
    this.startedAt = performance.now();
    this.machine0 = machineTicks();
    this.sample();
    this.timer = setInterval(() => this.sample(), 500);
  }

  /** Ends the window: CPU per group. */
  stop(): CpuWindow {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cores = Object.fromEntries(GROUPS.map((g) => [g, 0])) as Record<Group, number>;
    for (const [pid, { group, ticks }] of this.first) cores[group] += ((this.last.get(pid) ?? ticks) - ticks) / TICKS_PER_SEC / seconds;
    const m = machineTicks();
    const span = Math.max(1, m.total - this.machine0.total);
    return { seconds, cores, machine: (m.busy - this.machine0.busy) / span, steal: (m.steal - this.machine0.steal) / span };
  }

  /** Memory now: the server's RSS, and the proportional share (PSS) of the workers and of Kamailio's processes. */
  memory(): { serverRss: number; workersPss: number; kamailioPss: number } {
    let serverRss = 0;
    let workersPss = 0;
    let kamailioPss = 0;
    for (const [pid, { group, stat }] of this.sample()) {
      if (group === 'server') serverRss = stat.rssBytes;
      else if (group === 'workers') workersPss += pss(pid, stat.rssBytes);
      else if (group === 'kamailio') kamailioPss += pss(pid, stat.rssBytes);
    }
    return { serverRss, workersPss, kamailioPss };
  }
}

/** Datagrams the kernel dropped for a full receive buffer (/proc/net/udp, last column), summed over 127.0.0.1 sockets on `ports`. */
export function udpDrops(ports: Iterable<number>): number {
  const wanted = new Set(ports);
  let drops = 0;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [ip, port] = (fields[1] ?? '').split(':');
    if (ip === '0100007F' && port && wanted.has(parseInt(port, 16))) drops += Number(fields.at(-1));
  }
  return drops;
}
