/**
 * Follows one incident's feed from its first event: the current view and the timeline in
 * feed order (deduplicated by event id, so a resumed feed never repeats an entry).
 */
import { useEffect, useState } from 'react';
import type { FeedEvent } from '../../../../server/protocol';
import type { LiveClient } from '../../lib/live';
import { followIncident, type IncidentView } from '../../lib/stores';

/** One incident as its feed tells it. */
export interface IncidentFeed {
  view: IncidentView | null;
  events: FeedEvent[];
}

/** The view and timeline of an incident (null id: nothing). */
export function useIncidentFeed(live: LiveClient, incidentId: string | null): IncidentFeed {
  const [feed, setFeed] = useState<IncidentFeed & { id: string | null }>({ id: incidentId, view: null, events: [] });
  useEffect(() => {
    setFeed({ id: incidentId, view: null, events: [] });
    if (!incidentId) return;
    return followIncident(
      live, incidentId,
      (view) => setFeed((f) => (f.id === incidentId ? { ...f, view } : f)),
      (event) => setFeed((f) => {
        if (f.id !== incidentId || f.events.some((e) => e.id === event.id)) return f;
        return { ...f, events: [...f.events, event] };
      }),
      { history: true },
    );
  }, [live, incidentId]);
  return feed.id === incidentId ? feed : { view: null, events: [] };
}
