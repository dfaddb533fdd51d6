/**
 * The server node's sip.js user agent on Kamailio's internal WebSocket: it registers under
 * the nodes' shared AoR (`dispatch`) with the node's own account, so the edge routes calls to
 * configured lines here (one node per call, with failover), and hands each INVITE to its
 * owner. Follows shared/notes/sip-edge.md: a unique contact per process, a new Registerer
 * after every reconnect (a REGISTER sent on a dead socket blocks the old one for 32 s),
 * registration retried on rejection, the socket pinged from Node, sip.js's crash paths guarded.
 *
 *   connecting ──open──▶ registering ──200──▶ registered
 *        ▲                    │ 4xx/5xx: retry in 2 s │
 *        └──── socket lost (backoff 0.5…10 s) ◀──────┘
 */
import { randomBytes } from 'node:crypto';
import { Inviter, Registerer, RegistererState, UserAgent, type Invitation, type LogLevel, type URI } from 'sip.js';
import type { Logger } from '../../server/log';
import { installSipJsPlatform } from './node-platform';
import { plainRtpHandlerFactory } from './PlainRtpSessionDescriptionHandler';

export interface NodeUserAgentSettings {
  /** ws://127.0.0.1:<SIP_WS_PORT> */
  server: string;
  domain: string;
  /** The AoR the node registers under (calls to lines arrive for it). */
  aor: string;
  username: string;
  password: string;
  /** Registration lifetime, s (Kamailio allows 30–600). Default 60. */
  expires?: number;
}

const RECONNECT_MS = [500, 1000, 2000, 5000, 10_000];
const LOG_LEVELS: Record<LogLevel, 'error' | 'warn' | 'debug' | 'trace'> = { error: 'error', warn: 'warn', log: 'debug', debug: 'trace' };
/** Emergency calls may queue for long: sip.js must never answer 480 on its own (default 60 s). */
const NO_ANSWER_TIMEOUT_S = 4 * 3600;

export class NodeUserAgent {
  /** Successful registrations since start (one per connection, refreshes not counted). */
  registrations = 0;
  private readonly ua: UserAgent;
  private registerer: Registerer | null = null;
  private reconnects = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private registeredFlag = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly settings: NodeUserAgentSettings, onInvite: (invitation: Invitation) => void, private readonly log: Logger) {
    const slowGrammar = installSipJsPlatform();
    if (slowGrammar) log.warn({ reason: slowGrammar }, 'sip.js keeps its own header parser (about 1 ms of CPU per header)');
    const uri = UserAgent.makeURI(`sip:${settings.aor}@${settings.domain}`);
    if (!uri) throw new Error(`bad SIP AoR ${settings.aor}@${settings.domain}`);
    // Two processes with one contact would overwrite each other's registration.
    const unique = randomBytes(6).toString('hex');
    this.ua = new UserAgent({
      uri, authorizationUsername: settings.username, authorizationPassword: settings.password,
      contactName: `node-${unique}`, viaHost: `${unique}.invalid`, noAnswerTimeout: NO_ANSWER_TIMEOUT_S,
      transportOptions: { server: settings.server, traceSip: false, keepAliveInterval: 0, connectionTimeout: 5 },
      sessionDescriptionHandlerFactory: plainRtpHandlerFactory,
      logBuiltinEnabled: false,
      logConnector: (level, category, _label, content) => this.log[LOG_LEVELS[level]]({ category }, content),
      delegate: {
        onInvite: (invitation) => {
          try {
            onInvite(invitation);
          } catch (err) {
            this.log.error({ err }, 'an incoming call could not be handled');
            void invitation.reject({ statusCode: 500 }).catch(() => undefined);
          }
        },
        onConnect: () => this.connected(),
        onDisconnect: (error) => this.disconnected(error),
      },
    });
  }

  get registered(): boolean {
    return this.registeredFlag;
  }

  async start(): Promise<void> {
    try {
      await this.ua.start();
    } catch (err) {
      this.log.warn({ err, server: this.settings.server }, 'SIP user agent could not connect to the edge; retrying');
      this.scheduleReconnect();
    }
  }

  /** Resolves once registered (or after `timeoutMs`, with false). */
  whenRegistered(timeoutMs: number): Promise<boolean> {
    if (this.registeredFlag) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.registeredFlag);
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /** The SIP URI of a number or phone of the edge's domain. */
  uriOf(user: string): URI {
    const uri = UserAgent.makeURI(`sip:${user}@${this.settings.domain}`);
    if (!uri) throw new Error(`bad SIP target ${user}`);
    return uri;
  }

  /** An outbound INVITE (not sent yet) to a number or phone of the edge's domain. */
  inviter(user: string): Inviter {
    return new Inviter(this.ua, this.uriOf(user));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    try {
      if (this.registerer?.state === RegistererState.Registered) await this.registerer.unregister().catch(() => undefined);
      await this.ua.stop();
    } catch (err) {
      this.log.debug({ err }, 'SIP user agent stopped with an error');
    }
  }

  private connected(): void {
    this.reconnects = 0;
    void this.register();
  }

  /** A fresh Registerer on every connection: the old one may wait on a REGISTER sent into the dead socket. */
  private async register(): Promise<void> {
    if (this.stopped) return;
    const old = this.registerer;
    this.registerer = null;
    void old?.dispose().catch(() => undefined);
    const registerer = new Registerer(this.ua, { expires: this.settings.expires ?? 60 });
    this.registerer = registerer;
    registerer.stateChange.addListener((state) => {
      if (registerer !== this.registerer) return;
      const was = this.registeredFlag;
      this.registeredFlag = state === RegistererState.Registered;
      if (this.registeredFlag && !was) {
        this.registrations++;
        this.log.info({ aor: this.settings.aor }, 'SIP user agent registered at the edge');
        for (const wake of [...this.waiters]) wake();
      }
    });
    try {
      await registerer.register({
        requestDelegate: {
          onReject: (response) => {
            this.log.warn({ status: response.message.statusCode }, 'SIP registration refused; retrying in 2 s');
            this.retry(() => this.register(), 2000);
          },
        },
      });
    } catch (err) {
      this.log.warn({ err }, 'SIP registration failed; retrying in 2 s');
      this.retry(() => this.register(), 2000);
    }
  }

  private disconnected(error?: Error): void {
    this.registeredFlag = false;
    if (this.stopped) return;
    this.log.warn({ err: error }, 'SIP user agent lost the edge; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = RECONNECT_MS[Math.min(this.reconnects++, RECONNECT_MS.length - 1)]!;
    this.retry(() => this.ua.reconnect().catch((err) => {
      this.log.debug({ err }, 'SIP reconnect failed');
      this.scheduleReconnect();
    }), delay);
  }

  private retry(fn: () => Promise<unknown>, ms: number): void {
    clearTimeout(this.retryTimer);
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => void fn(), ms);
    this.retryTimer.unref();
  }
}
