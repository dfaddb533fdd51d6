/**
 * The call and agent aggregates as the pipeline sees them. Both write the agency's ACD feed
 * `calls:<agencyId>`; a call never writes `incident:<id>` itself (that feed carries incident
 * views): what the incident should remember of a call goes through incident events
 * (`incident.call.linked`, `incident.call.ended`), so it lands on the incident's timeline.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { agentsBusyWith, callMachine, type CallContext } from '../../state-machines/call';
import { recordingUnderWay } from '../../state-machines/recordings';
import { agentMachine, type AgentContext } from '../../state-machines/agent';
import { type AggregateKind, stateName } from '../commands/aggregate-kind';

export const CALL_EVENTS: Record<string, string> = {
  CREATE: 'call.created',
  ENQUEUE: 'call.queued',
  OFFER: 'call.offer.made',
  OFFER_TIMEOUT: 'call.offer.expired',
  DECLINE: 'call.offer.declined',
  ANSWER_OVERDUE: 'call.alert.answer_overdue',
  ANSWER: 'call.answered',
  CONNECTED: 'call.connected',
  MEDIA_UP: 'call.media.up',
  HOLD: 'call.held',
  RESUME: 'call.resumed',
  TRANSFER: 'call.transfer.started',
  TRANSFER_ANSWERED: 'call.transfer.answered',
  TRANSFER_COMPLETE: 'call.transfer.completed',
  TRANSFER_CANCEL: 'call.transfer.cancelled',
  TRANSFER_TIMEOUT: 'call.transfer.expired',
  CONFERENCE_ADD: 'call.conference.joined',
  CONFERENCE_LEAVE: 'call.conference.left',
  LOCATION_PROPOSED: 'call.location.proposed',
  LOCATION_CONFIRM: 'call.location.confirmed',
  LINK_INCIDENT: 'call.incident.linked',
  END: 'call.ended',
  CALLBACK: 'call.callback.dialled',
  RESOLVE: 'call.callback.resolved',
  DTMF: 'call.dtmf.received',
  RECORDING_STARTED: 'call.recording.started',
  RECORDING_STORED: 'call.recording.stored',
  RECORDING_FAILED: 'call.recording.failed',
};

export const AGENT_EVENTS: Record<string, string> = {
  CREATE: 'agent.signed_in', READY: 'agent.ready', AWAY: 'agent.away', OFFERED: 'agent.offered', ANSWERED: 'agent.answered', ENGAGED: 'agent.engaged',
};

/** A call as clients see it. `kind` tells call and agent items of the ACD feed apart. */
export interface CallView extends CallContext {
  kind: 'call';
  id: string;
  version: number;
  state: string;
}

/** A call taker's or dispatcher's readiness as clients see it. */
export interface AgentView extends AgentContext {
  kind: 'agent';
  id: string;
  version: number;
  state: string;
}

/** The ACD feed of an agency. */
export const callsFeed = (agencyId: string) => `calls:${agencyId}`;

const viewOf = (kind: 'call' | 'agent') => (id: string, snapshot: AnyMachineSnapshot, version: number) =>
  ({ kind, id, version, state: stateName(snapshot), ...(snapshot.context as object) }) as Record<string, unknown>;
const scope = (view: Record<string, unknown>) => ({ agencyId: view.agencyId as string, districtId: null });
const callScope = (view: Record<string, unknown>) => ({
  ...scope(view), parties: agentsBusyWith(view as unknown as CallView), recording: recordingUnderWay((view as unknown as CallView).recordings),
});

export const callKind: AggregateKind = {
  type: 'call',
  machine: callMachine,
  view: viewOf('call'),
  eventName: (t) => CALL_EVENTS[t] ?? `call.${t.toLowerCase()}`,
  feeds: (view) => [callsFeed(view.agencyId as string)],
  scope: callScope,
};

export const agentKind: AggregateKind = {
  type: 'agent',
  machine: agentMachine,
  view: viewOf('agent'),
  eventName: (t) => AGENT_EVENTS[t] ?? `agent.${t.toLowerCase()}`,
  feeds: (view) => [callsFeed(view.agencyId as string)],
  scope,
};
