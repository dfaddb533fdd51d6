/**
 * The pipeline plans on aggregates it remembers without reading them again (server/commands/
 * pipeline.ts), and must never act on a stale one: another node (here a second pipeline on the
 * same store) moves an agent on behind this node's back, and this node's commands still end as
 * they would on a fresh read: a write planned on the old version conflicts and is planned
 * again, a read of the old version is caught at commit, and a refusal based on it is re-checked.
 * Runs on whatever backend the environment names.
 */
import { SYSTEM_ACTOR } from '../../server/auth/users';
import { CommandPipeline, type Plan, type PlanContext } from '../../server/commands/pipeline';
import { RejectedByStateMachine } from '../../server/errors';
import { agentKind, callKind } from '../../server/calls/kind';
import { createLogger } from '../../server/log';
import { startTestServer, type TestServer } from '../support/app';
import { uniqueName } from '../support/env';

let server: TestServer;
let here: CommandPipeline;
let elsewhere: CommandPipeline;
beforeAll(async () => {
  server = await startTestServer({ runWorkers: false, env: { MEDIA_ENABLED: 'false', SIP_ENABLED: 'false' } });
  here = server.app.pipeline;
  const metrics = { observeCommand: () => {}, countRetry: () => {} };
  elsewhere = new CommandPipeline(server.app.db.sql, server.app.bus, server.app.clock, [callKind, agentKind], createLogger('warn', 'elsewhere'), 'elsewhere', metrics);
});
afterAll(async () => { await server?.stop(); });

const id = () => uniqueName('user:cache');
const run = (p: CommandPipeline, planner: (ctx: PlanContext) => Promise<Plan>) => p.execute(SYSTEM_ACTOR, uniqueName('cmd'), 'test.cache', planner);
const step = (agentId: string, event: Record<string, unknown> & { type: string }): Plan => ({ steps: [{ type: 'agent', id: agentId, event }] });
async function readyAgent(p: CommandPipeline): Promise<string> {
  const agentId = id();
  await run(p, async () => ({ steps: [
    { type: 'agent', id: agentId, create: { agentId, username: agentId, agencyId: 'police', role: 'call_taker' } },
    { type: 'agent', id: agentId, event: { type: 'READY' } },
  ] }));
  return agentId;
}
const stateOf = async (agentId: string) => (await here.load('agent', agentId))!.state;

test('a write planned on a remembered version that another node moved on is planned again on the store', async () => {
  const agentId = await readyAgent(here); // remembered here as ready
  await run(elsewhere, async () => step(agentId, { type: 'AWAY', reason: 'break' }));
  const seen: string[] = [];
  const result = await run(here, async (ctx) => {
    const seat = await ctx.load('agent', agentId);
    seen.push(seat.state);
    return step(agentId, seat.state === 'ready' ? { type: 'AWAY', reason: 'lunch' } : { type: 'READY' });
  });
  expect(seen).toEqual(['ready', 'away']);
  expect(result.events.map((e) => e.type)).toEqual(['agent.ready']);
  expect(await stateOf(agentId)).toBe('ready');
});

test('a read of a remembered version that moved on is caught when the command commits', async () => {
  const watched = await readyAgent(here);
  const written = await readyAgent(here);
  await run(elsewhere, async () => step(watched, { type: 'AWAY', reason: 'break' }));
  const seen: string[] = [];
  await run(here, async (ctx) => {
    seen.push((await ctx.load('agent', watched)).state); // read only
    return step(written, { type: 'OFFERED', callId: 'CALL-1' });
  });
  expect(seen).toEqual(['ready', 'away']);
});

test('a refusal planned on a remembered aggregate is checked again on the store, and a real one still stands', async () => {
  const agentId = await readyAgent(here);
  await run(here, async () => step(agentId, { type: 'AWAY', reason: 'break' })); // remembered here as away
  await run(elsewhere, async () => step(agentId, { type: 'READY' }));
  const onlyWhenReady = async (ctx: PlanContext) => {
    if ((await ctx.load('agent', agentId)).state !== 'ready') throw new RejectedByStateMachine('not ready');
    return step(agentId, { type: 'OFFERED', callId: 'CALL-2' });
  };
  expect((await run(here, onlyWhenReady)).events.map((e) => e.type)).toEqual(['agent.offered']);
  await run(elsewhere, async () => step(agentId, { type: 'AWAY', reason: 'gone' }));
  await expect(run(here, onlyWhenReady)).rejects.toThrow('not ready');
  expect(await stateOf(agentId)).toBe('away');
});
