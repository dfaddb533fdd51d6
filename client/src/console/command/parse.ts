/**
 * The CAD command line's language, parsed into protocol commands:
 *
 *   new <incidentType> <P1-4> <lat>,<lon> <description…>     create at coordinates
 *   new <incidentType> <P1-4> @<street name> <description…>  create at the street's midpoint
 *   d <unit>[,<unit>…] [incidentId]                          dispatch (to the selected incident)
 *   st <unit> <status> [reason…]                             unit status (out_of_service needs a reason)
 *   ack <unit>                                               unit acknowledges its dispatch
 *   note [incidentId] <text…>                                add a note
 *   close [incidentId] <disposition…>                        close with a disposition
 *   p [incidentId] <1-4> <reason…>                           change priority
 *
 * Units are named by id or by callsign without spaces (P-101, Patrol101); case does not matter.
 */
import { unitStatusTarget } from '../../../../server/protocol';
import type { CommandInput } from '../../lib/live';
import type { CityIndex } from '../city';
import { localName } from '../city';
import { t } from '../messages';

/** What the parser needs to know of the console (lookups, selection). */
export interface ParseContext {
  city: CityIndex;
  /** The incident open in the detail panel, used when a command names none. */
  selectedIncidentId: string | null;
  actorAgencyId: string | null;
  /** Canonical unit id for an id or callsign, or null. */
  resolveUnit(token: string): string | null;
  /** Canonical incident id when the token names an incident, or null. */
  resolveIncident(token: string): string | null;
}

/** A command ready to send, or why the line is not one. */
export type Parsed = { ok: true; input: CommandInput; describe: string } | { ok: false; error: string };

/** The verbs of the command line. */
export const VERBS = ['new', 'd', 'st', 'ack', 'note', 'close', 'p'] as const;
/** Statuses `st` accepts (the protocol's `unit.status` targets). */
export const UNIT_STATUS_TARGETS: readonly string[] = unitStatusTarget.options;

/** One usage line per verb, shown when a command is incomplete. */
export const USAGE: Record<(typeof VERBS)[number], string> = {
  new: 'new <type> <P1-4> <lat>,<lon> | @<street> <description>',
  d: 'd <unit>[,<unit>…] [incidentId]',
  st: `st <unit> <${UNIT_STATUS_TARGETS.join('|')}> [reason]`,
  ack: 'ack <unit>',
  note: 'note [incidentId] <text>',
  close: 'close [incidentId] <disposition>',
  p: 'p [incidentId] <1-4> <reason>',
};

const fail = (error: string): Parsed => ({ ok: false, error });
const usage = (verb: keyof typeof USAGE): Parsed => fail(t('cmd.err.usage', { usage: USAGE[verb] }));

/** Splits off the first word: ["d", "P-101,P-102 INC-1"]. */
function head(text: string): [string, string] {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text.trim());
  return m ? [m[1]!, m[2]!] : ['', ''];
}

/** "P2" or "2" → 2; anything else → null. */
export function parsePriority(token: string): 1 | 2 | 3 | 4 | null {
  const m = /^p?([1-4])$/i.exec(token);
  return m ? (Number(m[1]) as 1 | 2 | 3 | 4) : null;
}

/** Parses one line; every error is a sentence for the dispatcher. */
export function parseCommand(line: string, ctx: ParseContext): Parsed {
  const [verb, rest] = head(line);
  switch (verb.toLowerCase()) {
    case 'new': return parseNew(rest, ctx);
    case 'd': return parseDispatch(rest, ctx);
    case 'st': return parseStatus(rest, ctx);
    case 'ack': return parseAck(rest, ctx);
    case 'note': return parseText('note', rest, ctx);
    case 'close': return parseText('close', rest, ctx);
    case 'p': return parsePriorityChange(rest, ctx);
    default: return fail(t('cmd.err.verb', { verb }));
  }
}

function parseNew(rest: string, ctx: ParseContext): Parsed {
  const [typeToken, afterType] = head(rest);
  const [prioToken, afterPrio] = head(afterType);
  if (!typeToken || !prioToken) return usage('new');
  const type = ctx.city.incidentTypes.get(typeToken.toLowerCase());
  if (!type) return fail(t('cmd.err.type', { type: typeToken }));
  const priority = parsePriority(prioToken);
  if (!priority) return fail(t('cmd.err.priority'));
  const where = afterPrio.replace(/^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)/, '$1,$2');
  let location: { lat: number; lon: number } | null = null;
  let address: string | undefined;
  let description: string;
  if (where.startsWith('@')) {
    const match = ctx.city.matchStreet(where.slice(1));
    if (!match) return fail(t('cmd.err.street', { street: head(where.slice(1))[0] }));
    location = ctx.city.streetMidpoint(match.street.id);
    address = localName(match.street);
    description = match.rest;
  } else {
    const [coords, desc] = head(where);
    const m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(coords);
    if (!m) return fail(t('cmd.err.location'));
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return fail(t('cmd.err.location'));
    location = { lat, lon };
    description = desc;
  }
  if (!location) return fail(t('cmd.err.location'));
  if (!description.trim()) return fail(t('cmd.err.text'));
  const agencyId = ctx.city.agencyFor(type.id, ctx.actorAgencyId);
  if (!agencyId) return fail(t('cmd.err.agency', { type: type.id }));
  return {
    ok: true,
    input: { type: 'incident.create', incidentType: type.id, priority, location, address, description: description.trim(), agencyId },
    describe: `new ${type.id} P${priority}`,
  };
}

function parseDispatch(rest: string, ctx: ParseContext): Parsed {
  const parts = rest.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return usage('d');
  const unitIds: string[] = [];
  let incidentId: string | null = null;
  for (const part of parts) {
    const unit = ctx.resolveUnit(part);
    const incident = unit ? null : ctx.resolveIncident(part);
    if (unit) {
      if (!unitIds.includes(unit)) unitIds.push(unit);
    } else if (incident) incidentId = incident;
    else return fail(t('cmd.err.unit', { unit: part }));
  }
  if (unitIds.length === 0) return usage('d');
  const target = incidentId ?? ctx.selectedIncidentId;
  if (!target) return fail(t('cmd.err.no_incident'));
  return { ok: true, input: { type: 'incident.dispatch', incidentId: target, unitIds }, describe: `d ${unitIds.join(',')} → ${target}` };
}

function parseStatus(rest: string, ctx: ParseContext): Parsed {
  const [unitToken, afterUnit] = head(rest);
  const [statusToken, reason] = head(afterUnit);
  if (!unitToken || !statusToken) return usage('st');
  const unitId = ctx.resolveUnit(unitToken);
  if (!unitId) return fail(t('cmd.err.unit', { unit: unitToken }));
  const status = statusToken.toLowerCase();
  if (!UNIT_STATUS_TARGETS.includes(status)) return fail(t('cmd.err.status', { status: statusToken, list: UNIT_STATUS_TARGETS.join(', ') }));
  if (status === 'out_of_service' && !reason.trim()) return fail(t('cmd.err.reason'));
  const input: CommandInput = {
    type: 'unit.status', unitId, status: status as (typeof unitStatusTarget.options)[number],
    ...(reason.trim() ? { reason: reason.trim() } : {}),
  };
  return { ok: true, input, describe: `st ${unitId} ${status}` };
}

function parseAck(rest: string, ctx: ParseContext): Parsed {
  const [unitToken, extra] = head(rest);
  if (!unitToken || extra) return usage('ack');
  const unitId = ctx.resolveUnit(unitToken);
  if (!unitId) return fail(t('cmd.err.unit', { unit: unitToken }));
  return { ok: true, input: { type: 'unit.acknowledge', unitId }, describe: `ack ${unitId}` };
}

/** `[incidentId] rest`: the incident named first, or the selected one. */
function incidentAndRest(rest: string, ctx: ParseContext): { incidentId: string | null; rest: string } {
  const [first, after] = head(rest);
  const named = first ? ctx.resolveIncident(first) : null;
  return named ? { incidentId: named, rest: after } : { incidentId: ctx.selectedIncidentId, rest: rest.trim() };
}

function parseText(verb: 'note' | 'close', rest: string, ctx: ParseContext): Parsed {
  const { incidentId, rest: text } = incidentAndRest(rest, ctx);
  if (!incidentId) return fail(t('cmd.err.no_incident'));
  if (!text) return fail(t('cmd.err.text'));
  const input: CommandInput = verb === 'note'
    ? { type: 'incident.note', incidentId, text }
    : { type: 'incident.close', incidentId, disposition: text };
  return { ok: true, input, describe: `${verb} ${incidentId}` };
}

function parsePriorityChange(rest: string, ctx: ParseContext): Parsed {
  const { incidentId, rest: after } = incidentAndRest(rest, ctx);
  const [prioToken, reason] = head(after);
  if (!prioToken) return usage('p');
  if (!incidentId) return fail(t('cmd.err.no_incident'));
  const priority = parsePriority(prioToken);
  if (!priority) return fail(t('cmd.err.priority'));
  if (!reason.trim()) return fail(t('cmd.err.text'));
  return { ok: true, input: { type: 'incident.priority', incidentId, priority, reason: reason.trim() }, describe: `p ${incidentId} P${priority}` };
}
