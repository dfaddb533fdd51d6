/**
 * One incident, live: its view and its timeline. The feed's snapshot carries only the view,
 * so the past events are read from the feed's history over HTTP each time a snapshot arrives
 * (first subscribe, or a reconnect that missed too much) and merged by event id with the
 * events that arrive live; nothing is shown twice and nothing is silently skipped.
 */
import { useEffect, useState } from 'react';
import type { FeedEvent } from '../../../server/protocol';
import type { ApiClient } from '../lib/api';
import type { LiveClient } from '../lib/live';
import type { IncidentView } from '../lib/stores';

type History = { mode: 'resume'; events: { seq: number; event: FeedEvent }[] } | { mode: 'snapshot' };

/** The incident's view and its events in order; `partial` when older events could not be loaded. */
export interface IncidentFeed {
  view: IncidentView | null;
  events: FeedEvent[];
  partial: boolean;
}

function merge(prev: FeedEvent[], more: FeedEvent[]): FeedEvent[] {
  const byId = new Map(prev.map((e) => [e.id, e]));
  for (const e of more) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** Follows `incident:<incidentId>` with its history. */
export function useIncidentFeed(api: ApiClient, live: LiveClient | null, incidentId: string | null): IncidentFeed {
  const [feed, setFeed] = useState<IncidentFeed & { id: string | null }>({ id: null, view: null, events: [], partial: false });

  useEffect(() => {
    setFeed({ id: incidentId, view: null, events: [], partial: false });
    if (!live || !incidentId) return;
    let cancelled = false;
    const name = `incident:${incidentId}`;
    const loadHistory = () => {
      api.get<History>(`/api/v1/feeds/${encodeURIComponent(name)}?afterSeq=0`).then(
        (h) => {
          if (cancelled) return;
          if (h.mode === 'resume') setFeed((f) => ({ ...f, events: merge(f.events, h.events.map((x) => x.event)) }));
          else setFeed((f) => ({ ...f, partial: true }));
        },
        () => !cancelled && setFeed((f) => ({ ...f, partial: true })),
      );
    };
    const off = live.subscribe(name, {
      snapshot(items) {
        const view = items[0] as unknown as IncidentView | undefined;
        if (view) setFeed((f) => ({ ...f, view }));
        loadHistory();
      },
      event(e) {
        setFeed((f) => ({ ...f, view: e.view as unknown as IncidentView, events: merge(f.events, [e]) }));
      },
    });
    return () => {
      cancelled = true;
      off();
    };
  }, [api, live, incidentId]);

  return feed.id === incidentId ? feed : { view: null, events: [], partial: false };
}
