/**
 * The SIP edge with real SIP peers: a server starts its own Kamailio (free ports), phones
 * register through it with digest authentication against the server's own accounts, bad input
 * is stopped at the edge, and a killed Kamailio comes back. Runs on the configured backend
 * (PostgreSQL view + SELECT-only role, or PGlite with the db_text file).
 */
import { startTestServer, type TestServer } from '../support/app';
import { until } from '../support/until';
import { sendDatagram, sippFlood, sippRegister, wsRegister } from './peers';

const DOMAIN = 'beacon.local';
const PASSWORD = 'beacon';

let server: TestServer;
let sipPort: number;

beforeAll(async () => {
  server = await startTestServer({ env: { SIP_ENABLED: 'true' } });
  sipPort = server.app.sip.edge.sipPort;
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const register = (user: string, password: string, extra: { authUser?: string; transport?: 'udp' | 'tcp'; localIp?: string } = {}) =>
  sippRegister({ port: sipPort, domain: DOMAIN, user, password, ...extra });

const health = async () => (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as { ok: boolean; checks: Record<string, string> };

test('the edge runs and reports itself in /health and /metrics', async () => {
  expect(server.app.sip.edge.state).toBe('running');
  expect((await health()).checks.sip).toMatch(/^ok \(udp\/tcp 127\.0\.0\.1:\d+/);
  const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  expect(metrics).toMatch(/beacon_sip_edge_up\{[^}]*\} 1/);
});

test("Engine 21's phone registers with its password over UDP and TCP; a wrong password is challenged again", async () => {
  expect(await register('e-21', PASSWORD)).toBe(200);
  expect(await register('e-21', PASSWORD, { transport: 'tcp' })).toBe(200);
  expect(await register('e-21', 'not-the-password')).toBe(401);
  expect(await register('nobody', PASSWORD)).toBe(401);
});

test("a phone cannot register someone else's number, even with its own right password", async () => {
  expect(await register('a-31', PASSWORD, { authUser: 'e-21' })).toBe(403);
});

test('a disabled phone is refused at its next REGISTER, and a changed password counts at once', async () => {
  const { accounts } = server.app.sip;
  expect(await register('caller.1', PASSWORD)).toBe(200);
  await accounts.setEnabled('caller.1', false);
  expect(await register('caller.1', PASSWORD)).toBe(401);
  await accounts.setEnabled('caller.1', true);
  expect(await register('caller.1', PASSWORD)).toBe(200);
  await accounts.setPassword('caller.1', 'a-new-secret');
  expect(await register('caller.1', PASSWORD)).toBe(401);
  expect(await register('caller.1', 'a-new-secret')).toBe(200);
});

test("only server nodes register on the internal WebSocket port, under the nodes' shared AoR", async () => {
  const { edge, node } = server.app.sip;
  expect(await wsRegister(edge.wsPort, { aor: node.aor, authUser: node.username, password: node.password, domain: DOMAIN })).toBe(200);
  // A phone with the right password is still not a node.
  expect(await wsRegister(edge.wsPort, { aor: 'e-21', authUser: 'e-21', password: PASSWORD, domain: DOMAIN })).toBe(403);
  // A node account is not a phone: refused on the phones' port.
  expect(await register(node.username, node.password)).toBe(403);
  // Raw SIP on the WebSocket port is dropped.
  expect(await sendDatagram(edge.wsPort, 'OPTIONS sip:x SIP/2.0\r\n\r\n')).toEqual([]);
});

test('malformed SIP is dropped or answered 4xx/5xx at the edge, and the edge keeps serving', async () => {
  const pid = server.app.sip.edge.pid;
  const request = (headers: string[]) => [`REGISTER sip:${DOMAIN} SIP/2.0`, ...headers, 'Content-Length: 0', '', ''].join('\r\n');
  const via = 'Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKbad1';
  const from = `From: <sip:e-21@${DOMAIN}>;tag=1`;
  const to = `To: <sip:e-21@${DOMAIN}>`;
  const bad = {
    garbage: Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7919) % 256)),
    'no Call-ID': request([via, from, to, 'CSeq: 1 REGISTER']),
    'no CSeq': request([via, from, to, 'Call-ID: bad2']),
    'no Via': request([from, to, 'Call-ID: bad3', 'CSeq: 1 REGISTER']),
    'bad Content-Length': request([via, from, to, 'Call-ID: bad4', 'CSeq: 1 REGISTER']).replace('Content-Length: 0', 'Content-Length: 900'),
  };
  for (const [what, payload] of Object.entries(bad)) {
    const replies = await sendDatagram(sipPort, payload);
    for (const r of replies) expect(`${what}: ${r}`).toMatch(/: SIP\/2\.0 [45]\d\d /);
  }
  const oversized = request([via, from, to, 'Call-ID: big', 'CSeq: 1 REGISTER', `X-Filler: ${'x'.repeat(20_000)}`]);
  expect(await sendDatagram(sipPort, oversized)).toEqual(['SIP/2.0 513 Message Too Large']);
  const manyVias = request([...Array.from({ length: 300 }, (_, i) => `Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKv${i}`), from, to, 'Call-ID: vias', 'CSeq: 1 REGISTER']);
  for (const r of await sendDatagram(sipPort, manyVias)) expect(r).toMatch(/^SIP\/2\.0 [45]\d\d /);

  expect(server.app.sip.edge.pid).toBe(pid);
  expect(await server.app.sip.edge.answers()).toBe(true);
  expect(await register('e-21', PASSWORD)).toBe(200);
  expect((await health()).ok).toBe(true);
});

test('a flood from one address gets it banned while other phones are still served', async () => {
  // 127.0.0.2 is loopback too: the flooder has its own address, so the ban does not hit the tests.
  await sippFlood(sipPort, '127.0.0.2', 1500, 1000);
  expect(await sendDatagram(sipPort, `OPTIONS sip:127.0.0.1:${sipPort} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:9;branch=z9hG4bKfl\r\nFrom: <sip:f@x>;tag=1\r\nTo: <sip:x>\r\nCall-ID: fl\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, { localIp: '127.0.0.2' })).toEqual([]);
  expect(await server.app.sip.edge.answers()).toBe(true);
  expect(await register('a-31', PASSWORD)).toBe(200);
}, 60_000);

test('a killed Kamailio is started again by the server, on the same ports', async () => {
  const { edge } = server.app.sip;
  const before = { pid: edge.pid, restarts: edge.restarts };
  process.kill(before.pid!, 'SIGKILL');
  await until('the SIP edge back up', async () => edge.state === 'running' && edge.pid !== before.pid && (await edge.answers()), 20_000);
  expect(edge.restarts).toBe(before.restarts + 1);
  expect(edge.sipPort).toBe(sipPort);
  expect(await register('e-21', PASSWORD)).toBe(200);
  expect((await health()).checks.sip).toContain('1 restarts');
}, 30_000);
