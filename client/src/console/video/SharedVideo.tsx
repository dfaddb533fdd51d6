/**
 * Video shared with this dispatcher by another agency (a time-limited media access grant): the
 * incidents, listed in the video slot with a Watch button that opens their cameras on the wall.
 * The grantee sees the video only, not the incident itself; the detail panel says so.
 */
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ApiClient } from '../../lib/api';
import { localTime } from '../../lib/format';
import { defineMessages, useLocale } from '../../lib/i18n';
import type { SharedIncident } from '../../../../server/media-access/access';
import { useConsole } from '../session';
import { RecordingPlay, type RecordingRef } from '../../lib/RecordingPlayer';

const t = defineMessages(
  {
    heading: 'Shared with you', watch: 'Watch', recordings: 'Recordings', until: 'until {time}', by: 'shared by {by}: {reason}',
    notice: 'Video of {id} is shared with you {until} ({by}). The incident itself belongs to another agency: only its cameras and recordings are open to you.',
  },
  {
    heading: '与您共享', watch: '观看', recordings: '录像', until: '至 {time}', by: '{by} 共享：{reason}',
    notice: '{id} 的视频已与您共享，{until}（{by}）。该事件属于其他单位，您只能查看其视频和录像。',
  },
);

const REFRESH_MS = 20_000;

/**
 * One poll of the incidents shared with the signed-in user, however many components show them
 * (the video slot and the detail panel): started by the first subscriber, stopped with the last.
 */
class SharedIncidentsPoll {
  private value: SharedIncident[] = [];
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly api: ApiClient) {}

  get = () => this.value;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (!this.timer) {
      void this.load();
      this.timer = setInterval(() => void this.load(), REFRESH_MS);
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  };

  private async load(): Promise<void> {
    try {
      this.value = await this.api.get<SharedIncident[]>('/api/v1/media/shared');
      this.listeners.forEach((l) => l());
    } catch {
      // Kept as it was; the next poll tries again.
    }
  }
}

const polls = new WeakMap<ApiClient, SharedIncidentsPoll>();

/** The incidents shared with the signed-in user (grants not yet expired), refreshed while shown. */
export function useSharedIncidents(api: ApiClient): SharedIncident[] {
  let poll = polls.get(api);
  if (!poll) polls.set(api, (poll = new SharedIncidentsPoll(api)));
  const shared = useSyncExternalStore(poll.subscribe, poll.get);
  return shared.filter((s) => Date.parse(s.grant.expiresAt) > Date.now());
}

/** The list in the video slot (nothing when nothing is shared). */
export function SharedVideoList() {
  const c = useConsole();
  useLocale();
  const shared = useSharedIncidents(c.api);
  if (shared.length === 0) return null;
  return (
    <div className="shared-video" data-testid="shared-video">
      <p className="vs-count">{t('heading')}</p>
      <ul>
        {shared.map((s) => (
          <li key={s.incidentId} data-testid={`shared-${s.incidentId}`}>
            <span title={s.incidentId}>{s.address ?? s.incidentType} · <span className="muted">{t('until', { time: localTime(s.grant.expiresAt) })}</span></span>
            <button type="button" className="small" data-testid={`watch-shared-${s.incidentId}`}
              onClick={() => { c.selection.set({ incidentId: s.incidentId, unitId: null }); c.wallOpen.set(true); }}>
              {t('watch')}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What the detail panel says about an incident that is only shared for its video. */
export function SharedIncidentNotice({ incidentId, otherwise }: { incidentId: string; otherwise: ReactNode }) {
  const c = useConsole();
  useLocale();
  const shared = useSharedIncidents(c.api).find((s) => s.incidentId === incidentId);
  if (!shared) return <>{otherwise}</>;
  return (
    <>
      <p className="notice" data-testid="shared-notice">
        {t('notice', { id: incidentId, until: t('until', { time: localTime(shared.grant.expiresAt) }), by: t('by', { by: shared.grant.grantedBy, reason: shared.grant.reason }) })}
      </p>
      <SharedRecordings incidentId={incidentId} />
    </>
  );
}

/** The stored recordings of a shared incident, each with its player. */
function SharedRecordings({ incidentId }: { incidentId: string }) {
  const c = useConsole();
  const [list, setList] = useState<(RecordingRef & { state: string; startedAt: string })[]>([]);
  useEffect(() => {
    c.api.get<{ recordings: (RecordingRef & { state: string; startedAt: string })[] }>(`/api/v1/incidents/${encodeURIComponent(incidentId)}/recordings`)
      .then((r) => setList(r.recordings.filter((x) => x.state === 'stored')), () => setList([]));
  }, [c, incidentId]);
  if (list.length === 0) return null;
  return (
    <section className="detail-section" data-testid="shared-recordings">
      <h3>{t('recordings')}</h3>
      <ul className="shared-recordings">
        {list.map((r) => (
          <li key={r.id}>
            <span>{localTime(r.startedAt)} · {r.unitId ?? '?'}</span>
            <RecordingPlay api={c.api} incidentId={incidentId} recording={r} />
          </li>
        ))}
      </ul>
    </section>
  );
}
