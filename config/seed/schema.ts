/**
 * The shape of the demo city (and of any city a deployment loads instead): agencies, the
 * city → district → street hierarchy, stations, units, responsibility grids and response plans.
 * Parsed once at start-up; a bad file fails fast with the path of the bad key.
 */
import { z } from 'zod';

export const lonLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);
/** GeoJSON Polygon: rings of [lon, lat], first ring the outer boundary, closed. */
export const polygon = z.object({
  type: z.literal('Polygon'),
  coordinates: z.array(z.array(lonLat).min(4)).min(1),
});
export const lineString = z.object({ type: z.literal('LineString'), coordinates: z.array(lonLat).min(2) });

export const agencyKind = z.enum(['police', 'fire', 'ems', 'city']);
export const agency = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  nameZh: z.string().min(1),
  kind: agencyKind,
});

export const district = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  nameZh: z.string().min(1),
  boundary: polygon,
});

export const street = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  districtId: z.string(),
  name: z.string().min(1),
  nameZh: z.string().min(1),
  geometry: lineString,
});

export const station = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  agencyId: z.string(),
  districtId: z.string(),
  name: z.string().min(1),
  nameZh: z.string().min(1),
  position: lonLat,
});

/** What a unit can do; response plans ask for capabilities, not for unit types. */
export const capability = z.enum([
  'patrol', 'traffic', 'k9', 'swat', 'fire-suppression', 'aerial-ladder', 'heavy-rescue',
  'hazmat', 'water-rescue', 'als', 'bls', 'transport', 'road-repair', 'utilities', 'tow',
  'command',
]);

export const unitType = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  agencyKind,
  name: z.string().min(1),
  nameZh: z.string().min(1),
  /** Average speed used by the straight-line travel-time estimate, km/h. */
  speedKmh: z.number().positive().max(200),
  capabilities: z.array(capability).min(1),
});

export const unit = z.object({
  id: z.string().regex(/^[A-Za-z0-9-]+$/),
  callsign: z.string().min(1),
  typeId: z.string(),
  agencyId: z.string(),
  stationId: z.string(),
  /** Radio talkgroup the unit monitors by default (used by later media work). */
  talkgroup: z.string().min(1),
});

export const incidentType = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  agencyKind,
  name: z.string().min(1),
  nameZh: z.string().min(1),
});

/** Priority 1 is the most urgent. */
export const priority = z.number().int().min(1).max(4);

export const responsePlan = z.object({
  incidentTypeId: z.string(),
  priority,
  /** Each requirement: `count` units that each have `capability`. */
  requirements: z.array(z.object({ capability, count: z.number().int().min(1).max(10) })).min(1),
  /** Target from creation to first unit dispatched, seconds (after it, a pending incident escalates). */
  dispatchTargetSec: z.number().int().positive(),
  /** Target from creation to first unit on scene, seconds. */
  arrivalTargetSec: z.number().int().positive(),
  /** A dispatched unit must acknowledge within this many seconds or an alert is raised. */
  ackTimeoutSec: z.number().int().positive(),
});

/** A responsibility grid cell: the first-due station per agency for an area of the city. */
export const grid = z.object({
  id: z.string().regex(/^[A-Za-z0-9-]+$/),
  districtId: z.string(),
  boundary: polygon,
  firstDue: z.record(z.string(), z.string()),
});

/**
 * A phone line callers dial (110, 119, 120, the 12345 citizen line): its calls enter the
 * ACD queue of one agency with a priority (1 the most urgent, answered first).
 */
export const phoneLine = z.object({
  number: z.string().regex(/^[0-9]{3,15}$/, 'must be the dialled digits'),
  name: z.string().min(1),
  nameZh: z.string().min(1),
  agencyId: z.string(),
  priority,
  /** An emergency number, not a service line: its abandoned calls head the callback list. */
  emergency: z.boolean(),
  /** A call waiting longer than this raises an alert on the queue, seconds. */
  answerTargetSec: z.number().int().min(1).max(3600),
  /** An offer an agent does not take within this goes back to the queue, seconds. */
  offerTimeoutSec: z.number().int().min(3).max(300),
});

export const demoUser = z.object({
  username: z.string().regex(/^[a-z0-9._-]+$/),
  displayName: z.string().min(1),
  role: z.enum(['call_taker', 'dispatcher', 'supervisor', 'field_unit', 'incident_commander', 'agency_liaison', 'auditor']),
  agencyId: z.string(),
  /** `city` for city-wide scope, otherwise a district id. */
  jurisdiction: z.string(),
  unitId: z.string().optional(),
});

export const citySeed = z.object({
  city: z.object({ id: z.string(), name: z.string(), nameZh: z.string(), center: lonLat, boundary: polygon }),
  agencies: z.array(agency).min(1),
  districts: z.array(district).min(1),
  streets: z.array(street),
  stations: z.array(station).min(1),
  unitTypes: z.array(unitType).min(1),
  units: z.array(unit).min(1),
  incidentTypes: z.array(incidentType).min(1),
  responsePlans: z.array(responsePlan).min(1),
  grids: z.array(grid),
  /** Phone lines and the agency queue each feeds (a city without phones has none). */
  lines: z.array(phoneLine).default([]),
  users: z.array(demoUser),
});

export type CitySeed = z.infer<typeof citySeed>;
export type Agency = z.infer<typeof agency>;
export type District = z.infer<typeof district>;
export type Station = z.infer<typeof station>;
export type UnitType = z.infer<typeof unitType>;
export type UnitSeed = z.infer<typeof unit>;
export type ResponsePlan = z.infer<typeof responsePlan>;
export type IncidentType = z.infer<typeof incidentType>;
export type Capability = z.infer<typeof capability>;
export type DemoUser = z.infer<typeof demoUser>;
export type PhoneLine = z.infer<typeof phoneLine>;
export type Polygon = z.infer<typeof polygon>;
