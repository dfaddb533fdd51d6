/**
 * Types and pure helpers of the incident machine (`incident.ts` re-exports all of them).
 * Kept apart so the machine file stays a readable picture of the lifecycle.
 */
import { hasText, type Stamped } from './common';
import type { MediaRecording, RecordingEvent } from './recordings';

/** Stored names of the incident states (part of the persisted schema: do not rename). */
export type IncidentState =
  | 'new'
  | 'triaged'
  | 'pending'
  | 'on_hold'
  | 'dispatched'
  | 'active'
  | 'under_control'
  | 'closed'
  | 'cancelled'
  | 'merged';

/** States in which the incident still needs work (PRIORITY and UPDATE are accepted). */
export const OPEN_STATES: readonly IncidentState[] = [
  'new',
  'triaged',
  'pending',
  'on_hold',
  'dispatched',
  'active',
  'under_control',
];

/** True when a stored state value is one of the open states. */
export function isOpen(stateValue: string): boolean {
  return (OPEN_STATES as readonly string[]).includes(stateValue);
}

/** 1 is the most urgent. */
export type IncidentPriority = 1 | 2 | 3 | 4;

/** Unit statuses an incident reports after acknowledgement (`UNIT_STATUS`). */
export type UnitProgress = 'en_route' | 'on_scene' | 'transporting' | 'at_destination';

/** One unit's assignment to the incident. */
export interface Assignment {
  status: 'dispatched' | 'acknowledged' | UnitProgress;
  dispatchedAt: string;
  acknowledgedAt: string | null;
}

/** A condition the dispatcher must see and acknowledge. */
export interface IncidentAlert {
  /** `${kind}-${n}`, n counting every alert of the incident from 1. */
  id: string;
  kind: 'ack_overdue' | 'pending_overdue' | 'resource_request';
  unitId: string | null;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

/** A body-camera (later: radio) recording of the incident (see `recordings.ts`). */
export type IncidentRecording = MediaRecording;

/** A phone call linked to the incident (created from it, or joined to it). */
export interface IncidentCall {
  callId: string;
  callerNumber: string;
  line: string;
  linkedAt: string;
  endedAt: string | null;
  outcome: string | null;
}

/** Input of a new incident machine (from the call taker's form). */
export interface IncidentInput {
  at: string;
  incidentType: string;
  priority: IncidentPriority;
  agencyId: string;
  districtId: string | null;
  location: { lat: number; lon: number };
  address: string | null;
  description: string;
  /** How long the incident may wait unassigned before it escalates. */
  pendingTargetMs: number;
  /** Type and priority were confirmed at intake: start waiting for units (pending) at once. */
  triaged?: boolean;
}

/** What an incident machine remembers. */
/** More resources asked for from the scene (the incident commander's request). */
export interface ResourceRequest {
  id: string;
  requests: { capability: string; count: number }[];
  note: string;
  requestedAt: string;
  requestedBy: string;
}

export interface IncidentContext extends Omit<IncidentInput, 'at' | 'triaged'> {
  createdAt: string;
  /** ICS organisation on scene: unit id → division or group name. */
  divisions: Record<string, string>;
  resourceRequests: ResourceRequest[];
  /** Created already triaged (see `IncidentInput.triaged`). */
  intakeComplete: boolean;
  units: Record<string, Assignment>;
  alerts: IncidentAlert[];
  mergedInto: string | null;
  holdReason: string | null;
  disposition: string | null;
  closedAt: string | null;
  noteCount: number;
  /** Recordings of the incident's media, oldest first (at most LIMITS-bounded by the server). */
  recordings: IncidentRecording[];
  /** Calls about the incident, in the order they were linked (absent on incidents stored before calls). */
  calls: IncidentCall[];
  escalations: number;
  firstDispatchedAt: string | null;
  firstOnSceneAt: string | null;
}

/** Context of a freshly reported incident. */
export function initialIncidentContext(input: IncidentInput): IncidentContext {
  return {
    incidentType: input.incidentType,
    priority: input.priority,
    agencyId: input.agencyId,
    districtId: input.districtId,
    location: { lat: input.location.lat, lon: input.location.lon },
    address: input.address,
    description: input.description,
    pendingTargetMs: input.pendingTargetMs,
    intakeComplete: input.triaged ?? false,
    createdAt: input.at,
    divisions: {},
    resourceRequests: [],
    units: {},
    alerts: [],
    mergedInto: null,
    holdReason: null,
    disposition: null,
    closedAt: null,
    noteCount: 0,
    recordings: [],
    calls: [],
    escalations: 0,
    firstDispatchedAt: null,
    firstOnSceneAt: null,
  };
}

/** Fields an `UPDATE` may change. */
export type IncidentUpdate = Partial<Pick<IncidentContext, 'location' | 'address' | 'description' | 'districtId'>>;

/** Events an incident accepts; every one is stamped with `at` by the server. */
export type IncidentEvent = Stamped &
  (
    | { type: 'TRIAGE'; priority?: IncidentPriority; incidentType?: string }
    | { type: 'PEND' }
    | { type: 'DISPATCH'; unitIds: string[]; ackTimeoutMs: number }
    | { type: 'UNIT_ACKNOWLEDGED'; unitId: string }
    | { type: 'UNIT_STATUS'; unitId: string; status: UnitProgress }
    | { type: 'ACK_TIMEOUT'; unitId: string }
    | { type: 'UNIT_RELEASED'; unitId: string; reason: string }
    | { type: 'UNDER_CONTROL' }
    | { type: 'HOLD'; reason: string }
    | { type: 'RESUME' }
    | { type: 'PRIORITY'; priority: IncidentPriority; pendingTargetMs: number; reason: string }
    | ({ type: 'UPDATE' } & IncidentUpdate)
    | { type: 'NOTE'; text: string; kind?: 'note' | 'decision' }
    | { type: 'ASSIGN_DIVISION'; unitId: string; division: string | null }
    | { type: 'REQUEST_RESOURCES'; requests: { capability: string; count: number }[]; note: string; by: string }
    | { type: 'ALERT_ACK'; alertId: string; by: string }
    | { type: 'CLOSE'; disposition: string }
    | { type: 'CANCEL'; reason: string }
    | { type: 'REOPEN'; reason: string }
    | { type: 'MERGE'; intoIncidentId: string }
    | { type: 'CALL_LINKED'; callId: string; callerNumber: string; line: string }
    | { type: 'CALL_ENDED'; callId: string; outcome: string }
  )
  | RecordingEvent;

/**
 * Type of the event XState generates for the pending timer (`after: { pendingTarget }`
 * in state `pending` of machine `incident`). It embeds the machine id and state name.
 */
export const PENDING_TIMER_EVENT = 'xstate.after.pendingTarget.incident.pending';

/** Id of the delayed `ACK_TIMEOUT` raise for one unit (cancelled by that id). */
export function ackTimerId(unitId: string): string {
  return `ack:${unitId}`;
}

/** Ids of the units assigned to the incident. */
export function assignedUnitIds(ctx: Pick<IncidentContext, 'units'>): string[] {
  return Object.keys(ctx.units);
}

/** Units whose acknowledgement timer may still be armed. */
export function pendingAckTimers(ctx: Pick<IncidentContext, 'units'>): string[] {
  return Object.entries(ctx.units)
    .filter(([, unit]) => unit.acknowledgedAt === null)
    .map(([unitId]) => unitId);
}

/** True for a valid priority (1 to 4). */
export function isPriority(value: unknown): value is IncidentPriority {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

/** True for a status a unit may report with `UNIT_STATUS`. */
export function isUnitProgress(value: unknown): value is UnitProgress {
  return value === 'en_route' || value === 'on_scene' || value === 'transporting' || value === 'at_destination';
}

/** The next alert of the incident; its id numbers all alerts so far. */
export function alertFor(
  ctx: Pick<IncidentContext, 'alerts'>,
  kind: IncidentAlert['kind'],
  unitId: string | null,
  raisedAt: string,
): IncidentAlert {
  const id = `${kind}-${ctx.alerts.length + 1}`;
  return { id, kind, unitId, raisedAt, acknowledgedAt: null, acknowledgedBy: null };
}

/** The fields of an `UPDATE` that are given and differ from the context. */
export function updateChanges(ctx: IncidentContext, update: IncidentUpdate): IncidentUpdate {
  const changes: IncidentUpdate = {};
  const loc = update.location;
  if (loc && Number.isFinite(loc.lat) && Number.isFinite(loc.lon)) {
    if (loc.lat !== ctx.location.lat || loc.lon !== ctx.location.lon) changes.location = { lat: loc.lat, lon: loc.lon };
  }
  if (update.address !== undefined && update.address !== ctx.address) changes.address = update.address;
  if (hasText(update.description) && update.description !== ctx.description) changes.description = update.description;
  if (update.districtId !== undefined && update.districtId !== ctx.districtId) changes.districtId = update.districtId;
  return changes;
}
