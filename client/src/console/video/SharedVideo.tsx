/**
 * Video shared with this dispatcher by another agency (a time-limited media access grant): the
 * incidents, listed in the video slot with a Watch button that opens their cameras on the wall.
 * The grantee sees the video only, not the incident itself; the detail panel says so.
 */
import { useEffect, useState, type ReactNode } from 'react';
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

/** The incidents shared with the signed-in user, refreshed while shown. */
export function useSharedIncidents(api: ApiClient): SharedIncident[] {
  const [shared, setShared] = useState<SharedIncident[]>([]);
  useEffect(() => {
    let stopped = false;
    const load = () => api.get<SharedIncident[]>('/api/v1/media/shared').then((s) => !stopped && setShared(s), () => undefined);
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api]);
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
