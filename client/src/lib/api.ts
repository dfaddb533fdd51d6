/** HTTP side of the Beacon API: sign-in, reference data, queries. Live traffic goes over `live.ts`. */
import type { Actor, Command, CommandResult } from '../../../server/protocol';

export interface Session {
  token: string;
  expiresAt: string;
  actor: Actor;
}

export interface ClientConfig {
  mapTileUrl: string | null;
  mapAttribution: string;
  protocolVersion: number;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const SESSION_KEY = 'beacon.session';

export class ApiClient {
  constructor(private readonly base = '', public session: Session | null = null) {}

  static restore(app: string): ApiClient {
    const raw = sessionStorage.getItem(`${SESSION_KEY}.${app}`);
    const session = raw ? (JSON.parse(raw) as Session) : null;
    const valid = session && Date.parse(session.expiresAt) > Date.now() ? session : null;
    return new ApiClient('', valid);
  }

  async login(app: string, username: string, password: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/api/v1/auth/login', { username, password }, false);
    this.session = session;
    sessionStorage.setItem(`${SESSION_KEY}.${app}`, JSON.stringify(session));
    return session;
  }

  logout(app: string): void {
    this.session = null;
    sessionStorage.removeItem(`${SESSION_KEY}.${app}`);
  }

  clientConfig(): Promise<ClientConfig> {
    return this.request('GET', '/api/v1/client-config', undefined, false);
  }

  get<T>(path: string): Promise<T> {
    return this.request('GET', path);
  }

  command(command: Command): Promise<CommandResult> {
    return this.request('POST', '/api/v1/commands', command);
  }

  async request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.session) headers.authorization = `Bearer ${this.session.token}`;
    const res = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (!res.ok) throw new ApiError(res.status, json.code ?? 'http_error', json.message ?? `HTTP ${res.status}`);
    return json as T;
  }
}

/** A client-chosen command id (the server applies a command id once). */
export function newCommandId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
