/**
 * One agency's dispatcher at the console: works the queue most urgent first, dispatches the
 * recommended units to a waiting incident after a moment's thought, and closes an incident
 * with a disposition once its units have been on scene and every one of them has cleared.
 */
import type { CommandResult } from '../../server/protocol';
import { ApiError, type BeaconSession, type CommandInput, type IncidentSnapshot, type Recommendation } from './api-client';
import type { SeededRandom } from './random';

/** Sends a command; null when the server refused it (already counted and logged). */
export type SendCommand = (session: BeaconSession, cmd: CommandInput, about: Record<string, unknown>) => Promise<CommandResult | null>;

export interface DeskHooks {
  send: SendCommand;
  log(msg: string, data?: object): void;
  /** A query the server refused (counted as an error). */
  refused(what: string, err: ApiError): void;
  dispatched(incidentId: string, unitIds: string[]): void;
  closed(incidentId: string, disposition: string): void;
  /** Whether an ambulance took a patient of the incident to hospital. */
  transported(incidentId: string): boolean;
}

/** What every desk sees of the fleet in this tick. */
export interface FleetView {
  tick: number;
  /** Each unit's status at the start of the tick. */
  unitStatus: Map<string, string>;
  /** Units dispatched earlier in this tick (the server's recommendation may not know yet). */
  taken: Set<string>;
}

interface Note {
  /** Tick from which the dispatcher acts on the incident (thinking delay, retries). */
  actAtTick: number;
  toldShort: boolean;
}

const DISPATCHABLE = new Set(['available', 'returning']);
const NO_UNIT_RETRY_TICKS = 3;

const DISPOSITIONS: Record<string, string[]> = {
  police: ['report taken', 'suspect detained and handed to the station', 'gone on arrival', 'parties advised, no further action'],
  fire: ['fire extinguished, scene handed to owner', 'area made safe', 'false alarm, no fire found', 'hazard removed'],
  ems: ['treated on scene, no transport', 'patient refused transport', 'patient assessed, advised to see a GP'],
  city: ['repaired', 'temporary fix made, work order raised', 'area cordoned, repair scheduled'],
};

export class DispatchDesk {
  private readonly notes = new Map<string, Note>();

  constructor(
    readonly agencyId: string,
    private readonly agencyKind: string,
    readonly session: BeaconSession,
    private readonly rng: SeededRandom,
    private readonly hooks: DeskHooks,
  ) {}

  /** Reads the agency's open incidents (the queue). */
  queue(): Promise<IncidentSnapshot[]> {
    return this.session.get<IncidentSnapshot[]>(`/api/v1/incidents?agencyId=${encodeURIComponent(this.agencyId)}`);
  }

  /** One pass over the queue. Incidents are handled one at a time, as at a real console. */
  async work(incidents: IncidentSnapshot[], fleet: FleetView): Promise<void> {
    const open = new Set(incidents.map((i) => i.id));
    for (const id of this.notes.keys()) if (!open.has(id)) this.notes.delete(id);
    const byUrgency = [...incidents].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
    for (const incident of byUrgency) {
      const assigned = Object.keys(incident.units).length;
      if (incident.agencyId !== this.agencyId) continue;
      if (assigned > 0 || incident.state === 'on_hold') continue;
      // Served and everyone cleared: close. Never reached (no units yet, or all taken away
      // before arrival): send units.
      if (incident.firstOnSceneAt) await this.close(incident, fleet);
      else await this.dispatch(incident, fleet);
    }
  }

  private async dispatch(incident: IncidentSnapshot, fleet: FleetView): Promise<void> {
    let note = this.notes.get(incident.id);
    if (!note) {
      note = { actAtTick: fleet.tick + this.rng.int(1, 2), toldShort: false };
      this.notes.set(incident.id, note);
    }
    if (fleet.tick < note.actAtTick) return;
    let rec: Recommendation;
    try {
      rec = await this.session.get<Recommendation>(`/api/v1/incidents/${encodeURIComponent(incident.id)}/recommendations`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.hooks.refused(`recommendations for ${incident.id}`, err);
      note.actAtTick = fleet.tick + NO_UNIT_RETRY_TICKS;
      return;
    }
    const unitIds = rec.recommended.filter((id) => !fleet.taken.has(id) && DISPATCHABLE.has(fleet.unitStatus.get(id) ?? 'available'));
    if (unitIds.length === 0) {
      if (!note.toldShort) this.hooks.log('no unit available', { agencyId: this.agencyId, incidentId: incident.id, incidentType: incident.incidentType });
      note.toldShort = true;
      note.actAtTick = fleet.tick + NO_UNIT_RETRY_TICKS;
      return;
    }
    const done = await this.hooks.send(this.session, { type: 'incident.dispatch', incidentId: incident.id, unitIds }, { agencyId: this.agencyId });
    if (!done) {
      note.actAtTick = fleet.tick + NO_UNIT_RETRY_TICKS;
      return;
    }
    unitIds.forEach((id) => fleet.taken.add(id));
    this.hooks.dispatched(incident.id, unitIds);
    const short = rec.requirements.filter((r) => r.shortBy > 0).map((r) => `${r.capability} ×${r.shortBy}`);
    this.hooks.log('dispatched', { agencyId: this.agencyId, incidentId: incident.id, incidentType: incident.incidentType, priority: incident.priority, unitIds, ...(short.length ? { short } : {}) });
  }

  private async close(incident: IncidentSnapshot, fleet: FleetView): Promise<void> {
    const note = this.notes.get(incident.id);
    if (note && fleet.tick < note.actAtTick) return;
    const disposition = this.agencyKind === 'ems' && this.hooks.transported(incident.id)
      ? 'patient transported to hospital'
      : this.rng.pick(DISPOSITIONS[this.agencyKind] ?? ['completed']);
    const done = await this.hooks.send(this.session, { type: 'incident.close', incidentId: incident.id, disposition }, { agencyId: this.agencyId });
    if (done) this.hooks.closed(incident.id, disposition);
    else this.notes.set(incident.id, { actAtTick: fleet.tick + NO_UNIT_RETRY_TICKS, toldShort: false });
  }
}
