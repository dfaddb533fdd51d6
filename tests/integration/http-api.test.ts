/**
 * The HTTP API as an integrator meets it: sign in, read the queue, send commands, and get a
 * clear JSON answer (with a stable code) for every mistake, from a wrong password to a body
 * too large to read. Operators get health, metrics and the OpenAPI document.
 */
import { startTestServer, type TestServer } from '../support/app';

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startTestServer();
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.stop();
});

async function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (metrics); the text is still returned.
  }
  return { status: res.status, type: res.headers.get('content-type') ?? '', json, text };
}

const login = (username: string, password: string) => call('POST', '/api/v1/auth/login', { body: { username, password } });
const eventCount = async () => (await server.app.db.sql`SELECT count(*)::int AS n FROM events`)[0]!.n as number;

describe('signing in', () => {
  test('a dispatcher with the right password gets a token that opens the incident queue', async () => {
    const res = await login('dispatcher.police', 'beacon');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token: expect.any(String), expiresAt: expect.any(String), actor: { username: 'dispatcher.police', role: 'dispatcher', agencyId: 'police' } });
    expect(Date.parse(res.json.expiresAt)).toBeGreaterThan(Date.now());

    const queue = await call('GET', '/api/v1/incidents', { token: res.json.token });
    expect(queue.status).toBe(200);
    expect(queue.type).toContain('application/json');
    expect(Array.isArray(queue.json)).toBe(true);
  });

  test('a wrong password, or a user who does not exist, is refused alike with not_authenticated', async () => {
    const wrong = await login('dispatcher.police', 'hunter2');
    const nobody = await login('dispatcher.atlantis', 'beacon');
    for (const res of [wrong, nobody]) {
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ code: 'not_authenticated', message: 'wrong username or password' });
    }
  });

  test('a login body without a password is a validation error, not a crash', async () => {
    const res = await call('POST', '/api/v1/auth/login', { body: { username: 'dispatcher.police' } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('password') });
  });

  test('the queue without a token, or with a forged one, is refused with 401', async () => {
    const none = await call('GET', '/api/v1/incidents');
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: 'not_authenticated', message: expect.stringContaining('Authorization') });

    const real = server.token('dispatcher.police');
    const forged = await call('GET', '/api/v1/incidents', { token: `${real.split('.')[0]}.c2lnbmF0dXJl` });
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ code: 'not_authenticated' });
  });
});

describe('sending commands', () => {
  test('a dispatcher creates an incident over HTTP and finds it in the queue', async () => {
    const token = server.token('dispatcher.police');
    const res = await call('POST', '/api/v1/commands', {
      token, body: { type: 'incident.create', commandId: 'http-create-0001', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.16 }, description: 'bicycle stolen outside the library' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ commandId: 'http-create-0001', createdId: expect.stringMatching(/^INC-/), duplicate: false });
    const queue = await call('GET', '/api/v1/incidents', { token });
    expect(queue.json.map((i: { id: string }) => i.id)).toContain(res.json.createdId);
  });

  test('broken JSON is answered 400 "body is not valid JSON" and changes nothing', async () => {
    const before = await eventCount();
    const res = await call('POST', '/api/v1/commands', { token: server.token('dispatcher.police'), raw: '{"type": "incident.create", "priority": ' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ code: 'validation_failed', message: 'body is not valid JSON' });
    expect(await eventCount()).toBe(before);
  });

  test('an unknown command type is refused with validation_failed naming the type field', async () => {
    const before = await eventCount();
    const res = await call('POST', '/api/v1/commands', { token: server.token('dispatcher.police'), body: { type: 'incident.launch', commandId: 'http-unknown-0001' } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('validation_failed');
    expect(res.json.message).toMatch(/^invalid command: type: /);
    expect(await eventCount()).toBe(before);
  });

  test('a command without a token is refused before its body is looked at', async () => {
    const res = await call('POST', '/api/v1/commands', { raw: 'not even json' });
    expect(res.status).toBe(401);
    expect(res.json.code).toBe('not_authenticated');
  });

  test('a body over 256 KiB is refused with 413 payload_too_large', async () => {
    const before = await eventCount();
    const description = 'x'.repeat(300 * 1024);
    const res = await call('POST', '/api/v1/commands', {
      token: server.token('dispatcher.police'),
      body: { type: 'incident.create', commandId: 'http-huge-0001', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.16 }, description },
    });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ code: 'payload_too_large', message: 'body larger than 262144 bytes' });
    expect(await eventCount()).toBe(before);
    // The server is still there for the next request.
    expect((await call('GET', '/health')).status).toBe(200);
  });

  test('a body just under 256 KiB is read and judged on its content instead', async () => {
    const res = await call('POST', '/api/v1/commands', {
      token: server.token('dispatcher.police'),
      body: { type: 'incident.create', commandId: 'http-big-0001', incidentType: 'theft', priority: 3, location: { lat: 30.25, lon: 120.16 }, description: 'x'.repeat(250 * 1024) },
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('description') });
  });
});

describe('reading reference data', () => {
  test('the city has its three districts and never lists its users or their passwords', async () => {
    const res = await call('GET', '/api/v1/city', { token: server.token('calltaker.police') });
    expect(res.status).toBe(200);
    expect(res.json.districts.map((d: { id: string }) => d.id)).toEqual(['xihu', 'shangcheng', 'binjiang']);
    expect(res.json).not.toHaveProperty('users');
    expect(res.text).not.toContain('dispatcher.police');
    expect(res.json.agencies.length).toBeGreaterThan(0);
  });

  test('the city is not public either', async () => {
    expect((await call('GET', '/api/v1/city')).status).toBe(401);
  });
});

describe('operating the server', () => {
  test('GET /openapi.json is an OpenAPI 3.1 document whose Command schema lists incident.create', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/commands', '/api/v1/avl', '/health']));
    const commandTypes = JSON.stringify(doc.components.schemas.Command);
    expect(commandTypes).toContain('"incident.create"');
    expect(commandTypes).toContain('"unit.status"');
    expect(doc.paths['/api/v1/commands'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Command' });
    // Every $ref points at a schema the document defines.
    for (const [, name] of JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      expect(doc.components.schemas).toHaveProperty([name!]);
    }
  });

  test('GET /health reports ok with its database', async () => {
    const res = await call('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true, checks: { database: expect.stringMatching(/^ok/), bus: expect.any(String) } });
  });

  test('GET /metrics is Prometheus text counting commands', async () => {
    const res = await call('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/plain');
    expect(res.text).toContain('beacon_commands_total');
    expect(res.text).toMatch(/beacon_http_requests_total\{route="health",status="200"[^}]*\} \d+/);
  });

  test('an unknown route is a JSON 404, and a wrong method a JSON 405', async () => {
    const missing = await call('GET', '/api/v1/helicopters');
    expect(missing.status).toBe(404);
    expect(missing.type).toContain('application/json');
    expect(missing.json).toEqual({ code: 'not_found', message: 'no route GET /api/v1/helicopters' });

    const wrongMethod = await call('DELETE', '/api/v1/incidents', { token: server.token('dispatcher.police') });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.json.code).toBe('method_not_allowed');
  });
});
