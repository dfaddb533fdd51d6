/**
 * What the SIP bridge reports, as a system actor: a new call on a line (INVITE), media up,
 * the far end of an outbound call answering, a later PIDF-LO, transfer outcomes and the end
 * of a call (BYE, CANCEL, failure). The bridge executes the effects the other call commands
 * write (`sip.call.*`); these commands tell the core what the network did.
 */
import type { CommandOf } from '../protocol';
import { ValidationError, assertNever } from '../errors';
import { assertSipBridge } from '../auth/authorize';
import type { CityModel } from '../city';
import type { Plan, PlanContext, Planner, Step } from '../commands/pipeline';
import { callInput, endOnIncident, lineOf, loadCall, newCallId, onCall } from './steps';
import type { CallView } from './kind';
import type { SeatPicker } from './commands';

export type BridgeCommands = CommandOf<
  'call.offered' | 'call.media.up' | 'call.connected' | 'call.location.proposed' | 'call.transfer.progress' | 'call.ended' | 'call.dtmf' | 'call.party.left'
>;

export function bridgePlanner(city: CityModel, cmd: BridgeCommands, seats?: SeatPicker): Planner {
  return async (ctx): Promise<Plan> => {
    assertSipBridge(ctx.actor, cmd.type);
    if (cmd.type === 'call.offered') return offered(city, ctx, cmd, seats);
    const call = await loadCall(ctx, cmd.callId);
    switch (cmd.type) {
      case 'call.media.up':
        return { steps: [onCall(call.id, { type: 'MEDIA_UP' })] };
      case 'call.connected':
        return { steps: [onCall(call.id, { type: 'CONNECTED' }), ...(await callbackReached(ctx, call))] };
      case 'call.location.proposed':
        return { steps: [onCall(call.id, { type: 'LOCATION_PROPOSED', location: pidf(cmd.location) })] };
      case 'call.transfer.progress':
        return transferProgress(ctx, call, cmd);
      case 'call.party.left': {
        // Left already (removed by the dispatcher) or never joined: nothing to record.
        if (!call.conference.some((p) => p.kind === 'number' && p.number === cmd.number)) return { steps: [] };
        return { steps: [onCall(call.id, { type: 'CONFERENCE_LEAVE', partyId: cmd.number })] };
      }
      case 'call.dtmf':
        return { steps: [onCall(call.id, { type: 'DTMF', digit: cmd.digit, via: cmd.via, durationMs: cmd.durationMs ?? null })] };
      case 'call.ended': {
        const reason = [cmd.cause, cmd.sipStatus, cmd.sipReason].filter((x) => x !== undefined).join(' ');
        const by = cmd.cause === 'failure' ? 'system' : 'caller';
        const outcome = call.answeredAt === null ? (call.direction === 'inbound' ? 'abandoned' : 'no_answer') : 'completed';
        return { steps: [onCall(call.id, { type: 'END', by, reason }), ...(await endOnIncident(ctx, call, outcome))] };
      }
      default:
        return assertNever(cmd);
    }
  };
}

/**
 * An INVITE to a configured line: the call rings and enters its agency's queue at once, and is
 * offered in the same command to a free agent when there is one (and nobody waits ahead).
 */
async function offered(city: CityModel, ctx: PlanContext, cmd: CommandOf<'call.offered'>, seats?: SeatPicker): Promise<Plan> {
  const line = lineOf(city, cmd.line);
  if (!line) throw new ValidationError(`no line ${cmd.line} is configured; refuse the call (404)`);
  const id = newCallId(ctx.at);
  const input = callInput(line, {
    direction: 'inbound', sipCallId: cmd.sipCallId, callerNumber: cmd.callerNumber, callerName: cmd.callerName ?? null,
    location: cmd.location ? pidf(cmd.location) : null,
  });
  const offer = (await seats?.offerOnArrival(ctx, id, line.agencyId)) ?? [];
  return { createdId: id, steps: [{ type: 'call', id, create: input }, onCall(id, { type: 'ENQUEUE' }), ...offer] };
}

function pidf(location: CommandOf<'call.location.proposed'>['location']) {
  return { lat: location.lat, lon: location.lon, radiusM: location.radiusM ?? null, method: location.method ?? null };
}

/** A callback that reaches the caller settles the abandoned call it was made for. */
async function callbackReached(ctx: PlanContext, call: CallView): Promise<Step[]> {
  if (!call.callbackOf) return [];
  const original = (await ctx.tryLoad('call', call.callbackOf))?.view as CallView | undefined;
  if (original?.state !== 'abandoned') return [];
  return [onCall(original.id, { type: 'RESOLVE', reason: `caller reached by callback ${call.id}`, by: call.agent?.username ?? 'system' })];
}

async function transferProgress(ctx: PlanContext, call: CallView, cmd: CommandOf<'call.transfer.progress'>): Promise<Plan> {
  switch (cmd.outcome) {
    case 'answered':
      return { steps: [onCall(call.id, { type: 'TRANSFER_ANSWERED' })] };
    case 'completed': {
      // A call handed to an outside number ends here; its incident shows it went on elsewhere.
      const out = call.transfer?.target.kind === 'number';
      return { steps: [onCall(call.id, { type: 'TRANSFER_COMPLETE' }), ...(out ? await endOnIncident(ctx, call, 'transferred') : [])] };
    }
    case 'failed':
      return { steps: [onCall(call.id, { type: 'TRANSFER_CANCEL', reason: `transfer failed${cmd.sipReason ? `: ${cmd.sipReason}` : ''}` })] };
    default:
      return assertNever(cmd.outcome);
  }
}
