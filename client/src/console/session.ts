/**
 * One signed-in console: the live connection, the reference city, the read models fed by
 * the agency queues and district unit maps, and the dispatcher's selection. Built once per
 * sign-in and torn down on sign-out; components reach it through `useConsole()`.
 */
import { createContext, useContext } from 'react';
import type { Actor } from '../../../server/protocol';
import type { ApiClient, ClientConfig } from '../lib/api';
import { CameraWall } from '../lib/cameras';
import { LiveClient, CommandRefused, type CommandInput } from '../lib/live';
import { CALL_TAKING_ROLES } from '../../../server/auth/authorize';
import {
  followCalls, followQueues, followUnits, Store, type AgentView, type CallView, type IncidentView, type UnitWithPosition,
} from '../lib/stores';
import type { City } from '../map/base';
import { CityIndex } from './city';
import { Observable, type MapPick, type Selection } from './state';

/** Elements other panels move the focus to (registered by the panels themselves). */
export interface FocusTargets {
  detail?: HTMLElement | null;
  queue?: HTMLElement | null;
  commandLine?: HTMLInputElement | null;
  alerts?: HTMLElement | null;
}

/** Everything a signed-in console works with. */
export interface ConsoleServices {
  api: ApiClient;
  live: LiveClient;
  actor: Actor;
  city: CityIndex;
  clientConfig: ClientConfig;
  units: Store<UnitWithPosition>;
  incidents: Store<IncidentView>;
  selection: Observable<Selection>;
  /** Set while the create form waits for a click on the map. */
  mapPick: Observable<MapPick>;
  /** Whether the create-incident form is open. */
  formOpen: Observable<boolean>;
  /** The location typed or picked in the create form, marked on the map. */
  draftLocation: Observable<{ lat: number; lon: number } | null>;
  focus: FocusTargets;
  /** Body cameras of the open incident (the video wall; the map's camera badges). */
  cameras: CameraWall;
  /** Whether the video wall is docked beside the map while it has cameras (V toggles). */
  wallOpen: Observable<boolean>;
  /** The agency whose ACD queue this console takes calls from (null: the actor takes no calls). */
  callAgencyId: string | null;
  /** Open calls of that agency (waiting, offered, in hand, abandoned), from `calls:<agencyId>`. */
  calls: Store<CallView>;
  /** Call takers' readiness in that agency (the actor's own included, keyed by actor id). */
  agents: Store<AgentView>;
  /** The call the create form turns into an incident (`call.incident.create`); null: a plain incident. */
  formCall: Observable<string | null>;
  close(): void;
}

/** Roles whose queue is every agency's, not only their own. */
const ALL_AGENCY_ROLES = ['supervisor', 'agency_liaison', 'auditor'];

/** Loads the city and starts the live feeds for the signed-in actor. */
export async function openConsole(api: ApiClient): Promise<ConsoleServices> {
  const session = api.session;
  if (!session) throw new Error('not signed in');
  const [cityData, clientConfig] = await Promise.all([api.get<City>('/api/v1/city'), api.clientConfig()]);
  const city = new CityIndex(cityData);
  const actor = session.actor;
  const live = LiveClient.forPage(() => api.session?.token ?? null);
  const units = new Store<UnitWithPosition>();
  const incidents = new Store<IncidentView>();
  const agencyIds = ALL_AGENCY_ROLES.includes(actor.role) || !actor.agencyId
    ? cityData.agencies.map((a) => a.id) : [actor.agencyId];
  const districtIds = actor.jurisdiction === 'city' ? cityData.districts.map((d) => d.id) : [actor.jurisdiction];
  const offs = [followQueues(live, agencyIds, incidents), followUnits(live, districtIds, units)];
  // Calls are scoped by the line's agency: a seat takes its own agency's queue (supervisors too, for now).
  const callAgencyId = CALL_TAKING_ROLES.includes(actor.role) && actor.agencyId ? actor.agencyId : null;
  const calls = new Store<CallView>();
  const agents = new Store<AgentView>();
  if (callAgencyId) offs.push(followCalls(live, callAgencyId, calls, agents));
  live.start();
  const cameras = new CameraWall(live);
  return {
    api, live, actor, city, clientConfig, units, incidents,
    selection: new Observable<Selection>({ incidentId: null, unitId: null }),
    mapPick: new Observable<MapPick>(null),
    formOpen: new Observable(false),
    draftLocation: new Observable<{ lat: number; lon: number } | null>(null),
    focus: {},
    cameras,
    wallOpen: new Observable(true),
    callAgencyId, calls, agents,
    formCall: new Observable<string | null>(null),
    close() {
      cameras.close();
      offs.forEach((off) => off());
      live.stop();
    },
  };
}

/** Provides the signed-in console to the component tree. */
export const ConsoleContext = createContext<ConsoleServices | null>(null);

/** The signed-in console (inside `<ConsoleContext.Provider>`). */
export function useConsole(): ConsoleServices {
  const c = useContext(ConsoleContext);
  if (!c) throw new Error('useConsole outside the console');
  return c;
}

/** What became of a command, for inline display. */
export interface CommandOutcome {
  kind: 'pending' | 'queued' | 'ack' | 'nack';
  message: string;
  createdId?: string | null;
}

/**
 * Sends a command and reports each step: sending (or queued while not live), then the ack
 * or the server's refusal. The live client re-sends a queued command after reconnecting.
 */
export async function sendCommand(
  live: LiveClient, input: CommandInput, report: (o: CommandOutcome) => void, describe: string,
): Promise<CommandOutcome> {
  report({ kind: live.state === 'live' ? 'pending' : 'queued', message: '' });
  try {
    const result = await live.command(input);
    const outcome: CommandOutcome = { kind: 'ack', message: describe, createdId: result.createdId };
    report(outcome);
    return outcome;
  } catch (err) {
    const message = err instanceof CommandRefused ? err.message : String(err);
    const outcome: CommandOutcome = { kind: 'nack', message };
    report(outcome);
    return outcome;
  }
}
