/**
 * Commands: every change of operational state, over WebSocket or HTTP. `commandId` is chosen
 * by the client; a retried command with the same id is applied once.
 */
import { z } from 'zod';
import { commandId, id, latLon, LIMITS, priority, text } from './common';
import { callCommands } from './calls';

const base = { commandId };
const incidentRef = { ...base, incidentId: id };
const unitRef = { ...base, unitId: id };

export const unitStatusTarget = z.enum([
  'en_route', 'on_scene', 'transporting', 'at_destination', 'clear', 'available', 'out_of_service', 'in_service',
]);

export const command = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('incident.create'), ...base,
    incidentType: id, priority, location: latLon,
    address: z.string().trim().max(300).optional(), description: text,
    agencyId: id.optional(), callerNumber: z.string().max(40).optional(),
  }),
  z.object({ type: z.literal('incident.triage'), ...incidentRef, priority: priority.optional(), incidentType: id.optional() }),
  z.object({ type: z.literal('incident.pend'), ...incidentRef }),
  z.object({
    type: z.literal('incident.dispatch'), ...incidentRef,
    unitIds: z.array(id).min(1).max(LIMITS.maxUnitsPerDispatch),
    /** Required to take a unit that is committed to another incident. */
    preemptReason: text.optional(),
  }),
  z.object({ type: z.literal('incident.unit.release'), ...incidentRef, unitId: id, reason: text }),
  z.object({ type: z.literal('incident.priority'), ...incidentRef, priority, reason: text }),
  z.object({
    type: z.literal('incident.update'), ...incidentRef,
    location: latLon.optional(), address: z.string().trim().max(300).optional(), description: text.optional(),
  }),
  z.object({ type: z.literal('incident.note'), ...incidentRef, text, kind: z.enum(['note', 'decision']).optional() }),
  /** ICS: put an assigned unit into a division or group on scene (null takes it out). */
  z.object({ type: z.literal('incident.unit.division'), ...incidentRef, unitId: id, division: z.string().trim().min(1).max(40).nullable() }),
  /** The scene asks dispatch for more resources; raises an alert on the incident. */
  z.object({
    type: z.literal('incident.resources.request'), ...incidentRef,
    requests: z.array(z.object({ capability: id, count: z.number().int().min(1).max(20) })).min(1).max(10),
    note: z.string().trim().max(LIMITS.maxTextLength).default(''),
  }),
  z.object({ type: z.literal('incident.hold'), ...incidentRef, reason: text }),
  z.object({ type: z.literal('incident.resume'), ...incidentRef }),
  z.object({ type: z.literal('incident.under_control'), ...incidentRef }),
  z.object({ type: z.literal('incident.close'), ...incidentRef, disposition: text }),
  z.object({ type: z.literal('incident.cancel'), ...incidentRef, reason: text }),
  z.object({ type: z.literal('incident.reopen'), ...incidentRef, reason: text }),
  z.object({ type: z.literal('incident.merge'), ...incidentRef, intoIncidentId: id }),
  z.object({ type: z.literal('incident.alert.ack'), ...incidentRef, alertId: id }),
  /**
   * Lets a named user view the incident's live and recorded media for a limited time (an
   * investigator, a commander of another agency). Every view is logged either way.
   */
  z.object({
    type: z.literal('media.access.grant'), ...incidentRef, username: z.string().min(1).max(100),
    minutes: z.number().int().min(1, 'a grant lasts at least 1 minute').max(1440, 'a grant lasts at most 1440 minutes (a day)'),
    reason: text,
  }),
  z.object({ type: z.literal('media.access.revoke'), ...incidentRef, grantId: id, reason: text }),
  z.object({ type: z.literal('unit.acknowledge'), ...unitRef }),
  z.object({ type: z.literal('unit.status'), ...unitRef, status: unitStatusTarget, reason: text.optional() }),
  z.object({ type: z.literal('unit.emergency'), ...unitRef, active: z.boolean() }),
  ...callCommands,
]);

export type Command = z.infer<typeof command>;
export type CommandType = Command['type'];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;
export const COMMAND_TYPES = command.options.map((o) => o.shape.type.value) as CommandType[];

/** What an acknowledged command reports back. */
export const commandResult = z.object({
  commandId: z.string(),
  /** The aggregate a create made. */
  createdId: z.string().nullable(),
  events: z.array(z.object({ streamType: z.string(), streamId: z.string(), version: z.number(), type: z.string() })),
  /** True when this reply was stored by an earlier delivery of the same command. */
  duplicate: z.boolean(),
});
export type CommandResult = z.infer<typeof commandResult>;
