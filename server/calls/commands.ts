/**
 * Call command planners for call takers and dispatchers: readiness, answering, hold,
 * transfers, conferences, hanging up and callbacks. Each checks the actor against the call's
 * agency (and, once answered, against who has the call) and turns the command into machine
 * events of the call and the aggregates it touches, plus SIP effects for the bridge.
 */
import type { Actor, CommandOf } from '../protocol';
import { RejectedByStateMachine, ValidationError, assertNever } from '../errors';
import { CALL_TAKING_ROLES, assertCanTakeCalls, assertHasCall } from '../auth/authorize';
import type { UserDirectory } from '../auth/users';
import type { CityModel } from '../city';
import type { Plan, PlanContext, Planner, Step } from '../commands/pipeline';
import type { CallParty } from '../../state-machines/call';
import { agentRef, answeredBy, callInput, endOnIncident, engaged, loadCall, newCallId, onCall, sipEffect } from './steps';
import { incidentLinkPlanner, type IncidentLinkCommands } from './incident-link';
import { bridgePlanner, type BridgeCommands } from './bridge';

type AgentCommands = CommandOf<
  | 'call.agent.ready' | 'call.agent.away' | 'call.answer' | 'call.decline' | 'call.hold' | 'call.resume'
  | 'call.transfer' | 'call.transfer.complete' | 'call.transfer.cancel' | 'call.conference.add' | 'call.conference.remove'
  | 'call.hangup' | 'call.callback' | 'call.callback.resolve' | 'call.dial'
>;
export type CallCommands = AgentCommands | IncidentLinkCommands | BridgeCommands;

/** What call planners need besides the pipeline. */
export interface CallDeps {
  city: CityModel;
  users: UserDirectory;
  seats?: SeatPicker;
}

/** Offers a new call to a free agent inside the command that creates it (server/calls/acd.ts). */
export interface SeatPicker {
  offerOnArrival(ctx: PlanContext, callId: string, agencyId: string): Promise<Step[]>;
}

/** The planner of any call command. */
export function callPlanner(deps: CallDeps, cmd: CallCommands): Planner {
  switch (cmd.type) {
    case 'call.location.confirm': case 'call.incident.create': case 'call.incident.join':
      return incidentLinkPlanner(deps.city, cmd);
    case 'call.offered': case 'call.media.up': case 'call.connected': case 'call.location.proposed':
    case 'call.transfer.progress': case 'call.ended': case 'call.dtmf': case 'call.party.left':
      return bridgePlanner(deps.city, cmd, deps.seats);
    default:
      return (ctx) => planAgentCommand(deps, ctx, cmd);
  }
}

async function planAgentCommand(deps: CallDeps, ctx: PlanContext, cmd: AgentCommands): Promise<Plan> {
  const me = agentRef(ctx.actor);
  if (cmd.type === 'call.agent.ready' || cmd.type === 'call.agent.away') return readiness(ctx, cmd);
  if (cmd.type === 'call.dial') return dial(deps, ctx, cmd);
  const call = await loadCall(ctx, cmd.callId);
  switch (cmd.type) {
    case 'call.answer': {
      assertCanTakeCalls(ctx.actor, call.agencyId);
      // A call transferred to me is taken by answering the transfer.
      const target = call.transfer?.target;
      const event = call.state === 'transferring' && target?.kind === 'agent' && target.agentId === me.agentId
        ? { type: 'TRANSFER_ANSWERED' } : { type: 'ANSWER', ...me };
      return { steps: [onCall(call.id, event), ...(await answeredBy(ctx, ctx.actor, call.id))], effects: [sipEffect('sip.call.answer', call, { ...me })] };
    }
    case 'call.decline':
      assertCanTakeCalls(ctx.actor, call.agencyId);
      if (call.offer?.agentId !== me.agentId) throw new RejectedByStateMachine(`call ${call.id} is not offered to ${me.username}`);
      // Declining makes the agent not ready, so the ACD does not offer the next call to a busy seat.
      return { steps: [onCall(call.id, { type: 'DECLINE', agentId: me.agentId }), { type: 'agent', id: me.agentId, event: { type: 'AWAY', reason: `declined call ${call.id}` } }] };
    case 'call.hold':
    case 'call.resume':
      assertHasCall(ctx.actor, call);
      return { steps: [onCall(call.id, { type: cmd.type === 'call.hold' ? 'HOLD' : 'RESUME' })], effects: [sipEffect(cmd.type === 'call.hold' ? 'sip.call.hold' : 'sip.call.resume', call)] };
    case 'call.transfer': {
      assertHasCall(ctx.actor, call);
      const target = partyFor(deps, ctx.actor, call.agencyId, cmd.to);
      return { steps: [onCall(call.id, { type: 'TRANSFER', mode: cmd.mode, target }), ...(await engaged(ctx, target, call.id, 'transfer'))], effects: [sipEffect('sip.call.transfer', call, { mode: cmd.mode, target })] };
    }
    case 'call.transfer.complete':
      assertHasCall(ctx.actor, call);
      return { steps: [onCall(call.id, { type: 'TRANSFER_COMPLETE' })], effects: [sipEffect('sip.call.transfer.complete', call)] };
    case 'call.transfer.cancel':
      assertHasCall(ctx.actor, call);
      return { steps: [onCall(call.id, { type: 'TRANSFER_CANCEL', reason: cmd.reason })], effects: [sipEffect('sip.call.transfer.cancel', call)] };
    case 'call.conference.add': {
      assertHasCall(ctx.actor, call);
      const party = partyFor(deps, ctx.actor, call.agencyId, cmd.to);
      return { steps: [onCall(call.id, { type: 'CONFERENCE_ADD', party }), ...(await engaged(ctx, party, call.id, 'conference'))], effects: [sipEffect('sip.call.conference.add', call, { party })] };
    }
    case 'call.conference.remove': {
      assertHasCall(ctx.actor, call);
      const partyId = 'number' in cmd.to ? cmd.to.number : deps.users.find(cmd.to.username)?.id ?? cmd.to.username;
      return { steps: [onCall(call.id, { type: 'CONFERENCE_LEAVE', partyId })], effects: [sipEffect('sip.call.conference.remove', call, { partyId })] };
    }
    case 'call.hangup':
      assertHasCall(ctx.actor, call);
      return {
        steps: [onCall(call.id, { type: 'END', by: 'agent', reason: `hung up by ${me.username}` }), ...(await endOnIncident(ctx, call, 'completed'))],
        effects: [sipEffect('sip.call.hangup', call)],
      };
    case 'call.callback':
      return callback(ctx, call);
    case 'call.callback.resolve':
      assertCanTakeCalls(ctx.actor, call.agencyId);
      return { steps: [onCall(call.id, { type: 'RESOLVE', reason: cmd.reason, by: me.username })] };
    default:
      return assertNever(cmd);
  }
}

/** An agent's readiness; the agent aggregate is made the first time they get ready. */
async function readiness(ctx: PlanContext, cmd: CommandOf<'call.agent.ready' | 'call.agent.away'>): Promise<Plan> {
  const actor = ctx.actor;
  if (!CALL_TAKING_ROLES.includes(actor.role) || !actor.agencyId) throw new ValidationError(`${actor.username} does not take calls`);
  const existing = await ctx.tryLoad('agent', actor.id);
  if (cmd.type === 'call.agent.away') {
    if (!existing) throw new RejectedByStateMachine(`${actor.username} was never ready for calls`);
    return { steps: [{ type: 'agent', id: actor.id, event: { type: 'AWAY', reason: cmd.reason } }] };
  }
  const create: Step[] = existing ? [] : [{ type: 'agent', id: actor.id, create: { agentId: actor.id, username: actor.username, agencyId: actor.agencyId, role: actor.role } }];
  return { steps: [...create, { type: 'agent', id: actor.id, event: { type: 'READY' } }] };
}

/** Where a call may go: a call taker or dispatcher of the call's agency (not oneself), or a number. */
function partyFor(deps: CallDeps, actor: Actor, agencyId: string, to: CommandOf<'call.transfer'>['to']): CallParty {
  if ('number' in to) return { kind: 'number', number: to.number };
  const target = deps.users.find(to.username);
  if (!target || !CALL_TAKING_ROLES.includes(target.role)) throw new ValidationError(`${to.username} is not a call taker or dispatcher`);
  if (target.id === actor.id) throw new ValidationError('a call cannot be handed to yourself');
  if (target.agencyId !== agencyId && target.role !== 'supervisor') {
    throw new ValidationError(`${to.username} takes calls of agency ${target.agencyId}; transfer to a number for another agency`);
  }
  return { kind: 'agent', agentId: target.id, username: target.username };
}

/**
 * A dispatcher calls out: a new outbound call with the dispatcher on it, on one of the agency's
 * lines (its queue settings; the agent is busy with it like with an answered call).
 */
async function dial(deps: CallDeps, ctx: PlanContext, cmd: CommandOf<'call.dial'>): Promise<Plan> {
  const actor = ctx.actor;
  if (!CALL_TAKING_ROLES.includes(actor.role) || !actor.agencyId) throw new ValidationError(`${actor.username} does not take calls`);
  const lines = deps.city.seed.lines.filter((l) => l.agencyId === actor.agencyId);
  const line = cmd.line === undefined ? lines[0] : lines.find((l) => l.number === cmd.line);
  if (!line) throw new ValidationError(cmd.line === undefined ? `agency ${actor.agencyId} has no line to call out on` : `line ${cmd.line} is not a line of agency ${actor.agencyId}`);
  const id = newCallId(ctx.at);
  const input = callInput(line, { direction: 'outbound', sipCallId: null, callerNumber: cmd.number, callerName: null, location: null, agent: agentRef(actor) });
  return {
    createdId: id,
    steps: [{ type: 'call', id, create: input }, ...(await answeredBy(ctx, actor, id))],
    effects: [sipEffect('sip.call.dial', { id, sipCallId: null }, { number: cmd.number, agentId: actor.id, line: line.number })],
  };
}

/** Calls an abandoned caller back: a new outbound call with the dispatcher on it. */
async function callback(ctx: PlanContext, call: Awaited<ReturnType<typeof loadCall>>): Promise<Plan> {
  assertCanTakeCalls(ctx.actor, call.agencyId);
  if (call.state !== 'abandoned') throw new RejectedByStateMachine(`call ${call.id} is ${call.state}; only abandoned calls are called back`);
  const id = newCallId(ctx.at);
  const input = {
    direction: 'outbound', sipCallId: null, callerNumber: call.callerNumber, callerName: call.callerName, line: call.line,
    agencyId: call.agencyId, priority: call.priority, answerTargetMs: call.answerTargetMs, offerTimeoutMs: call.offerTimeoutMs,
    location: null, agent: agentRef(ctx.actor), callbackOf: call.id,
  };
  return {
    createdId: id,
    steps: [{ type: 'call', id, create: input }, onCall(call.id, { type: 'CALLBACK', callbackCallId: id, by: ctx.actor.username }), ...(await answeredBy(ctx, ctx.actor, id))],
    effects: [sipEffect('sip.call.dial', { id, sipCallId: null }, { number: call.callerNumber, agentId: ctx.actor.id, line: call.line })],
  };
}
