/**
 * Demo city simulator: gives a fresh Beacon server some life. It uses only the public HTTP API,
 * as people would: each agency's dispatcher (`dispatcher.<agency>`) takes calls, dispatches
 * the recommended units, enters the crews' radio status changes and closes finished incidents;
 * the duty supervisor (`supervisor.police`, who may report any agency's units) sends one AVL
 * batch per tick for the fleet. Every decision comes from a PRNG seeded with `seed`.
 *
 * Run it against a server: `BEACON_URL=http://127.0.0.1:8080 npm run simulate`
 * (env SIM_SEED, SIM_INCIDENT_EVERY_MS, SIM_TICK_MS, SIM_SPEED_FACTOR, BEACON_PASSWORD).
 */
import { pointInPolygon } from '../../config/seed/geometry';
import { ApiError, BeaconSession, ServerUnreachable, type CityDocument, type IncidentSnapshot, type UnitSnapshot } from './api-client';
import { Crews, type CrewRequest } from './crews';
import { DispatchDesk, type FleetView } from './dispatch-desk';
import { IncidentGenerator } from './incident-generator';
import { Ledger, type SimulatorJournal, type SimulatorLog, type SimulatorStats } from './ledger';
import type { LatLon } from './movement';
import { SeededRandom } from './random';
import { runFromEnvironment } from './cli';

export interface DemoCityOptions {
  /** Server base URL, e.g. http://127.0.0.1:8080. */
  baseUrl: string;
  /** Password of the demo users (default 'beacon', the server's DEMO_PASSWORD default). */
  password?: string;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Simulated time between new incidents, ms (default 20 000; 0 = one every tick). */
  incidentEveryMs?: number;
  /** Simulated (and, under start(), wall-clock) duration of one tick, ms (default 1000). */
  tickMs?: number;
  /** Multiplies every vehicle speed, so tests can run whole trips in a few ticks (default 1). */
  speedFactor?: number;
  /** Ticks a unit stays on scene, min and max (default [20, 60]). */
  sceneTicks?: [number, number];
  /** Chance an ambulance transports its patient (default 0.6). */
  transportChance?: number;
  /** Progress lines; default: none. */
  log?: SimulatorLog;
}

export type { SimulatorJournal, SimulatorStats } from './ledger';

const SUPERVISOR = 'supervisor.police';

/** What the simulator learns and builds once the server answers. */
interface Ready {
  city: CityDocument;
  desks: Map<string, DispatchDesk>;
  crews: Crews;
  calls: IncidentGenerator;
}

const MAX_BACKOFF_MS = 30_000;

export class DemoCitySimulator {
  /** What the simulator did so far. */
  readonly stats: SimulatorStats;
  /** Which incidents it created, dispatched and closed, and the last refusals. */
  readonly journal: SimulatorJournal;

  private readonly opts: Required<Omit<DemoCityOptions, 'password' | 'log'>>;
  private readonly ledger: Ledger;
  private readonly log: SimulatorLog;
  private readonly rng: SeededRandom;
  private readonly password: string;
  private readonly supervisor: BeaconSession;
  private ready: Ready | null = null;
  private readonly incidentLocations = new Map<string, LatLon>();
  private lastIncidentAtMs = -Infinity;
  private running = false;
  private current: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private outageStreak = 0;

  constructor(opts: DemoCityOptions) {
    this.opts = {
      baseUrl: opts.baseUrl.replace(/\/+$/, ''), seed: opts.seed ?? 1, incidentEveryMs: opts.incidentEveryMs ?? 20_000,
      tickMs: opts.tickMs ?? 1000, speedFactor: opts.speedFactor ?? 1, sceneTicks: opts.sceneTicks ?? [20, 60],
      transportChance: opts.transportChance ?? 0.6,
    };
    this.log = opts.log ?? (() => {});
    this.ledger = new Ledger(this.log);
    this.stats = this.ledger.stats;
    this.journal = this.ledger.journal;
    this.rng = new SeededRandom(this.opts.seed);
    this.password = opts.password ?? 'beacon';
    this.supervisor = new BeaconSession(this.opts.baseUrl, SUPERVISOR, this.password);
  }

  /** Runs a tick every `tickMs` until stop(); resolves after the first tick. Backs off while the server is down. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.log('simulator started', { baseUrl: this.opts.baseUrl, seed: this.opts.seed, tickMs: this.opts.tickMs, incidentEveryMs: this.opts.incidentEveryMs });
    let first!: () => void;
    const started = new Promise<void>((resolve) => { first = resolve; });
    this.loop = (async () => {
      while (this.running) {
        const began = Date.now();
        const reachable = await this.run();
        first();
        if (!this.running) break;
        this.outageStreak = reachable ? 0 : this.outageStreak + 1;
        const delay = reachable ? Math.max(0, this.opts.tickMs - (Date.now() - began)) : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.outageStreak - 1));
        if (!reachable) this.log('backing off', { retryInMs: delay });
        await new Promise<void>((resolve) => { this.wake = resolve; this.timer = setTimeout(resolve, delay); });
      }
    })();
    await started;
  }

  /** Stops the loop after the tick in progress. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.wake?.();
    await this.loop;
    this.log('simulator stopped', { ...this.stats });
  }

  /** One step of the city: read, move, report, act. Never throws. */
  async tick(): Promise<void> {
    await this.run();
  }

  private run(): Promise<boolean> {
    this.current ??= this.step().finally(() => { this.current = null; });
    return this.current;
  }

  /** False when the server could not be reached. */
  private async step(): Promise<boolean> {
    try {
      const ready = this.ready ?? (this.ready = await this.prepare());
      const tick = ++this.stats.ticks;
      const [units, queues] = await Promise.all([
        this.supervisor.get<UnitSnapshot[]>('/api/v1/units'),
        Promise.all([...ready.desks.values()].map((d) => d.queue())),
      ]);
      const wanted = new Set([...queues.flat().map((i) => i.id), ...units.flatMap((u) => (u.incidentId ? [u.incidentId] : []))]);
      for (const id of this.incidentLocations.keys()) if (!wanted.has(id)) this.incidentLocations.delete(id);
      for (const incident of queues.flat()) this.incidentLocations.set(incident.id, incident.location);
      await this.locateIncidents(units);

      const { positions, requests } = ready.crews.step(units, tick, new Date().toISOString(), (id) => this.incidentLocations.get(id));
      // The server acknowledges a batch only once its trail is written (up to AVL_FLUSH_MS), so
      // the radio traffic and the dispatchers go on meanwhile.
      const outcomes = await Promise.allSettled([
        positions.length > 0 ? this.report(positions) : Promise.resolve(),
        this.act(ready, tick, units, queues, requests),
      ]);
      for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
      if (tick % 30 === 0) this.progress(units, queues.flat());
      return true;
    } catch (err) {
      if (err instanceof ServerUnreachable) {
        this.stats.outages++;
        this.log('server unreachable', { error: err.message });
        return false;
      }
      if (err instanceof ApiError) this.ledger.refused(this.ready ? 'tick' : 'sign-in', err);
      else {
        this.stats.errors++;
        this.log('tick failed', { error: err instanceof Error ? err.stack ?? err.message : String(err) });
      }
      // A refused login or city read leaves `ready` unset: back off as for an outage.
      return this.ready !== null;
    }
  }

  /** Crews report, dispatchers work their queues, and a call comes in when one is due. */
  private async act(ready: Ready, tick: number, units: UnitSnapshot[], queues: IncidentSnapshot[][], requests: CrewRequest[]): Promise<void> {
    await this.relay(requests, ready.desks);
    const fleet: FleetView = { tick, unitStatus: new Map(units.map((u) => [u.id, u.status])), taken: new Set() };
    await Promise.all([...ready.desks.values()].map((d, i) => d.work(queues[i]!, fleet)));
    if (tick * this.opts.tickMs - this.lastIncidentAtMs >= this.opts.incidentEveryMs) {
      this.lastIncidentAtMs = tick * this.opts.tickMs;
      await this.takeCall(ready);
    }
  }

  /** Signs everyone in and learns the city from the server. */
  private async prepare(): Promise<Ready> {
    await this.supervisor.login();
    const city = await this.supervisor.get<CityDocument>('/api/v1/city');
    // Each actor draws from its own stream: the calls a seed produces do not depend on how
    // the server's answers interleave.
    const [callsRng, crewsRng] = [this.rng.fork(), this.rng.fork()];
    const desks = new Map<string, DispatchDesk>();
    for (const agency of city.agencies) {
      const deskRng = this.rng.fork();
      const session = new BeaconSession(this.opts.baseUrl, `dispatcher.${agency.id}`, this.password);
      try {
        await session.login();
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        this.log('agency left out: its dispatcher cannot sign in', { agencyId: agency.id, code: err.code, message: err.message });
        continue;
      }
      desks.set(agency.id, new DispatchDesk(agency.id, agency.kind, session, deskRng, {
        send: (s, cmd, about) => this.ledger.send(s, cmd, about),
        log: this.log,
        refused: (what, err) => this.ledger.refused(what, err),
        dispatched: (incidentId, unitIds) => this.ledger.dispatched(incidentId, unitIds),
        closed: (incidentId, disposition) => this.ledger.closed(agency.id, incidentId, disposition),
        transported: (incidentId) => this.ready?.crews.transported.has(incidentId) ?? false,
      }));
    }
    const inCity = (p: LatLon) => pointInPolygon([p.lon, p.lat], city.city.boundary);
    const crews = new Crews(city, crewsRng, this.opts, inCity);
    const calls = new IncidentGenerator({ ...city, agencies: city.agencies.filter((a) => desks.has(a.id)) }, callsRng);
    this.log('city loaded', { city: city.city.name, units: city.units.length, agencies: [...desks.keys()] });
    return { city, desks, crews, calls };
  }

  /** Units en route to an incident not in any queue (e.g. another agency's): look it up once. */
  private async locateIncidents(units: UnitSnapshot[]): Promise<void> {
    const unknown = new Set(units.filter((u) => u.incidentId && !this.incidentLocations.has(u.incidentId)).map((u) => u.incidentId!));
    for (const id of unknown) {
      try {
        const incident = await this.supervisor.get<IncidentSnapshot>(`/api/v1/incidents/${encodeURIComponent(id)}`);
        this.incidentLocations.set(id, incident.location);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        this.ledger.refused(`incident ${id}`, err);
      }
    }
  }

  private async report(positions: Parameters<BeaconSession['reportPositions']>[0]): Promise<void> {
    try {
      const { accepted } = await this.supervisor.reportPositions(positions);
      this.stats.positionsSent += accepted;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      this.ledger.refused('AVL batch', err, { positions: positions.length });
    }
  }

  /** Crew status changes, entered by each agency's dispatcher in turn; agencies work in parallel. */
  private async relay(requests: CrewRequest[], desks: Map<string, DispatchDesk>): Promise<void> {
    const byAgency = new Map<string, CrewRequest[]>();
    for (const r of requests) byAgency.set(r.agencyId, [...(byAgency.get(r.agencyId) ?? []), r]);
    await Promise.all([...byAgency].map(async ([agencyId, list]) => {
      const session = desks.get(agencyId)?.session ?? this.supervisor;
      for (const r of list) {
        const done = await this.ledger.send(session, r.command, { unitId: r.unitId, incidentId: r.incidentId });
        if (!done) {
          r.refused();
          continue;
        }
        this.stats.statusChanges++;
        const status = r.command.type === 'unit.status' ? r.command.status : 'acknowledged';
        this.log('unit status', { unitId: r.unitId, status, incidentId: r.incidentId });
      }
    }));
  }

  private async takeCall(ready: Ready): Promise<void> {
    const call = ready.calls.next();
    const desk = ready.desks.get(call.agencyId);
    if (!desk) return;
    const result = await this.ledger.send(desk.session, { type: 'incident.create', ...call }, { agencyId: call.agencyId });
    if (!result?.createdId) return;
    this.stats.incidentsCreated++;
    this.journal.created.push(result.createdId);
    this.incidentLocations.set(result.createdId, call.location);
    this.log('incident created', { agencyId: call.agencyId, incidentId: result.createdId, incidentType: call.incidentType, priority: call.priority, address: call.address, description: call.description });
  }

  private progress(units: UnitSnapshot[], incidents: IncidentSnapshot[]): void {
    const byStatus: Record<string, number> = {};
    for (const u of units) byStatus[u.status] = (byStatus[u.status] ?? 0) + 1;
    this.log('progress', { ...this.stats, openIncidents: incidents.length, units: byStatus });
  }
}

if (require.main === module) runFromEnvironment((opts) => new DemoCitySimulator(opts));
