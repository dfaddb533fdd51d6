/**
 * The media access aggregates as the pipeline sees them: an incident's grants
 * (`media_access`, keyed by incident id) and each viewing of its media (`media_view`). Neither
 * writes a live feed: the access log is read by supervisors and auditors over HTTP, and would
 * only be noise on the incident's timeline.
 */
import type { AnyMachineSnapshot } from 'xstate';
import { mediaAccessMachine, type MediaAccessContext } from '../../state-machines/media-access';
import { mediaViewMachine, type MediaViewContext } from '../../state-machines/media-view';
import { type AggregateKind, stateName } from '../commands/aggregate-kind';

export interface MediaAccessView extends MediaAccessContext {
  id: string;
  version: number;
  state: string;
}

export interface MediaViewView extends MediaViewContext {
  id: string;
  version: number;
  state: string;
  /** The call whose audio was heard (live in its room, or a leg recording); absent for camera views. */
  callId?: string;
}

const view = (id: string, snapshot: AnyMachineSnapshot, version: number) =>
  ({ id, version, state: stateName(snapshot), ...(snapshot.context as object) }) as Record<string, unknown>;
const scope = (v: Record<string, unknown>) => ({ agencyId: v.agencyId as string, districtId: (v.districtId as string | null) ?? null });

export const mediaAccessKind: AggregateKind = {
  type: 'media_access',
  machine: mediaAccessMachine,
  view,
  eventName: (t) => ({ CREATE: 'media.access.opened', GRANT: 'media.access.granted', REVOKE: 'media.access.revoked', EXPIRE: 'media.access.expired' })[t]
    ?? `media.access.${t.toLowerCase()}`,
  feeds: () => [],
  scope,
};

/** What a media view refers to, as its `refs` column holds it (the access logs find views by it). */
export const mediaViewRefs = (v: { incidentId?: unknown; callId?: unknown }): string[] =>
  [typeof v.incidentId === 'string' ? `incident:${v.incidentId}` : null, typeof v.callId === 'string' ? `call:${v.callId}` : null].filter((r): r is string => r !== null);

export const mediaViewKind: AggregateKind = {
  type: 'media_view',
  machine: mediaViewMachine,
  view,
  eventName: (t) => ({ CREATE: 'media.view.started', WATCH: 'media.view.stream', END: 'media.view.ended' })[t] ?? `media.view.${t.toLowerCase()}`,
  feeds: () => [],
  scope: (v) => ({ ...scope(v), refs: mediaViewRefs(v) }),
};
