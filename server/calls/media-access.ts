/**
 * Who may enter a call's media room (`call:<id>`): the call takers and dispatchers of the
 * call's agency (and supervisors), the same people who may take the call, while it is live;
 * only the agents on the call publish their microphone there. The same people, and auditors,
 * may list and play back the call's leg recordings, live or ended.
 */
import { NotAuthorized, NotFound } from '../errors';
import { assertCanTakeCalls } from '../auth/authorize';
import type { Actor } from '../protocol';
import type { Sql } from '../store/db';
import type { CommandPipeline } from '../commands/pipeline';
import type { CallLoader } from '../../media/MediaService';
import { LIVE_CALL_STATES } from '../../state-machines/call';
import type { CallView } from './kind';

/** The media plane's call loader, reading the call aggregate's view. */
export function callLoader(pipeline: CommandPipeline): CallLoader {
  return async (actor, callId) => {
    const loaded = await pipeline.load('call', callId);
    if (!loaded) throw new NotFound(`no call ${callId}`);
    const call = loaded.view as unknown as CallView;
    assertCanTakeCalls(actor, call.agencyId);
    // Who speaks to the caller: the agent who has the call and the agents conferenced in.
    const agentIds = [call.agent?.agentId, ...call.conference.map((p) => (p.kind === 'agent' ? p.agentId : undefined))].filter((a): a is string => !!a);
    return { id: call.id, agencyId: call.agencyId, live: (LIVE_CALL_STATES as readonly string[]).includes(call.state), agentIds, incidentId: call.incidentId };
  };
}

/** Throws unless `actor` may hear the recorded audio of the agency's calls: its call takers, dispatchers, supervisors, and auditors. */
export function assertCanHearCalls(actor: Actor, agencyId: string): void {
  if (actor.role === 'auditor' || actor.role === 'system') return;
  try {
    assertCanTakeCalls(actor, agencyId);
  } catch {
    throw new NotAuthorized(`${actor.username} (${actor.role}, ${actor.agencyId ?? 'no agency'}) may not hear the recordings of ${agencyId}'s calls`);
  }
}

/** A call, live or ended, for an actor who may hear its recordings; throws NotFound / NotAuthorized. */
export async function hearableCall(pipeline: CommandPipeline, actor: Actor, callId: string): Promise<CallView> {
  const loaded = await pipeline.load('call', callId);
  if (!loaded) throw new NotFound(`no call ${callId}`);
  const call = loaded.view as unknown as CallView;
  assertCanHearCalls(actor, call.agencyId);
  return call;
}

/** The agency's most recently ended calls (answered ones: only they have legs to record), newest first. */
export async function recentlyEndedCalls(sql: Sql, pipeline: CommandPipeline, actor: Actor, agencyId: string, limit: number): Promise<CallView[]> {
  assertCanHearCalls(actor, agencyId);
  const rows = await sql<{ id: string; version: number; snapshot: unknown }[]>`
    SELECT id, version, snapshot FROM aggregates
    WHERE type = 'call' AND agency_id = ${agencyId} AND state = 'ended'
    ORDER BY updated_at DESC LIMIT ${limit}`;
  const kind = pipeline.kind('call');
  return rows.map((r) => kind.view(r.id, pipeline.restore('call', r.snapshot), r.version) as unknown as CallView);
}
