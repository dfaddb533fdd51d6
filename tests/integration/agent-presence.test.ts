/**
 * A call taker whose consoles are all gone stops being offered calls (issue #5): after the
 * presence grace the server sets the seat away ("console disconnected"), so the next 110 call
 * goes to a call taker who is there instead of waiting out an offer on an empty seat. A
 * reconnect within the grace keeps the seat ready; a second console keeps it ready while the
 * first closes; a seat that was away stays as it was. Runs on the configured backend.
 */
import { SYSTEM_ACTOR } from '../../server/auth/users';
import type { AgentView, CallView } from '../../server/calls/kind';
import { PRESENCE_AWAY_REASON } from '../../server/calls/presence';
import { startTestServer, type TestServer } from '../support/app';
import { TestClient } from '../support/ws-client';
import { until } from '../support/until';

let server: TestServer;
let bridge: TestClient;
const clients: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ env: { MEDIA_ENABLED: 'false', SIP_ENABLED: 'false', AGENT_PRESENCE_GRACE_SEC: '1' } });
  bridge = await TestClient.connect(server.port, server.app.tokens.issue(SYSTEM_ACTOR).token);
});
afterAll(async () => {
  for (const c of [bridge, ...clients]) await c?.close().catch(() => undefined);
  await server?.stop();
});

const connect = async (username: string) => {
  const c = await TestClient.connect(server.port, server.token(username));
  clients.push(c);
  return c;
};
const agent = async (username: string) => (await server.app.pipeline.load('agent', `user:${username}`))?.view as unknown as AgentView | undefined;
const call = async (id: string) => (await server.app.pipeline.load('call', id))!.view as unknown as CallView;

test('a ready call taker whose console closed is set away after the grace, and the next call is offered to the one still there', async () => {
  const gone = await connect('calltaker.police');
  const there = await connect('dispatcher.police');
  await gone.ok({ type: 'call.agent.ready' });
  await new Promise((r) => setTimeout(r, 50)); // ready longest first: the leaving call taker would be offered first
  await there.ok({ type: 'call.agent.ready' });
  await gone.close();
  await until('the empty seat set away', async () => (await agent('calltaker.police'))?.state === 'away', 5_000);
  expect(await agent('calltaker.police')).toMatchObject({ awayReason: PRESENCE_AWAY_REASON });
  expect((await agent('dispatcher.police'))?.state).toBe('ready');
  const { createdId } = await bridge.ok({ type: 'call.offered', sipCallId: `presence-${Date.now()}@edge`, callerNumber: '13800138001', line: '110' });
  await until('the call offered to the dispatcher who is there', async () => (await call(createdId!)).offer?.username === 'dispatcher.police', 10_000);
  await bridge.ok({ type: 'call.ended', callId: createdId!, cause: 'cancel' });
});

test('a reconnect within the grace, or a second console, keeps the seat ready; a seat away by choice is left alone', async () => {
  const first = await connect('calltaker.police');
  await first.ok({ type: 'call.agent.ready' });
  const second = await connect('calltaker.police');
  await first.close();
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await agent('calltaker.police'))?.state).toBe('ready');
  await second.close();
  const back = await connect('calltaker.police'); // a reload: back well within the grace
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await agent('calltaker.police'))?.state).toBe('ready');
  await back.ok({ type: 'call.agent.away', reason: 'break' });
  await back.close();
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await agent('calltaker.police')).toMatchObject({ state: 'away', awayReason: 'break' });
});
