/**
 * Server configuration: environment variables parsed once with zod at start-up. A bad value
 * fails fast with a message naming the variable. Every option documents its default.
 */
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));

export const envSchema = z.object({
  /** HTTP + WebSocket listen address. Default 127.0.0.1 (set 0.0.0.0 in containers). */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** HTTP + WebSocket port. Default 8080; 0 picks a free port (tests). */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** PostgreSQL URL. Unset: embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** PostgreSQL schema to use (tests isolate themselves with it). Default `public`. */
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('public'),
  /** Redis URL. Unset: in-process bus and in-memory geo index (single process only). */
  REDIS_URL: z.string().url().optional(),
  /** Prefix of every Redis key and channel, so several deployments (or tests) can share one Redis. Default `beacon`. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default('beacon'),
  /** Directory of the embedded database and other local state. Default ./data. */
  DATA_DIR: z.string().min(1).default('./data'),
  /** Secret that signs access tokens; every server node of a deployment must share it. Unset:
   *  generated once and kept in DATA_DIR (fine for one node; set it for several). */
  AUTH_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Access token lifetime in seconds. Default 12 h (one shift). */
  TOKEN_TTL_SEC: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(12 * 3600),
  /** Password of the seeded demo users. Default `beacon`; change it outside a demo. */
  DEMO_PASSWORD: z.string().min(4).default('beacon'),
  /** Seed the demo city on an empty database. Default true. */
  SEED_DEMO: bool.default(true),
  /** Run the demo simulator (moving units, incidents) inside the server. Default false. */
  SIMULATOR: bool.default(false),
  /** This node's name in logs, metrics and bus messages. Default: random. */
  NODE_ID: z.string().regex(/^[A-Za-z0-9._-]+$/).default(() => `node-${randomUUID().slice(0, 8)}`),
  /** pino log level. Default info. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** PostgreSQL pool size (ignored for PGlite, which takes one connection). Default 10. */
  DATABASE_POOL: z.coerce.number().int().min(1).max(100).default(10),
  /** How often the outbox and timer workers poll, ms. Default 250. */
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(60000).default(250),
  /** Map tile URL template for the browser apps ({z}/{x}/{y}). Unset: the bundled vector basemap
   *  of the city only (the apps fall back to it whenever tiles fail to load). */
  MAP_TILE_URL: z.string().regex(/^(https?:\/\/|\/).*\{z\}.*\{x\}.*\{y\}/, 'must be a tile URL template with {z}, {x} and {y}').optional(),
  /** Attribution shown with the tiles. Default: OpenStreetMap contributors. */
  MAP_ATTRIBUTION: z.string().max(300).default('© OpenStreetMap contributors'),
  /** AVL trail: flush interval ms and batch size; a report is answered once its batch is written.
   *  Defaults 200 ms / 500 rows. */
  AVL_FLUSH_MS: z.coerce.number().int().min(10).max(60000).default(200),
  AVL_FLUSH_ROWS: z.coerce.number().int().min(1).max(10000).default(500),
  /** Run the media plane (mediasoup workers, incident video rooms). Default true; when the worker
   *  binary is missing the server starts anyway, logs a warning and answers media requests with
   *  `media_unavailable`. */
  MEDIA_ENABLED: bool.default(true),
  /** mediasoup worker processes. Default: one per CPU core. */
  MEDIA_WORKERS: z.coerce.number().int().min(1).max(64).default(() => availableParallelism()),
  /** UDP/TCP port range of the media transports (ICE, DTLS, RTP). Default 40000-49999. */
  MEDIA_RTC_MIN_PORT: z.coerce.number().int().min(1024).max(65535).default(40000),
  MEDIA_RTC_MAX_PORT: z.coerce.number().int().min(1024).max(65535).default(49999),
  /** Address the media transports listen on. Default 127.0.0.1 (set 0.0.0.0 or a host address to
   *  reach browsers on other machines). */
  MEDIA_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
  /** Address announced to clients in ICE candidates (the public address behind NAT). Unset: the
   *  listen address. */
  MEDIA_ANNOUNCED_IP: z.string().min(1).max(253).optional(),
  /** Record every body camera to disk (ffmpeg, no transcoding), its hash in the audit chain. Default true. */
  MEDIA_RECORDING: bool.default(true),
  /** Directory of the recordings. Default: `recordings` in DATA_DIR. */
  RECORDINGS_DIR: z.string().min(1).optional(),
  /** Loopback UDP ports on which the recorder's ffmpeg processes receive RTP (two per stream).
   *  Default 50000-50999. */
  MEDIA_RECORDING_MIN_PORT: z.coerce.number().int().min(1024).max(65534).default(50000),
  MEDIA_RECORDING_MAX_PORT: z.coerce.number().int().min(1025).max(65535).default(50999),
  /** Seconds a Ready call taker may be without any console connection before the ACD stops
   *  offering them calls (set Away). Default 20: a reload or a network blip reconnects within it. */
  AGENT_PRESENCE_GRACE_SEC: z.coerce.number().int().min(1).max(3600).default(20),
  /** Run the SIP edge (Kamailio from Debian, started and supervised by the server). Default true;
   *  when Kamailio is not installed the server starts anyway, logs a warning and has no SIP. */
  SIP_ENABLED: bool.default(true),
  /** Address of the edge's UDP and TCP listeners for phones. Default 127.0.0.1 (set a host address
   *  or 0.0.0.0 for phones on the network). */
  SIP_LISTEN_IP: z.ipv4().or(z.ipv6()).default('127.0.0.1'),
  /** UDP + TCP port for phones. Default 5060; 0 picks a free port (tests). */
  SIP_PORT: z.coerce.number().int().min(0).max(65535).default(5060),
  /** Internal WebSocket port on 127.0.0.1 where only the server's own user agents (node accounts)
   *  register. Default 5066; 0 picks a free port (tests). Never expose it. */
  SIP_WS_PORT: z.coerce.number().int().min(0).max(65535).default(5066),
  /** SIP domain and digest realm of the accounts. Default `beacon.local`. */
  SIP_DOMAIN: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'must be a domain name').default('beacon.local'),
  /** The PBX or PSTN gateway trunk as `ipv4:port` (e.g. `10.0.0.5:5060`): calls from the server to
   *  numbers no phone registered (outside numbers, a transfer or a conference party) go there, and
   *  its INVITEs to the lines need no digest. Unset: no trunk (such calls get 404). */
  SIP_TRUNK: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}:\d{1,5}$/, 'must be an IPv4 address and a port, e.g. 10.0.0.5:5060')
    .refine((v) => { const p = Number(v.split(':')[1]); return p >= 1 && p <= 65535; }, 'the port must be 1-65535').optional(),
  /** Kamailio worker processes per transport. Default 4. */
  SIP_WORKERS: z.coerce.number().int().min(1).max(32).default(4),
  /** PostgreSQL role Kamailio reads the accounts view with (SELECT only; created by the server when
   *  it may, its password derived from AUTH_SECRET). Default `beacon_sip`. */
  SIP_DB_ROLE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a lowercase SQL identifier').default('beacon_sip'),
  /** Internal WebSocket URL of a SIP edge another node (or an operator) runs, e.g.
   *  `ws://127.0.0.1:5066`: this node then starts no Kamailio and registers its user agent there,
   *  sharing calls with the other nodes. Needs the shared PostgreSQL (the edge reads this node's
   *  account there) and Redis (call effects go to the node holding the call). Unset: run our own edge. */
  SIP_EDGE_WS_URL: z.string().refine(edgeWsUrlOk, 'must be ws://host:port or wss://host:port (the edge\'s internal WebSocket port, no path)').optional(),
}).refine((c) => c.MEDIA_RTC_MIN_PORT <= c.MEDIA_RTC_MAX_PORT, {
  path: ['MEDIA_RTC_MAX_PORT'], message: 'must not be below MEDIA_RTC_MIN_PORT',
}).refine((c) => c.MEDIA_RECORDING_MIN_PORT + 1 < c.MEDIA_RECORDING_MAX_PORT, {
  path: ['MEDIA_RECORDING_MAX_PORT'], message: 'must leave at least one port pair above MEDIA_RECORDING_MIN_PORT',
}).refine((c) => !c.SIP_EDGE_WS_URL || c.SIP_ENABLED, {
  path: ['SIP_EDGE_WS_URL'], message: 'joins a SIP edge, so SIP_ENABLED must not be false',
}).refine((c) => !c.SIP_EDGE_WS_URL || (c.DATABASE_URL && c.REDIS_URL), {
  path: ['SIP_EDGE_WS_URL'], message: 'a node sharing an edge needs DATABASE_URL and REDIS_URL (the edge reads its account in PostgreSQL; call effects reach the node holding a call over Redis)',
});

/** A WebSocket URL of a host and an explicit port, nothing else (no credentials, path, query). */
function edgeWsUrlOk(value: string): boolean {
  const m = /^wss?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})\/?$/.exec(value);
  return !!m && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}

export type Config = z.infer<typeof envSchema>;

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}
