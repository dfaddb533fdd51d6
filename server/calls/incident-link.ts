/**
 * A call and its incident: confirming the caller's location, and creating or joining an
 * incident from a call in one command (both aggregates, one transaction). A PIDF-LO location
 * is only a proposal: it reaches an incident when a dispatcher confirms it, never on its own.
 */
import type { CommandOf } from '../protocol';
import { RejectedByStateMachine, ValidationError, assertNever } from '../errors';
import { assertCanCommandIncident, assertCanTakeCalls } from '../auth/authorize';
import type { CityModel } from '../city';
import type { Plan, PlanContext, Planner, Step } from '../commands/pipeline';
import { incidentPlanner } from '../incidents/commands';
import type { IncidentView } from '../incidents/kind';
import { isOpen } from '../../state-machines/incident';
import { loadCall, onCall } from './steps';
import type { CallView } from './kind';

export type IncidentLinkCommands = CommandOf<'call.location.confirm' | 'call.incident.create' | 'call.incident.join'>;

/** The incident event that puts a call on the incident's timeline. */
function callLinked(incidentId: string, call: CallView): Step {
  return { type: 'incident', id: incidentId, event: { type: 'CALL_LINKED', callId: call.id, callerNumber: call.callerNumber, line: call.line } };
}

function assertUnlinked(call: CallView): void {
  if (call.incidentId) throw new RejectedByStateMachine(`call ${call.id} is already linked to incident ${call.incidentId}`);
}

export function incidentLinkPlanner(city: CityModel, cmd: IncidentLinkCommands): Planner {
  return async (ctx): Promise<Plan> => {
    const call = await loadCall(ctx, cmd.callId);
    assertCanTakeCalls(ctx.actor, call.agencyId);
    switch (cmd.type) {
      case 'call.location.confirm':
        return confirmLocation(city, ctx, call, cmd);
      case 'call.incident.create': {
        assertUnlinked(call);
        const location = cmd.location ?? call.confirmedLocation;
        if (!location) {
          throw new ValidationError(call.proposedLocation
            ? `the caller's location of call ${call.id} is not confirmed yet: confirm it (call.location.confirm) or give a location`
            : `call ${call.id} has no caller location: give a location`);
        }
        const plan = await incidentPlanner(city, {
          type: 'incident.create', commandId: cmd.commandId, incidentType: cmd.incidentType, priority: cmd.priority,
          description: cmd.description, address: cmd.address, location: { lat: location.lat, lon: location.lon },
          agencyId: call.agencyId, callerNumber: call.callerNumber,
        })(ctx);
        const incidentId = plan.createdId!;
        return { ...plan, steps: [...plan.steps, callLinked(incidentId, call), onCall(call.id, { type: 'LINK_INCIDENT', incidentId })] };
      }
      case 'call.incident.join': {
        assertUnlinked(call);
        const incident = (await ctx.load('incident', cmd.incidentId)).view as unknown as IncidentView;
        assertCanCommandIncident(ctx.actor, 'incident.note', incident);
        if (!isOpen(incident.state)) throw new RejectedByStateMachine(`incident ${incident.id} is ${incident.state}; join a call to an open incident`);
        return { steps: [callLinked(incident.id, call), onCall(call.id, { type: 'LINK_INCIDENT', incidentId: incident.id })] };
      }
      default:
        return assertNever(cmd);
    }
  };
}

/**
 * The dispatcher's word on where the caller is: the proposed PIDF-LO location as it is, or the
 * place the caller described. A linked open incident moves there in the same command (the
 * dispatcher's explicit act, on the incident's timeline as an update naming the call).
 */
async function confirmLocation(city: CityModel, ctx: PlanContext, call: CallView, cmd: CommandOf<'call.location.confirm'>): Promise<Plan> {
  const proposed = call.proposedLocation;
  if (!cmd.location && !proposed) throw new ValidationError(`call ${call.id} has no proposed caller location: give the location the caller describes`);
  const location = cmd.location
    ? { lat: cmd.location.lat, lon: cmd.location.lon, radiusM: null, method: 'dispatcher' }
    : { lat: proposed!.lat, lon: proposed!.lon, radiusM: proposed!.radiusM, method: proposed!.method };
  const steps: Step[] = [onCall(call.id, { type: 'LOCATION_CONFIRM', location, by: ctx.actor.username })];
  if (call.incidentId) {
    const incident = (await ctx.load('incident', call.incidentId)).view as unknown as IncidentView;
    const moves = incident.location.lat !== location.lat || incident.location.lon !== location.lon;
    if (isOpen(incident.state) && moves) {
      assertCanCommandIncident(ctx.actor, 'incident.update', incident);
      const at = { lat: location.lat, lon: location.lon };
      steps.push({ type: 'incident', id: incident.id, event: { type: 'UPDATE', location: at, districtId: city.districtAt(at.lat, at.lon), callId: call.id } });
    }
  }
  return { steps };
}
