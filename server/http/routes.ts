/**
 * The HTTP API: the same commands and queries as the WebSocket, plus login, AVL, health,
 * metrics and the OpenAPI document. Bodies are size-limited, JSON-parsed and validated.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { avlBatch, command, feedName, LIMITS, type Actor } from '../protocol';
import { BeaconError, NotAuthenticated, NotFound, ValidationError, describeError } from '../errors';
import type { Logger } from '../log';
import type { Services } from '../services';
import { openApiDocument } from './openapi';
import { serveStatic } from './static';

const loginBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });

class PayloadTooLarge extends BeaconError {
  readonly code = 'payload_too_large';
  readonly status = 413;
}

type Handler = (ctx: { req: IncomingMessage; res: ServerResponse; url: URL; params: string[]; body: () => Promise<unknown>; actor: () => Actor }) => Promise<unknown>;
/** `raw`: the result is sent as text (metrics); `streams`: the handler writes the response itself. */
interface Route { method: string; pattern: RegExp; name: string; handler: Handler; raw?: boolean; streams?: boolean }

export function createHttpHandler(services: Services, log: Logger) {
  const { read } = services;
  const int = (v: string | null, name: string, def: number, max: number, min = 0) => {
    if (v === null) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new ValidationError(`${name} must be an integer ${min}..${max}`);
    return n;
  };
  const routes: Route[] = [
    { method: 'POST', pattern: /^\/api\/v1\/auth\/login$/, name: 'login', handler: async ({ body }) => {
      const b = parse(loginBody, await body(), 'login body');
      const actor = services.users.authenticate(b.username, b.password);
      return { ...services.tokens.issue(actor), actor };
    } },
    { method: 'POST', pattern: /^\/api\/v1\/commands$/, name: 'command', handler: async ({ body, actor }) =>
      services.execute(actor(), parse(command, await body(), 'command')) },
    { method: 'GET', pattern: /^\/api\/v1\/incidents$/, name: 'incidents', handler: async ({ url, actor }) =>
      read.openIncidents(actor(), url.searchParams.get('agencyId') ?? undefined) },
    { method: 'GET', pattern: /^\/api\/v1\/incidents\/([^/]+)$/, name: 'incident', handler: async ({ params, actor }) =>
      read.incident(actor(), params[0]!) },
    { method: 'GET', pattern: /^\/api\/v1\/incidents\/([^/]+)\/recommendations$/, name: 'recommend', handler: async ({ params, url, actor }) =>
      read.recommend(actor(), params[0]!, int(url.searchParams.get('limit'), 'limit', 3, LIMITS.maxRecommendations, 1)) },
    { method: 'GET', pattern: /^\/api\/v1\/incidents\/([^/]+)\/recordings$/, name: 'recordings', handler: async ({ params, actor }) =>
      services.playback.list(actor(), params[0]!) },
    { method: 'POST', pattern: /^\/api\/v1\/incidents\/([^/]+)\/recordings\/([^/]+)\/playback$/, name: 'playback', handler: async ({ params, actor }) =>
      services.playback.grant(actor(), params[0]!, decodeURIComponent(params[1]!)) },
    { method: 'GET', pattern: /^\/api\/v1\/recordings\/([^/]+)\/file$/, name: 'recording-file', streams: true, handler: async ({ req, res, params, url }) =>
      services.playback.serve(req, res, decodeURIComponent(params[0]!), url.searchParams) },
    { method: 'GET', pattern: /^\/api\/v1\/media\/shared$/, name: 'media-shared', handler: async ({ actor }) => services.access.sharedWith(actor()) },
    { method: 'GET', pattern: /^\/api\/v1\/incidents\/([^/]+)\/media-access$/, name: 'media-access', handler: async ({ params, actor }) =>
      services.access.report(actor(), params[0]!) },
    { method: 'GET', pattern: /^\/api\/v1\/calls$/, name: 'calls', handler: async ({ url, actor }) =>
      read.callBoard(actor(), url.searchParams.get('agencyId') ?? undefined) },
    // Call-leg recordings: recently ended calls, one call's legs, a logged playback of one leg; who listened.
    { method: 'GET', pattern: /^\/api\/v1\/calls\/recent$/, name: 'calls-recent', handler: async ({ url, actor }) => {
      const a = actor();
      return services.playback.recentCalls(a, url.searchParams.get('agencyId') ?? a.agencyId ?? '');
    } },
    { method: 'GET', pattern: /^\/api\/v1\/calls\/([^/]+)\/recordings$/, name: 'call-recordings', handler: async ({ params, actor }) =>
      services.playback.listCall(actor(), decodeURIComponent(params[0]!)) },
    { method: 'POST', pattern: /^\/api\/v1\/calls\/([^/]+)\/recordings\/([^/]+)\/playback$/, name: 'call-playback', handler: async ({ params, actor }) =>
      services.playback.grantCall(actor(), decodeURIComponent(params[0]!), decodeURIComponent(params[1]!)) },
    { method: 'GET', pattern: /^\/api\/v1\/calls\/([^/]+)\/media-access$/, name: 'call-media-access', handler: async ({ params, actor }) =>
      services.access.callReport(actor(), decodeURIComponent(params[0]!)) },
    { method: 'GET', pattern: /^\/api\/v1\/units$/, name: 'units', handler: async ({ url, actor }) =>
      read.units(actor(), url.searchParams.get('districtId') ?? undefined) },
    { method: 'GET', pattern: /^\/api\/v1\/units\/([^/]+)$/, name: 'unit', handler: async ({ params, actor }) => read.unit(actor(), params[0]!) },
    { method: 'POST', pattern: /^\/api\/v1\/avl$/, name: 'avl', handler: async ({ body, actor }) =>
      ({ accepted: await services.avl.ingest(actor(), parse(avlBatch, await body(), 'AVL batch').positions) }) },
    { method: 'GET', pattern: /^\/api\/v1\/feeds\/([^/]+)$/, name: 'feed', handler: async ({ params, url, actor }) => {
      const feed = parse(feedName, decodeURIComponent(params[0]!), 'feed');
      await read.authorizeFeed(actor(), feed);
      const after = url.searchParams.get('afterSeq');
      if (after !== null) {
        const missed = await read.missed(feed, int(after, 'afterSeq', 0, Number.MAX_SAFE_INTEGER));
        if (missed) return { mode: 'resume', events: missed.filter((m) => read.visible(actor(), feed, m.event)) };
      }
      return { mode: 'snapshot', ...(await read.snapshot(actor(), feed)) };
    } },
    { method: 'GET', pattern: /^\/api\/v1\/audit\/verify$/, name: 'audit', handler: async ({ actor }) => read.run(actor(), { type: 'audit.verify' }) },
    { method: 'GET', pattern: /^\/api\/v1\/city$/, name: 'city', handler: async ({ actor }) => {
      actor();
      const { users: _u, ...city } = services.city.seed;
      return city;
    } },
    { method: 'GET', pattern: /^\/api\/v1\/client-config$/, name: 'client-config', handler: async () => services.clientConfig },
    { method: 'GET', pattern: /^\/openapi\.json$/, name: 'openapi', handler: async () => openApiDocument() },
    { method: 'GET', pattern: /^\/health$/, name: 'health', handler: async () => services.health() },
    { method: 'GET', pattern: /^\/metrics$/, name: 'metrics', raw: true, handler: async () => services.metrics.registry.metrics() },
  ];

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (serveStatic(req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    let routeName = 'unknown';
    let status = 200;
    try {
      const matches = routes.filter((r) => r.pattern.test(url.pathname));
      const route = matches.find((r) => r.method === req.method);
      if (!route) {
        if (matches.length > 0) throw new (class extends BeaconError { readonly code = 'method_not_allowed'; readonly status = 405; })(`${req.method} is not allowed on ${url.pathname}`);
        throw new NotFound(`no route ${req.method} ${url.pathname}`);
      }
      routeName = route.name;
      const params = route.pattern.exec(url.pathname)!.slice(1);
      const result = await route.handler({
        req, res, url, params, body: () => readJson(req), actor: () => authenticate(services, req),
      });
      if (route.streams) {
        status = res.statusCode;
      } else if (route.raw) {
        res.writeHead(200, { 'content-type': services.metrics.registry.contentType });
        res.end(String(result));
      } else {
        status = route.name === 'health' && !(result as { ok: boolean }).ok ? 503 : 200;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      }
    } catch (err) {
      const e = describeError(err);
      status = e.status;
      if (e.status >= 500) log.error({ err, path: url.pathname }, 'request failed');
      if (!res.headersSent) res.writeHead(e.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: e.code, message: e.message }));
    } finally {
      services.metrics.httpRequests.inc({ route: routeName, status: String(status) });
    }
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw ValidationError.fromZod(r.error, what);
  return r.data;
}

function authenticate(services: Services, req: IncomingMessage): Actor {
  const header = req.headers.authorization;
  if (!header?.startsWith('Bearer ')) throw new NotAuthenticated('missing Authorization: Bearer <token>');
  return services.tokens.verify(header.slice('Bearer '.length).trim());
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > LIMITS.maxFrameBytes) throw new PayloadTooLarge(`body larger than ${LIMITS.maxFrameBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body is not valid JSON');
  }
}
