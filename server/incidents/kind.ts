/** The incident aggregate as the pipeline sees it: machine, public view, event names, feeds. */
import type { AnyMachineSnapshot } from 'xstate';
import { incidentMachine, type IncidentContext } from '../../state-machines/incident';
import { type AggregateKind, stateName } from '../commands/aggregate-kind';
import { recordingUnderWay, type MediaRecording } from '../../state-machines/recordings';

const EVENT_NAMES: Record<string, string> = {
  CREATE: 'incident.created',
  TRIAGE: 'incident.triaged',
  PEND: 'incident.pending',
  DISPATCH: 'incident.units.dispatched',
  UNIT_ACKNOWLEDGED: 'incident.unit.acknowledged',
  UNIT_STATUS: 'incident.unit.status.changed',
  ACK_TIMEOUT: 'incident.alert.ack_overdue',
  UNIT_RELEASED: 'incident.unit.released',
  UNDER_CONTROL: 'incident.under_control',
  HOLD: 'incident.held',
  RESUME: 'incident.resumed',
  PRIORITY: 'incident.priority.changed',
  UPDATE: 'incident.updated',
  NOTE: 'incident.note.added',
  ALERT_ACK: 'incident.alert.acknowledged',
  CLOSE: 'incident.closed',
  CANCEL: 'incident.cancelled',
  REOPEN: 'incident.reopened',
  MERGE: 'incident.merged',
  ASSIGN_DIVISION: 'incident.unit.division.assigned',
  REQUEST_RESOURCES: 'incident.resources.requested',
  RECORDING_STARTED: 'incident.recording.started',
  RECORDING_STORED: 'incident.recording.stored',
  RECORDING_FAILED: 'incident.recording.failed',
  CALL_LINKED: 'incident.call.linked',
  CALL_ENDED: 'incident.call.ended',
};

export interface IncidentView extends IncidentContext {
  id: string;
  version: number;
  state: string;
}

export function incidentView(id: string, snapshot: AnyMachineSnapshot, version: number): IncidentView {
  return { id, version, state: stateName(snapshot), ...(snapshot.context as IncidentContext) };
}

export const incidentKind: AggregateKind = {
  type: 'incident',
  machine: incidentMachine,
  view: (id, snapshot, version) => incidentView(id, snapshot, version) as unknown as Record<string, unknown>,
  eventName: (t) => EVENT_NAMES[t] ?? (t.startsWith('xstate.after.') ? 'incident.alert.pending_overdue' : `incident.${t.toLowerCase()}`),
  feeds: (view) => [`incident:${view.id as string}`, `queue:${view.agencyId as string}`],
  scope: (view) => ({
    agencyId: view.agencyId as string, districtId: (view.districtId as string | null) ?? null,
    recording: recordingUnderWay(view.recordings as MediaRecording[] | undefined),
  }),
};
