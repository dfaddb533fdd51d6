/**
 * Authorization: what each role may do, scoped by agency and jurisdiction. One place, used by
 * command handlers, queries and feed subscriptions alike.
 */
import type { Actor, CommandType, Role } from '../protocol';
import { NotAuthorized } from '../errors';

type IncidentScope = { id: string; agencyId: string; districtId: string | null; units: Record<string, unknown> };
type UnitScope = { id: string; agencyId: string };

const ALL_INCIDENT_COMMANDS: CommandType[] = [
  'incident.create', 'incident.triage', 'incident.pend', 'incident.dispatch', 'incident.unit.release',
  'incident.priority', 'incident.update', 'incident.note', 'incident.hold', 'incident.resume',
  'incident.under_control', 'incident.close', 'incident.cancel', 'incident.reopen', 'incident.merge', 'incident.alert.ack',
  'incident.unit.division', 'incident.resources.request', 'media.access.grant', 'media.access.revoke',
];

const INCIDENT_COMMANDS: Record<Role, readonly CommandType[]> = {
  call_taker: ['incident.create', 'incident.triage', 'incident.pend', 'incident.update', 'incident.note'],
  dispatcher: ALL_INCIDENT_COMMANDS.filter((c) => c !== 'incident.reopen'),
  supervisor: ALL_INCIDENT_COMMANDS,
  incident_commander: [
    'incident.note', 'incident.update', 'incident.under_control', 'incident.unit.release', 'incident.alert.ack', 'incident.priority',
    'incident.unit.division', 'incident.resources.request',
  ],
  agency_liaison: ['incident.note'],
  field_unit: ['incident.note'],
  auditor: [],
};

/** Roles that see beyond their own agency (read only, unless their command list allows more). */
const CROSS_AGENCY_READERS: readonly string[] = ['supervisor', 'agency_liaison', 'auditor', 'system'];

function inJurisdiction(actor: Actor, districtId: string | null): boolean {
  return actor.jurisdiction === 'city' || districtId === actor.jurisdiction;
}

export function canReadIncident(actor: Actor, incident: IncidentScope): boolean {
  if (actor.role === 'system' || actor.role === 'auditor') return true;
  if (actor.role === 'field_unit') return actor.unitId !== null && actor.unitId in incident.units;
  if (!inJurisdiction(actor, incident.districtId)) return false;
  return incident.agencyId === actor.agencyId || CROSS_AGENCY_READERS.includes(actor.role);
}

export function assertCanCommandIncident(actor: Actor, type: CommandType, incident: IncidentScope | { agencyId: string; districtId: string | null }): void {
  if (actor.role === 'system') return;
  const allowed = INCIDENT_COMMANDS[actor.role];
  if (!allowed.includes(type)) throw new NotAuthorized(`role ${actor.role} may not ${type}`);
  const scope = { id: '', units: {}, ...incident };
  if (!canReadIncident(actor, scope)) throw new NotAuthorized(`incident is outside the scope of ${actor.username}`);
  const crossAgencyWriter = actor.role === 'supervisor' || (actor.role === 'agency_liaison' && type === 'incident.note');
  if (incident.agencyId !== actor.agencyId && !crossAgencyWriter && actor.role !== 'field_unit') {
    throw new NotAuthorized(`${actor.username} (${actor.agencyId}) may not change an incident of agency ${incident.agencyId}`);
  }
}

/** Field units change only themselves; dispatchers and supervisors their agency's units. */
export function assertCanCommandUnit(actor: Actor, unit: UnitScope): void {
  if (actor.role === 'system') return;
  if (actor.role === 'field_unit') {
    if (actor.unitId !== unit.id) throw new NotAuthorized(`${actor.username} may only change its own unit ${actor.unitId}`);
    return;
  }
  if (actor.role === 'dispatcher' || actor.role === 'incident_commander') {
    if (unit.agencyId !== actor.agencyId) throw new NotAuthorized(`${actor.username} may not direct unit ${unit.id} of agency ${unit.agencyId}`);
    return;
  }
  if (actor.role === 'supervisor') return;
  throw new NotAuthorized(`role ${actor.role} may not change units`);
}

export function canReadQueue(actor: Actor, agencyId: string): boolean {
  if (actor.role === 'field_unit') return false;
  return agencyId === actor.agencyId || CROSS_AGENCY_READERS.includes(actor.role);
}

export function canReadUnitMap(actor: Actor, districtId: string): boolean {
  return inJurisdiction(actor, districtId) || actor.role === 'auditor' || actor.role === 'system';
}

export function assertAuditor(actor: Actor): void {
  if (!['auditor', 'supervisor', 'system'].includes(actor.role)) throw new NotAuthorized(`role ${actor.role} may not verify the audit chain`);
}

/** Roles that take phone calls from their agency's ACD queue. */
export const CALL_TAKING_ROLES: readonly string[] = ['call_taker', 'dispatcher', 'supervisor'];

/**
 * Calls are scoped by the line's agency, not by district: a caller's district is unknown until
 * the location is confirmed. Call takers and dispatchers take their own agency's calls;
 * supervisors any agency's.
 */
export function assertCanTakeCalls(actor: Actor, agencyId: string): void {
  if (!CALL_TAKING_ROLES.includes(actor.role)) throw new NotAuthorized(`role ${actor.role} does not take calls`);
  if (actor.role !== 'supervisor' && actor.agencyId !== agencyId) {
    throw new NotAuthorized(`${actor.username} (${actor.agencyId}) may not take calls of agency ${agencyId}`);
  }
}

/** Changing a connected call (hold, transfer, hang up) is for the agent who has it, or a supervisor. */
export function assertHasCall(actor: Actor, call: { id: string; agencyId: string; agent: { agentId: string } | null }): void {
  assertCanTakeCalls(actor, call.agencyId);
  if (actor.role !== 'supervisor' && call.agent?.agentId !== actor.id) throw new NotAuthorized(`call ${call.id} is not with ${actor.username}`);
}

/** What the SIP bridge reports (an INVITE, a BYE, media up) only a system actor may say. */
export function assertSipBridge(actor: Actor, type: CommandType): void {
  if (actor.role !== 'system') throw new NotAuthorized(`${type} is reported by the SIP bridge, not by ${actor.username}`);
}
