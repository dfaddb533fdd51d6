/**
 * The simulator's books: what it did (counters), what happened to which incident (journal),
 * and every refusal by the server, counted and logged in one place so a refused command
 * never stops the city.
 */
import type { CommandResult } from '../../server/protocol';
import { ApiError, type BeaconSession, type CommandInput } from './api-client';

/** Counters of what the simulator did (only what the server accepted, except errors). */
export interface SimulatorStats {
  ticks: number;
  incidentsCreated: number;
  /** Accepted `incident.dispatch` commands. */
  dispatched: number;
  /** Accepted crew status changes (acknowledge, en route, on scene, ..., available). */
  statusChanges: number;
  incidentsClosed: number;
  /** Positions the server accepted. */
  positionsSent: number;
  /** Commands sent (accepted or refused). */
  commands: number;
  /** Refusals by the server: commands, queries and AVL batches. */
  errors: number;
  /** Ticks that could not reach the server. */
  outages: number;
}

/** What happened to which incident, for tests and curious readers. */
export interface SimulatorJournal {
  created: string[];
  /** Incident id → units the simulator's dispatchers sent. */
  dispatched: Map<string, string[]>;
  /** Incident id → disposition it was closed with. */
  closed: Map<string, string>;
  /** The last refusals (newest last, at most 50). */
  refusals: { what: string; code: string; message: string }[];
}

export type SimulatorLog = (msg: string, data?: object) => void;

const KEPT_REFUSALS = 50;

export class Ledger {
  readonly stats: SimulatorStats = {
    ticks: 0, incidentsCreated: 0, dispatched: 0, statusChanges: 0, incidentsClosed: 0, positionsSent: 0, commands: 0, errors: 0, outages: 0,
  };
  readonly journal: SimulatorJournal = { created: [], dispatched: new Map(), closed: new Map(), refusals: [] };

  constructor(readonly log: SimulatorLog) {}

  /** Sends a command; a refusal is counted, logged and answered with null. Outages propagate. */
  async send(session: BeaconSession, cmd: CommandInput, about: Record<string, unknown>): Promise<CommandResult | null> {
    this.stats.commands++;
    try {
      return await session.command(cmd);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.refused(cmd.type, err, { by: session.username, ...about });
      return null;
    }
  }

  /** Counts and logs a refusal of a command, query or AVL batch. */
  refused(what: string, err: ApiError, data: Record<string, unknown> = {}): void {
    this.stats.errors++;
    this.journal.refusals.push({ what, code: err.code, message: err.message });
    if (this.journal.refusals.length > KEPT_REFUSALS) this.journal.refusals.shift();
    this.log('refused', { what, ...data, status: err.status, code: err.code, message: err.message });
  }

  dispatched(incidentId: string, unitIds: string[]): void {
    this.stats.dispatched++;
    this.journal.dispatched.set(incidentId, [...(this.journal.dispatched.get(incidentId) ?? []), ...unitIds]);
  }

  closed(agencyId: string, incidentId: string, disposition: string): void {
    this.stats.incidentsClosed++;
    this.journal.closed.set(incidentId, disposition);
    this.log('incident closed', { agencyId, incidentId, disposition });
  }
}
