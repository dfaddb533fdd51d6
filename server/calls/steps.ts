/**
 * Building blocks of the call command planners: loading a call, the steps on the call, its
 * agent and its incident, the SIP effects the bridge executes, and new call ids.
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../protocol';
import type { CityModel } from '../city';
import type { PhoneLine } from '../../config/seed/schema';
import type { Effect, Loaded, MachineEvent, PlanContext, Step } from '../commands/pipeline';
import type { CallAgent, CallInput, CallParty } from '../../state-machines/call';
import type { IncidentView } from '../incidents/kind';
import type { CallView } from './kind';

/** The call view of a loaded call aggregate. */
export function callOf(loaded: Loaded): CallView {
  return loaded.view as unknown as CallView;
}

export async function loadCall(ctx: PlanContext, callId: string): Promise<CallView> {
  return callOf(await ctx.load('call', callId));
}

/** A step on a call; undefined fields are left out of the stored payload. */
export function onCall(callId: string, event: MachineEvent): Step {
  const clean = Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as MachineEvent;
  return { type: 'call', id: callId, event: clean };
}

/** The actor as a call agent (agent aggregates are keyed by actor id). */
export function agentRef(actor: Actor): CallAgent {
  return { agentId: actor.id, username: actor.username };
}

/** A step on an agent's aggregate, if they have one (they signed in to the ACD); none otherwise. */
async function onAgent(ctx: PlanContext, agentId: string, event: MachineEvent): Promise<Step[]> {
  return (await ctx.tryLoad('agent', agentId)) ? [{ type: 'agent', id: agentId, event }] : [];
}

/** Records on the agent's aggregate that they took a call. */
export function answeredBy(ctx: PlanContext, actor: Actor, callId: string): Promise<Step[]> {
  return onAgent(ctx, actor.id, { type: 'ANSWERED', callId });
}

/**
 * Records on an agent's aggregate that a call was transferred to them or
 * they were added to one: it steps their version, so an ACD offer planned meanwhile conflicts.
 */
export async function engaged(ctx: PlanContext, party: CallParty, callId: string, as: 'transfer' | 'conference'): Promise<Step[]> {
  return party.kind === 'agent' ? onAgent(ctx, party.agentId, { type: 'ENGAGED', callId, as }) : [];
}

/**
 * The incident step for a call that ends: its timeline shows the call's outcome. A merged
 * incident takes no more events, and must not make the hang-up fail.
 */
export async function endOnIncident(ctx: PlanContext, call: CallView, outcome: string): Promise<Step[]> {
  if (!call.incidentId) return [];
  const incident = (await ctx.tryLoad('incident', call.incidentId))?.view as IncidentView | undefined;
  if (!incident || incident.state === 'merged') return [];
  if (!(incident.calls ?? []).some((c) => c.callId === call.id && c.endedAt === null)) return [];
  return [{ type: 'incident', id: incident.id, event: { type: 'CALL_ENDED', callId: call.id, outcome } }];
}

/** A side effect for the SIP bridge, run once from the outbox after the command commits. */
export function sipEffect(action: `sip.call.${string}`, call: Pick<CallView, 'id' | 'sipCallId'>, params: Record<string, unknown> = {}): Effect {
  return { action, streamType: 'call', streamId: call.id, params: { callId: call.id, sipCallId: call.sipCallId, ...params } };
}

/** Call ids people can read out: CALL-<yymmdd>-<10 hex> (40 random bits a day; a clash re-plans). */
export function newCallId(at: Date): string {
  return `CALL-${at.toISOString().slice(2, 10).replaceAll('-', '')}-${randomBytes(5).toString('hex').toUpperCase()}`;
}

/** The configured line with this number, if any. */
export function lineOf(city: CityModel, number: string): PhoneLine | undefined {
  return city.seed.lines.find((l) => l.number === number);
}

/** A new call's input from its line's queue settings. */
export function callInput(line: PhoneLine, fields: Omit<CallInput, 'at' | 'line' | 'agencyId' | 'priority' | 'answerTargetMs' | 'offerTimeoutMs'>): Record<string, unknown> {
  const input: Omit<CallInput, 'at'> = {
    ...fields, line: line.number, agencyId: line.agencyId, priority: line.priority,
    answerTargetMs: line.answerTargetSec * 1000, offerTimeoutMs: line.offerTimeoutSec * 1000,
  };
  return input as unknown as Record<string, unknown>;
}
