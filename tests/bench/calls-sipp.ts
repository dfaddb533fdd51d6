/**
 * The callers of the call bench: one sipp (Debian's sip-tester) per line, each from its own
 * loopback address as separate phones or trunks would be (the edge's `pike` flood protection
 * counts requests per source address: one address sending 300 requests in 2 s is banned), calling
 * at a fixed rate with tests/sip/bench-call.xml. The -inf file gives every call the port of the
 * bench phone that carries its audio, cycling through the phones. Each sipp is bounded in time
 * and killed if it outlives its bound; its logs are parsed into per-call times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../media/sip/free-port';

const SCENARIO = join(__dirname, '..', 'sip', 'bench-call.xml');

export interface CallerGroup {
  line: string;
  /** Phone account (From user and digest user) and its password. */
  user: string;
  password: string;
  domain: string;
  /** 127.0.0.0/8 address the group sends from. */
  sourceIp: string;
  /** Calls per second, how many in all, and the talk time of each (ms, between ACK and BYE). */
  rate: number;
  calls: number;
  holdMs: number;
  /** RTP ports of the phones this group's calls use, in turn. */
  phonePorts: number[];
}

/** One call as its sipp logged it (ms since the epoch). */
export interface SippCall {
  sipCallId: string;
  line: string;
  inviteAt: number;
  answeredAt: number | null;
  /** The BYE was answered 200: the call went through from INVITE to hang-up. */
  completed: boolean;
  /** Not answered within 20 s: the caller hung up (CANCEL). */
  gaveUp: boolean;
}

export interface SippGroupResult {
  line: string;
  exitCode: number | null;
  calls: SippCall[];
  /** What sipp's error log reports, counted by kind (receive timeouts, unexpected messages, ...). */
  errors: string[];
}

export interface RunningCallers {
  pids(): number[];
  /** Resolves when every sipp has exited (or was killed at its bound). */
  done: Promise<SippGroupResult[]>;
  kill(): void;
}

function parseLog(text: string, line: string): SippCall[] {
  const calls = new Map<string, SippCall>();
  for (const l of text.split('\n')) {
    const m = /(invite|answered|done|gave-up) (\S+)(?: ([\d.]+) ([\d.]+))?/.exec(l); // sipp prints the numbers as 1700000000.000000
    if (!m) continue;
    const [, what, id, s, us] = m;
    const at = s ? Number(s) * 1000 + Number(us) / 1000 : NaN;
    const call = calls.get(id!) ?? { sipCallId: id!, line, inviteAt: NaN, answeredAt: null, completed: false, gaveUp: false };
    calls.set(id!, call);
    if (what === 'invite') call.inviteAt = at;
    else if (what === 'answered') call.answeredAt = at;
    else if (what === 'done') call.completed = true;
    else call.gaveUp = true;
  }
  return [...calls.values()];
}

/** sipp's error log in a few words: each kind of event with its count (entries run together, each followed by whole messages). */
function errorKinds(text: string): string[] {
  const kinds = new Map<string, number>();
  for (const m of text.matchAll(/Call-Id: [^,\s]+, (.+?)(?: on message [^,]*)?(?:, |$)/gm)) {
    const kind = m[1]!.replace(/\d+/g, 'N').slice(0, 100);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  // An unexpected message is logged whole after the line: its start line says what came.
  for (const m of text.matchAll(/(Aborting call[^\n]*?)(?:for Call-Id '[^']*')?(: [^\n]*)?\n(?:[^\n]*\n){0,4}?((?:SIP\/2\.0 \d{3}|[A-Z]+ sips?:)[^\r\n]*)?/g)) {
    const kind = `${m[1]!.trim()}${(m[2] ?? '').slice(0, 160)}${m[3] ? `, got "${m[3].slice(0, 80)}"` : ''}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([k, n]) => `sipp: ${n} x ${k}`);
}

/** Starts one sipp per group; `boundMs` is the longest any of them may run. */
export async function startCallers(sipPort: number, groups: CallerGroup[], boundMs: number): Promise<RunningCallers> {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-calls-bench-'));
  const children: { child: ChildProcess; group: CallerGroup; files: { log: string; errors: string } }[] = [];
  for (const [i, g] of groups.entries()) {
    const files = { inf: join(dir, `phones-${i}.csv`), log: join(dir, `calls-${i}.log`), errors: join(dir, `errors-${i}.log`) };
    writeFileSync(files.inf, `SEQUENTIAL\n${g.phonePorts.map((p) => `${p};`).join('\n')}\n`);
    const localPort = await freePort(g.sourceIp, { udp: true });
    const args = [
      `127.0.0.1:${sipPort}`, '-sf', SCENARIO, '-s', g.line, '-au', g.user, '-ap', g.password, '-key', 'caller', g.user, '-key', 'domain', g.domain,
      '-inf', files.inf, '-i', g.sourceIp, '-p', String(localPort), '-r', String(g.rate), '-rp', '1000', '-m', String(g.calls), '-l', String(g.calls), '-d', String(g.holdMs),
      '-timeout', String(Math.ceil(boundMs / 1000)), '-timeout_error', '-trace_logs', '-log_file', files.log, '-trace_err', '-error_file', files.errors, '-nostdin',
    ];
    const child = spawn('sipp', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.resume();
    children.push({ child, group: g, files });
  }
  const kill = () => { for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  const bound = setTimeout(kill, boundMs + 10_000);
  const done = Promise.all(children.map(({ child, group, files }) => new Promise<SippGroupResult>((resolve) => {
    const finish = (code: number | null) => {
      const read = (f: string) => { try { return readFileSync(f, 'utf8'); } catch { return ''; } };
      resolve({
        line: group.line, exitCode: code, calls: parseLog(read(files.log), group.line),
        errors: errorKinds(read(files.errors)),
      });
    };
    if (child.exitCode !== null || child.signalCode !== null) finish(child.exitCode);
    else child.once('exit', (code) => finish(code));
  }))).finally(() => {
    clearTimeout(bound);
    rmSync(dir, { recursive: true, force: true });
  });
  return { pids: () => children.map((c) => c.child.pid!).filter(Boolean), done, kill };
}
