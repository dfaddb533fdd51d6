/**
 * One signed-in user of the Beacon HTTP API, as a console or gateway would hold it: it logs in,
 * keeps the bearer token, signs in again when the token is refused, and tells a refusal by
 * the server (ApiError, with the server's code and message) from a server it cannot reach
 * (ServerUnreachable), so the caller can count the first and back off on the second.
 */
import { randomUUID } from 'node:crypto';
import type { AvlPosition, Command, CommandResult } from '../../server/protocol';
import type { CitySeed } from '../../config/seed/schema';

/** The server answered with an error body `{ code, message }`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** No answer: connection refused, reset, timed out, or the server said it is unavailable. */
export class ServerUnreachable extends Error {}

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
/** A command without its id; the session adds a fresh one. */
export type CommandInput = DistributiveOmit<Command, 'commandId'>;

/** The fields of GET /api/v1/units items the simulator reads. */
export interface UnitSnapshot {
  id: string;
  status: string;
  incidentId: string | null;
  agencyId: string;
  typeId: string;
  stationId: string;
  capabilities: string[];
  position: { lat: number; lon: number } | null;
}

/** The fields of an incident view the simulator reads. */
export interface IncidentSnapshot {
  id: string;
  state: string;
  agencyId: string;
  incidentType: string;
  priority: number;
  location: { lat: number; lon: number };
  units: Record<string, { status: string }>;
  firstDispatchedAt: string | null;
  firstOnSceneAt: string | null;
  disposition: string | null;
}

export interface Recommendation {
  recommended: string[];
  requirements: { capability: string; count: number; shortBy: number }[];
}

/** GET /api/v1/city: the city seed without its users. */
export type CityDocument = Omit<CitySeed, 'users'>;

/** A fresh command id: a UUID without dashes. */
export const newCommandId = (): string => randomUUID().replaceAll('-', '');

export class BeaconSession {
  private token: string | null = null;

  constructor(
    private readonly baseUrl: string,
    readonly username: string,
    private readonly password: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async login(): Promise<void> {
    const body = await this.request<{ token: string }>('POST', '/api/v1/auth/login', { username: this.username, password: this.password }, false);
    this.token = body.token;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** Sends one command with a new commandId. */
  command(cmd: CommandInput): Promise<CommandResult> {
    return this.post<CommandResult>('/api/v1/commands', { ...cmd, commandId: newCommandId() });
  }

  reportPositions(positions: AvlPosition[]): Promise<{ accepted: number }> {
    return this.post<{ accepted: number }>('/api/v1/avl', { positions });
  }

  private async request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    if (auth && !this.token) await this.login();
    let res = await this.send(method, path, body, auth);
    if (auth && res.status === 401) {
      // Token expired, or the server restarted with another secret: sign in once more.
      await this.login();
      res = await this.send(method, path, body, auth);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return (text ? JSON.parse(text) : null) as T;
    const err = parseError(text);
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      throw new ServerUnreachable(`${method} ${path}: HTTP ${res.status} ${err.code}: ${err.message}`);
    }
    throw new ApiError(res.status, err.code, err.message);
  }

  private async send(method: string, path: string, body: unknown, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.token) headers.authorization = `Bearer ${this.token}`;
    try {
      return await fetch(this.baseUrl + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new ServerUnreachable(`${method} ${path}: ${cause ?? (err as Error).message}`);
    }
  }
}

function parseError(text: string): { code: string; message: string } {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    return { code: String(body.code ?? 'unknown'), message: String(body.message ?? text) };
  } catch {
    return { code: 'unknown', message: text.slice(0, 200) };
  }
}
