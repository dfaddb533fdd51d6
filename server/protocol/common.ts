/** Building blocks shared by every message schema. */
import { z } from 'zod';

/** Bumped on any incompatible change of the wire protocol. */
export const PROTOCOL_VERSION = 1;

/** Shared limits: one place, used by server, clients and media. */
export const LIMITS = {
  maxUnitsPerDispatch: 20,
  maxUnitsPerIncident: 50,
  maxTextLength: 4000,
  maxFrameBytes: 256 * 1024,
  maxAvlBatch: 1000,
  /** Positions older than this, or further in the future than the skew, are refused. */
  avlMaxAgeSec: 24 * 3600,
  avlMaxFutureSkewSec: 30,
  /** A resume that missed more events than this gets a fresh snapshot instead. */
  maxResumeEvents: 1000,
  maxRecommendations: 20,
  /** Per signalling session and media room: WebRTC transports, producers (a body camera sends
   *  audio + video) and consumers (a console wall of tiles). */
  maxMediaTransportsPerPeer: 4,
  maxMediaProducersPerPeer: 4,
  maxMediaConsumersPerPeer: 64,
} as const;

export const id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/, 'must be letters, digits, . _ : -');
export const commandId = z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be 8-64 letters, digits, _ or -');
export const text = z.string().trim().min(1).max(LIMITS.maxTextLength);
export const priority = z.number().int().min(1, 'priority 1 is the most urgent').max(4, 'priority 4 is the least urgent');
export const latLon = z.object({
  lat: z.number().min(-90, 'latitude must be within -90..90').max(90, 'latitude must be within -90..90'),
  lon: z.number().min(-180, 'longitude must be within -180..180').max(180, 'longitude must be within -180..180'),
});
export type LatLon = z.infer<typeof latLon>;

export const role = z.enum([
  'call_taker', 'dispatcher', 'supervisor', 'field_unit', 'incident_commander', 'agency_liaison', 'auditor',
]);
export type Role = z.infer<typeof role>;

/** Who did something: stored on every event. `system` acts for timers and the seeder. */
export const actor = z.object({
  id: z.string(),
  username: z.string(),
  role: z.union([role, z.literal('system')]),
  agencyId: z.string().nullable(),
  jurisdiction: z.string(),
  unitId: z.string().nullable(),
});
export type Actor = z.infer<typeof actor>;
