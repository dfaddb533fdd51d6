/**
 * The SIP edge as a managed child process: renders the repository's Kamailio configuration
 * into DATA_DIR with this server's ports, starts Kamailio in the foreground (its log lines go
 * into pino), waits until it answers SIP OPTIONS, restarts it with backoff whenever it dies,
 * and stops it with the server. When Kamailio is not installed the server runs without SIP
 * and says so (like the media plane without its worker). A node that joins an edge another
 * node or an operator runs (`externalWsUrl`) starts no Kamailio: the edge is `external`, and
 * the node's user agent registers there like any other node's.
 *
 *   stopped ──start──▶ starting ──OPTIONS 200──▶ running ──exit──▶ restarting ──backoff──▶ starting
 *      ▲                  │ (no binary)                                          │
 *      └────stop()────────┴──▶ unavailable                         stop() ───────┴──▶ stopped
 *   stopped ──start (externalWsUrl)──▶ external   (not ours: never started, probed or restarted)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { renderKamailioConfig, type EdgeConfigValues } from './kamailio-config';
import { sipOptionsPing } from './options-probe';
import { freePort } from './free-port';

/**
 * The edge's settings: what goes into its configuration (ports: 0 picks a free one; the
 * WebSocket and JSON-RPC port is always on 127.0.0.1), and how it is run.
 */
export interface KamailioEdgeSettings extends Pick<EdgeConfigValues, 'listenIp' | 'sipPort' | 'wsPort' | 'domain' | 'nodeAor' | 'workers' | 'accounts' | 'lines' | 'trunk'> {
  enabled: boolean;
  /** Directory of the rendered config and the control socket (DATA_DIR/kamailio). */
  dir: string;
  /** Kamailio binary. Default /usr/sbin/kamailio (Debian). */
  bin?: string;
  /** Shared memory, MB. Default 64. */
  sharedMemoryMb?: number;
  /** How long a start may take until the edge answers OPTIONS, ms. Default 15 s. */
  readyTimeoutMs?: number;
  /** The internal WebSocket URL of an edge this node does not run (SIP_EDGE_WS_URL). */
  externalWsUrl?: string;
}

export type EdgeState = 'disabled' | 'unavailable' | 'starting' | 'running' | 'restarting' | 'stopped' | 'external';

/** Restart delays after successive deaths; a run that lasted `HEALTHY_RUN_MS` starts over. */
const BACKOFF_MS = [250, 500, 1000, 2000, 5000, 10000];
const HEALTHY_RUN_MS = 30_000;
const LEVELS: Record<string, 'error' | 'warn' | 'info' | 'debug'> = {
  ALERT: 'error', BUG: 'error', CRITICAL: 'error', ERROR: 'error', WARNING: 'warn', NOTICE: 'info', INFO: 'info', DEBUG: 'debug',
};

export class KamailioEdge {
  state: EdgeState = 'stopped';
  /** Why the edge is unavailable or not running, for /health. */
  reason: string | null = null;
  /** Times Kamailio died and was started again. */
  restarts = 0;
  sipPort = 0;
  wsPort = 0;
  private child: ChildProcess | null = null;
  private readonly rpcToken = randomBytes(24).toString('base64url');
  private readonly bin: string;
  private readonly dir: string;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: KamailioEdgeSettings, private readonly log: Logger) {
    this.bin = settings.bin ?? '/usr/sbin/kamailio';
    this.dir = resolve(settings.dir);
  }

  /** Starts the edge and waits until it answers (or failed: see `state` and `reason`). Never throws for a missing Kamailio. */
  async start(): Promise<void> {
    if (!this.settings.enabled) {
      this.state = 'disabled';
      return;
    }
    if (this.settings.externalWsUrl) {
      this.state = 'external';
      this.log.info({ ws: this.settings.externalWsUrl }, 'SIP edge run elsewhere: no Kamailio on this node; the user agent registers there');
      return;
    }
    try {
      accessSync(this.bin, constants.X_OK);
    } catch {
      this.state = 'unavailable';
      this.reason = `${this.bin} not found (scripts/install.sh installs Debian's kamailio)`;
      this.log.warn({ bin: this.bin }, 'SIP edge unavailable: Kamailio is not installed; the server runs without SIP');
      return;
    }
    const ip = this.settings.listenIp === '0.0.0.0' ? '127.0.0.1' : this.settings.listenIp;
    this.sipPort = this.settings.sipPort || (await freePort(ip, { udp: true }));
    this.wsPort = this.settings.wsPort || (await freePort('127.0.0.1', { avoid: [this.sipPort] }));
    mkdirSync(join(this.dir, 'run'), { recursive: true });
    this.killLeftover();
    writeFileSync(this.configPath, renderKamailioConfig({
      listenIp: this.settings.listenIp, sipPort: this.sipPort, wsPort: this.wsPort, domain: this.settings.domain,
      nodeAor: this.settings.nodeAor, workers: this.settings.workers, rpcToken: this.rpcToken,
      runDir: join(this.dir, 'run'), accounts: this.settings.accounts, lines: this.settings.lines, trunk: this.settings.trunk ?? null,
    }), { mode: 0o600 });
    await this.launch();
  }

  /** Whether the edge answers SIP OPTIONS now. */
  async answers(timeoutMs = 500): Promise<boolean> {
    if (!this.sipPort) return false;
    return (await sipOptionsPing(this.probeHost, this.sipPort, timeoutMs)) === 200;
  }

  /** Where the node's user agents register: this edge's internal port, or the external edge. */
  get wsUrl(): string | null {
    if (this.state === 'external') return this.settings.externalWsUrl!;
    return this.wsPort ? `ws://127.0.0.1:${this.wsPort}` : null;
  }

  /** The running Kamailio's main process id. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Calls a Kamailio RPC command (JSON-RPC over the internal port, with this process's token). */
  async rpc(method: string, params: unknown[] = []): Promise<unknown> {
    if (this.state !== 'running') throw new Error(`SIP edge is ${this.state}`);
    const res = await fetch(`http://127.0.0.1:${this.wsPort}/RPC`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-token': this.rpcToken },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 }), signal: AbortSignal.timeout(3000),
    });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
    if (body.error) throw Object.assign(new Error(`kamailio ${method}: ${body.error.message}`), { rpcCode: body.error.code });
    return body.result;
  }

  /**
   * Drops the registrations of an AoR (a disabled account must not keep receiving calls). An
   * external edge has its own RPC token: its bindings expire (at most 10 min) or its node drops them.
   */
  async forget(username: string): Promise<void> {
    if (this.state === 'external') {
      this.log.info({ username }, 'disabled SIP account: its bindings on the external edge stay until they expire or that edge\'s node drops them');
      return;
    }
    if (this.state !== 'running') return;
    try {
      await this.rpc('ul.rm', ['location', username]);
    } catch (err) {
      if ((err as { rpcCode?: number }).rpcCode !== 404) throw err;
    }
  }

  /** One line for /health. */
  describe(): string {
    switch (this.state) {
      case 'running': return `ok (udp/tcp ${this.settings.listenIp}:${this.sipPort}, pid ${this.pid}, ${this.restarts} restarts)`;
      case 'disabled': return 'off (SIP_ENABLED=false)';
      case 'external': return `external (${this.settings.externalWsUrl}, run by another node or an operator)`;
      default: return `${this.state}${this.reason ? `: ${this.reason}` : ''}`;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      this.signalGroup(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => this.signalGroup(child.pid!, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (this.state !== 'disabled' && this.state !== 'unavailable' && this.state !== 'external') this.state = 'stopped';
  }

  private get configPath(): string {
    return join(this.dir, 'kamailio.cfg');
  }

  private get probeHost(): string {
    return this.settings.listenIp === '0.0.0.0' ? '127.0.0.1' : this.settings.listenIp === '::' ? '::1' : this.settings.listenIp;
  }

  private async launch(): Promise<void> {
    this.state = 'starting';
    const startedAt = Date.now();
    const env = { ...process.env, ...(this.settings.accounts.kind === 'postgres' ? this.settings.accounts.env : {}) };
    // Own process group: Kamailio's children outlive a killed main process, so the whole group is signalled.
    const child = spawn(this.bin, ['-DD', '-E', '-f', this.configPath, '-Y', join(this.dir, 'run'), '-m', String(this.settings.sharedMemoryMb ?? 64), '-M', '8'], {
      detached: true, stdio: ['ignore', 'pipe', 'pipe'], env,
    });
    this.child = child;
    child.on('error', (err) => this.log.error({ err }, 'SIP edge could not be started'));
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => this.logLine(line));
    child.once('exit', (code, signal) => this.exited(child, code, signal, Date.now() - startedAt));
    const deadline = startedAt + (this.settings.readyTimeoutMs ?? 15_000);
    while (this.child === child && child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
      if (await this.answers(250)) {
        this.state = 'running';
        this.reason = null;
        this.log.info({ pid: child.pid, sipPort: this.sipPort, wsPort: this.wsPort, listenIp: this.settings.listenIp }, 'SIP edge running');
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.child === child && this.state === 'starting' && child.exitCode === null) {
      this.reason = 'Kamailio did not answer SIP OPTIONS in time';
      this.log.error({ pid: child.pid }, 'SIP edge does not answer; restarting it');
      this.signalGroup(child.pid!, 'SIGKILL');
    }
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, ranMs: number): void {
    // The main process is gone; its children may not be.
    if (child.pid) this.signalGroup(child.pid, 'SIGKILL');
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    this.failures = ranMs >= HEALTHY_RUN_MS ? 1 : this.failures + 1;
    const delay = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length) - 1]!;
    this.state = 'restarting';
    this.reason = `Kamailio exited (${signal ?? `code ${code}`}) after ${Math.round(ranMs / 1000)} s`;
    this.log.error({ code, signal, ranMs, restartInMs: delay }, 'SIP edge died; restarting it');
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      this.launch().catch((err) => this.log.error({ err }, 'SIP edge restart failed'));
    }, delay);
  }

  private logLine(line: string): void {
    const text = line.trim();
    if (!text) return;
    const m = /^\s*\d+\((\d+)\) (ALERT|BUG|CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG): (.*)$/.exec(line);
    if (m) this.log[LEVELS[m[2]!]!]({ kamailioPid: Number(m[1]) }, m[3]!);
    else this.log.info(text);
  }

  private signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** A Kamailio left running by a server that died without stopping it still holds the ports:
   *  every process running this very config file (unique per DATA_DIR) is ended. */
  private killLeftover(): void {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(this.configPath)) pids.push(Number(entry));
      } catch {
        // Gone meanwhile, or not ours to read.
      }
    }
    if (!pids.length) return;
    this.log.warn({ pids }, 'stopping a SIP edge left running by an earlier run');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }
}
