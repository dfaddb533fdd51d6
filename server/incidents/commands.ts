/**
 * Incident command handlers: each turns a validated command into the machine events of the
 * aggregates it touches (the incident, and units it dispatches or releases), after checking
 * the actor may do it. Cross-aggregate rules live here; each machine stays about itself.
 */
import { randomBytes } from 'node:crypto';
import type { CommandOf } from '../protocol';
import { NotFound, RejectedByStateMachine, ValidationError } from '../errors';
import { assertCanCommandIncident, assertCanCommandUnit } from '../auth/authorize';
import type { CityModel } from '../city';
import type { Effect, Loaded, Plan, PlanContext, Planner, Step } from '../commands/pipeline';
import type { IncidentView } from './kind';
import type { UnitView } from '../units/kind';

const ID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // no 0/O or 1/I to misread on the radio

/**
 * Incident ids people can read out on the radio: INC-<yymmdd>-<8 chars> (40 random bits a day).
 * A clash is still possible; the pipeline then re-plans the create with a fresh id.
 */
export function newIncidentId(at: Date): string {
  const day = at.toISOString().slice(2, 10).replaceAll('-', '');
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let code = '';
  for (let i = 0; i < 8; i++) code += ID_ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)];
  return `INC-${day}-${code}`;
}

function incidentOf(loaded: Loaded): IncidentView {
  return loaded.view as unknown as IncidentView;
}

function unitOf(loaded: Loaded): UnitView {
  return loaded.view as unknown as UnitView;
}

async function loadIncident(ctx: PlanContext, type: IncidentCommands['type'], incidentId: string): Promise<IncidentView> {
  const incident = incidentOf(await ctx.load('incident', incidentId));
  assertCanCommandIncident(ctx.actor, type, incident);
  return incident;
}

/** Releases every unit still committed to the incident (close, cancel). */
async function releaseAssigned(ctx: PlanContext, incident: IncidentView, reason: string): Promise<Step[]> {
  const steps: Step[] = [];
  for (const unitId of Object.keys(incident.units)) {
    const unit = unitOf(await ctx.load('unit', unitId));
    if (unit.incidentId === incident.id) steps.push({ type: 'unit', id: unitId, event: { type: 'RELEASE', reason } });
  }
  return steps;
}

function planFor(city: CityModel, incidentType: string, priority: number) {
  const plan = city.plan(incidentType, priority);
  if (!plan) throw new ValidationError(`incident type ${incidentType} has no response plan`);
  return plan;
}

type IncidentCommands = CommandOf<
  | 'incident.create' | 'incident.triage' | 'incident.pend' | 'incident.dispatch' | 'incident.unit.release'
  | 'incident.priority' | 'incident.update' | 'incident.note' | 'incident.hold' | 'incident.resume'
  | 'incident.under_control' | 'incident.close' | 'incident.cancel' | 'incident.reopen' | 'incident.merge'
  | 'incident.alert.ack' | 'incident.unit.division' | 'incident.resources.request'
>;

export function incidentPlanner(city: CityModel, cmd: IncidentCommands): Planner {
  return async (ctx): Promise<Plan> => {
    switch (cmd.type) {
      case 'incident.create': {
        const type = city.incidentTypes.get(cmd.incidentType);
        if (!type) throw new ValidationError(`unknown incident type ${cmd.incidentType}`);
        const agencyId = cmd.agencyId ?? ctx.actor.agencyId;
        const agency = agencyId ? city.agencies.get(agencyId) : undefined;
        if (!agency) throw new ValidationError(`unknown agency ${agencyId ?? '(none)'}`);
        if (agency.kind !== type.agencyKind) {
          throw new ValidationError(`incident type ${type.id} is handled by ${type.agencyKind}, not by agency ${agency.id}`);
        }
        const districtId = city.districtAt(cmd.location.lat, cmd.location.lon);
        assertCanCommandIncident(ctx.actor, cmd.type, { agencyId: agency.id, districtId });
        const plan = planFor(city, type.id, cmd.priority);
        const id = newIncidentId(ctx.at);
        const input = {
          incidentType: type.id, priority: cmd.priority, agencyId: agency.id, districtId, location: cmd.location,
          address: cmd.address ?? null, description: cmd.description, pendingTargetMs: plan.dispatchTargetSec * 1000,
          // Type and priority are known at creation: the incident starts pending, waiting for
          // units with its dispatch-target timer running.
          triaged: true,
        };
        return { createdId: id, steps: [{ type: 'incident', id, create: input }], effects: [mediaRoom('open', id)] };
      }
      case 'incident.dispatch':
        return dispatch(city, ctx, cmd);
      case 'incident.unit.release': {
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        const unit = unitOf(await ctx.load('unit', cmd.unitId));
        if (!(cmd.unitId in incident.units)) throw new RejectedByStateMachine(`unit ${cmd.unitId} is not assigned to ${cmd.incidentId}`);
        const steps: Step[] = [{ type: 'incident', id: incident.id, event: { type: 'UNIT_RELEASED', unitId: cmd.unitId, reason: cmd.reason } }];
        if (unit.incidentId === incident.id) steps.push({ type: 'unit', id: cmd.unitId, event: { type: 'RELEASE', reason: cmd.reason } });
        return { steps };
      }
      case 'incident.close': {
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        const release = await releaseAssigned(ctx, incident, `incident ${incident.id} closed`);
        return {
          steps: [{ type: 'incident', id: incident.id, event: { type: 'CLOSE', disposition: cmd.disposition } }, ...release],
          effects: [mediaRoom('close', incident.id)],
        };
      }
      case 'incident.cancel': {
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        const release = await releaseAssigned(ctx, incident, `incident ${incident.id} cancelled`);
        return {
          steps: [{ type: 'incident', id: incident.id, event: { type: 'CANCEL', reason: cmd.reason } }, ...release],
          effects: [mediaRoom('close', incident.id)],
        };
      }
      case 'incident.merge': {
        if (cmd.intoIncidentId === cmd.incidentId) throw new ValidationError('an incident cannot be merged into itself');
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        const target = await loadIncident(ctx, 'incident.note', cmd.intoIncidentId);
        if (!['new', 'triaged', 'pending', 'on_hold', 'dispatched', 'active', 'under_control'].includes(target.state)) {
          throw new RejectedByStateMachine(`incident ${target.id} is ${target.state}; merge into an open incident`);
        }
        return {
          steps: [
            { type: 'incident', id: incident.id, event: { type: 'MERGE', intoIncidentId: target.id } },
            { type: 'incident', id: target.id, event: { type: 'NOTE', text: `duplicate ${incident.id} merged into this incident` } },
          ],
          effects: [mediaRoom('close', incident.id)],
        };
      }
      case 'incident.priority': {
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        const plan = planFor(city, incident.incidentType, cmd.priority);
        return single(incident.id, { type: 'PRIORITY', priority: cmd.priority, pendingTargetMs: plan.dispatchTargetSec * 1000, reason: cmd.reason });
      }
      case 'incident.triage': {
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        if (cmd.incidentType && !city.incidentTypes.has(cmd.incidentType)) throw new ValidationError(`unknown incident type ${cmd.incidentType}`);
        return single(incident.id, { type: 'TRIAGE', priority: cmd.priority, incidentType: cmd.incidentType });
      }
      case 'incident.update': {
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        const districtId = cmd.location ? city.districtAt(cmd.location.lat, cmd.location.lon) : undefined;
        return single(incident.id, { type: 'UPDATE', location: cmd.location, address: cmd.address, description: cmd.description, districtId });
      }
      case 'incident.note':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, { type: 'NOTE', text: cmd.text, kind: cmd.kind });
      case 'incident.unit.division':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, { type: 'ASSIGN_DIVISION', unitId: cmd.unitId, division: cmd.division });
      case 'incident.resources.request':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, {
          type: 'REQUEST_RESOURCES', requests: cmd.requests, note: cmd.note, by: ctx.actor.username,
        });
      case 'incident.hold':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, { type: 'HOLD', reason: cmd.reason });
      case 'incident.alert.ack':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, { type: 'ALERT_ACK', alertId: cmd.alertId, by: ctx.actor.username });
      case 'incident.reopen': {
        const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
        return { ...single(incident.id, { type: 'REOPEN', reason: cmd.reason }), effects: [mediaRoom('open', incident.id)] };
      }
      case 'incident.pend':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, { type: 'PEND' });
      case 'incident.resume':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, { type: 'RESUME' });
      case 'incident.under_control':
        return single((await loadIncident(ctx, cmd.type, cmd.incidentId)).id, { type: 'UNDER_CONTROL' });
    }
  };
}

/** The incident's media room opens and closes with it, through the outbox (idempotent handlers). */
function mediaRoom(op: 'open' | 'close', incidentId: string): Effect {
  return { action: `media.room.${op}`, streamType: 'incident', streamId: incidentId, params: { incidentId } };
}

function single(incidentId: string, event: { type: string } & Record<string, unknown>): Plan {
  const clean = Object.fromEntries(Object.entries(event).filter(([, v]) => v !== undefined)) as typeof event;
  return { steps: [{ type: 'incident', id: incidentId, event: clean }] };
}

async function dispatch(city: CityModel, ctx: PlanContext, cmd: CommandOf<'incident.dispatch'>): Promise<Plan> {
  const incident = await loadIncident(ctx, cmd.type, cmd.incidentId);
  if (new Set(cmd.unitIds).size !== cmd.unitIds.length) throw new ValidationError('unitIds lists a unit twice');
  const plan = planFor(city, incident.incidentType, incident.priority);
  const steps: Step[] = [];
  for (const unitId of cmd.unitIds) {
    const profile = city.units.get(unitId);
    if (!profile) throw new NotFound(`unit ${unitId} does not exist`);
    assertCanCommandUnit(ctx.actor, profile);
    const unit = unitOf(await ctx.load('unit', unitId));
    const committed = unit.incidentId !== null && unit.incidentId !== incident.id && unit.status !== 'returning';
    if (!committed) {
      steps.push({ type: 'unit', id: unitId, event: { type: 'DISPATCH', incidentId: incident.id } });
      continue;
    }
    if (!cmd.preemptReason) {
      throw new RejectedByStateMachine(`unit ${unitId} is ${unit.status} on incident ${unit.incidentId}; give preemptReason to reassign it`);
    }
    const reason = `pre-empted for ${incident.id}: ${cmd.preemptReason}`;
    steps.push({ type: 'unit', id: unitId, event: { type: 'PREEMPT', incidentId: incident.id, reason: cmd.preemptReason } });
    steps.push({ type: 'incident', id: unit.incidentId!, event: { type: 'UNIT_RELEASED', unitId, reason } });
  }
  steps.push({ type: 'incident', id: incident.id, event: { type: 'DISPATCH', unitIds: cmd.unitIds, ackTimeoutMs: plan.ackTimeoutSec * 1000 } });
  return {
    steps,
    effects: cmd.unitIds.map((unitId) => ({
      action: 'unit.notify', streamType: 'unit' as const, streamId: unitId,
      params: { unitId, incidentId: incident.id, kind: 'dispatch' },
    })),
  };
}
