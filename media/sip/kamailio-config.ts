/**
 * Renders the repository's Kamailio configuration (config/kamailio/kamailio.cfg) with this
 * server's values in place of its `{{NAME}}` placeholders. Every value is checked against what
 * may appear at its place in a Kamailio config, so a bad setting is a clear error here, not a
 * parse error (or an injected directive) in Kamailio.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const KAMAILIO_CONFIG_DIR = resolve(__dirname, '../../config/kamailio');

/** Where Kamailio reads SIP accounts from (see config/kamailio/README.md). */
export type EdgeAccountSource =
  | { kind: 'postgres'; url: string; env: Record<string, string> }
  | { kind: 'dbtext'; dir: string };

export interface EdgeConfigValues {
  listenIp: string;
  sipPort: number;
  wsPort: number;
  domain: string;
  /** The AoR every server node registers under; calls to it go to one node, with failover. */
  nodeAor: string;
  workers: number;
  rpcToken: string;
  runDir: string;
  accounts: EdgeAccountSource;
  /** Numbers of the configured phone lines: an INVITE for one goes to the node AoR. */
  lines?: string[];
  /**
   * The PBX or PSTN gateway trunk (`ip:port`): a server node's call to a number no phone has
   * registered goes there, and INVITEs from its address need no digest (it is trusted).
   */
  trunk?: { ip: string; port: number } | null;
  /** Kamailio log level: 1 notice, 2 info, 3 debug. */
  debug?: number;
  /** Requests per 2 s from one source address before it is banned (pike). */
  floodDensity?: number;
  /** How long a flooding source stays banned, s. */
  banSec?: number;
}

const checks: Record<string, RegExp> = {
  ip: /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/,
  domain: /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/,
  aor: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  token: /^[A-Za-z0-9_-]{16,128}$/,
  path: /^\/[A-Za-z0-9._/-]*$/,
  url: /^postgres:\/\/[A-Za-z0-9._%:@/[\]-]+$/,
};

function checked(name: string, value: string, kind: keyof typeof checks): string {
  if (!checks[kind]!.test(value)) throw new Error(`SIP edge config: ${name} ${JSON.stringify(value)} is not a valid ${kind}`);
  return value;
}

function port(name: string, value: number): string {
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`SIP edge config: ${name} ${value} is not a port`);
  return String(value);
}

/** An anchored alternation of line numbers (digits only); no line matches nothing. */
function linesRegex(lines: string[]): string {
  for (const line of lines) if (!/^\d{1,20}$/.test(line)) throw new Error(`SIP edge config: line ${JSON.stringify(line)} is not a number`);
  return lines.length ? `^(${lines.join('|')})$` : '^-none-$';
}

/** The placeholder values, checked. */
function placeholders(v: EdgeConfigValues): Record<string, string> {
  const pg = v.accounts.kind === 'postgres';
  return {
    DEFINES: [
      ...(pg ? ['#!define WITH_POSTGRES'] : []),
      ...(v.trunk ? ['#!define WITH_TRUNK', `#!define TRUNK_IP "${checked('trunk address', v.trunk.ip, 'ip')}"`, `#!define TRUNK_URI "sip:${v.trunk.ip}:${port('trunk port', v.trunk.port)}"`] : []),
    ].join('\n'),
    LISTEN_IP: checked('listen address', v.listenIp, 'ip'),
    SIP_PORT: port('SIP port', v.sipPort),
    WS_IP: '127.0.0.1',
    WS_PORT: port('WebSocket port', v.wsPort),
    DOMAIN: checked('domain', v.domain, 'domain'),
    NODE_AOR: checked('node AoR', v.nodeAor, 'aor'),
    WORKERS: String(Math.max(1, Math.min(32, Math.floor(v.workers)))),
    RPC_TOKEN: checked('RPC token', v.rpcToken, 'token'),
    RUN_DIR: checked('run directory', v.runDir, 'path'),
    DB_URL: v.accounts.kind === 'postgres' ? checked('accounts database URL', v.accounts.url, 'url') : '',
    DBTEXT_DIR: v.accounts.kind === 'dbtext' ? checked('accounts directory', v.accounts.dir, 'path') : '',
    LINES_RE: linesRegex(v.lines ?? []),
    DEBUG: String(v.debug ?? 2),
    PIKE_DENSITY: String(v.floodDensity ?? 300),
    BAN_SEC: String(v.banSec ?? 20),
    ROUTES_FILE: checked('routes file', join(KAMAILIO_CONFIG_DIR, 'routes.cfg'), 'path'),
  };
}

/** The rendered kamailio.cfg text. */
export function renderKamailioConfig(values: EdgeConfigValues, template = readFileSync(join(KAMAILIO_CONFIG_DIR, 'kamailio.cfg'), 'utf8')): string {
  const map = placeholders(values);
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = map[name];
    if (value === undefined) throw new Error(`SIP edge config: unknown placeholder {{${name}}}`);
    return value;
  });
  return out;
}
