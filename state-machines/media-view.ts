/**
 * One viewing of an incident's media, for the access audit: who watched which camera, live or
 * recorded, from when to when, and on which right (their own, or a time-limited grant). One
 * aggregate per viewing session (a console's video wall in one incident room, or one
 * playback of a recording), so concurrent viewers never contend on one stream.
 *
 * ```
 *   (created: viewer, incident, live | recording, right) ──► watching ── END ──► ended (final)
 *                                                              ↺ WATCH (one more camera stream)
 * ```
 */
import { assertEvent, assign, setup } from 'xstate';
import { hasText, type Stamped } from './common';

/** One stream the viewer received. */
export interface ViewedStream {
  /** mediasoup producer id (live) or recording id (recorded). */
  streamId: string;
  unitId: string | null;
  kind: 'audio' | 'video' | 'recording';
  at: string;
}

export interface MediaViewInput {
  at: string;
  incidentId: string;
  agencyId: string;
  districtId: string | null;
  mode: 'live' | 'recording';
  viewerId: string;
  viewerUsername: string;
  viewerRole: string;
  /** The grant the view relies on; null when the viewer's own role and scope allow it. */
  grantId: string | null;
  first: Omit<ViewedStream, 'at'>;
}

export interface MediaViewContext extends Omit<MediaViewInput, 'at' | 'first'> {
  startedAt: string;
  endedAt: string | null;
  streams: ViewedStream[];
}

export type MediaViewEvent = Stamped & ({ type: 'WATCH'; stream: Omit<ViewedStream, 'at'> } | { type: 'END' });

/** Streams listed per viewing; more are counted in the event log only. */
export const MAX_LISTED_STREAMS = 200;

/** One viewing session. Compute with `initialTransition` / `transition`. */
export const mediaViewMachine = setup({
  types: { context: {} as MediaViewContext, events: {} as MediaViewEvent, input: {} as MediaViewInput },
  guards: {
    validStream: ({ event }) => {
      assertEvent(event, 'WATCH');
      return hasText(event.stream.streamId);
    },
  },
  actions: {
    watch: assign(({ context, event }) => {
      assertEvent(event, 'WATCH');
      if (context.streams.length >= MAX_LISTED_STREAMS) return {};
      return { streams: [...context.streams, { ...event.stream, at: event.at }] };
    }),
    end: assign(({ event }) => ({ endedAt: event.at })),
  },
}).createMachine({
  id: 'mediaView',
  initial: 'watching',
  context: ({ input }) => {
    if (!input) return {} as MediaViewContext;
    const { at, first, ...rest } = input;
    return { ...rest, startedAt: at, endedAt: null, streams: [{ ...first, at }] };
  },
  states: {
    watching: { on: { WATCH: { guard: 'validStream', actions: 'watch' }, END: { target: 'ended', actions: 'end' } } },
    ended: { type: 'final' },
  },
});
