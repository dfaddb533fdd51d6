/**
 * Who may see this incident's cameras beyond its own agency, and who did: the incident's
 * dispatchers and supervisors share its video with a named user for a limited time (with a
 * reason), revoke a grant, and read the access log (every live viewing and playback, with the
 * grant it relied on). Auditors read the log only. The log is fetched on opening and after
 * each change (it has no live feed).
 */
import { useCallback, useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { localTime } from '../../lib/format';
import { defineMessages, useLocale } from '../../lib/i18n';
import type { IncidentView } from '../../lib/stores';
import type { MediaAccessReport } from '../../../../server/media-access/access';
import { OutcomeLine } from '../Outcome';
import { sendCommand, useConsole, type CommandOutcome } from '../session';

const t = defineMessages(
  {
    heading: 'Video access', share: 'Share video…', user: 'User', minutes: 'Minutes', reason: 'Reason', send: 'Grant', cancel: 'Cancel',
    revoke: 'Revoke', revoke_reason: 'access no longer needed', until: 'until {time}', none: 'Only this incident\'s own staff see its video.',
    log: 'Access log', log_empty: 'Nobody has viewed this incident\'s video yet.', live: 'live', recording: 'recording',
    by_grant: 'by grant', viewing: 'watching', refresh: 'Refresh', granted: 'Video shared with {user}', revoked: 'Access revoked',
  },
  {
    heading: '视频权限', share: '共享视频…', user: '用户', minutes: '分钟', reason: '原因', send: '授权', cancel: '取消',
    revoke: '撤销', revoke_reason: '不再需要访问', until: '至 {time}', none: '仅本事件人员可查看其视频。',
    log: '访问记录', log_empty: '尚无人查看本事件视频。', live: '实时', recording: '录像',
    by_grant: '经授权', viewing: '观看中', refresh: '刷新', granted: '已向 {user} 共享视频', revoked: '已撤销访问',
  },
);

const GRANTING_ROLES = ['dispatcher', 'supervisor'];
const READING_ROLES = [...GRANTING_ROLES, 'auditor'];
/** Log lines shown (newest first); the HTTP API has them all. */
const LOG_LINES = 12;

export function MediaAccessPanel({ incident }: { incident: IncidentView }) {
  const c = useConsole();
  useLocale();
  const [report, setReport] = useState<MediaAccessReport | null>(null);
  const [form, setForm] = useState(false);
  const [user, setUser] = useState('');
  const [minutes, setMinutes] = useState(30);
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<CommandOutcome | null>(null);
  const mayGrant = GRANTING_ROLES.includes(c.actor.role) && (c.actor.role === 'supervisor' || c.actor.agencyId === incident.agencyId);
  const mayRead = READING_ROLES.includes(c.actor.role) && (mayGrant || c.actor.role === 'auditor');

  const load = useCallback(() => {
    c.api.get<MediaAccessReport>(`/api/v1/incidents/${encodeURIComponent(incident.id)}/media-access`).then(setReport, () => setReport(null));
  }, [c, incident.id]);
  useEffect(() => {
    if (mayRead) load();
  }, [load, mayRead]);
  if (!mayRead) return null;

  const run = async (input: Parameters<typeof sendCommand>[1], label: string) => {
    const o = await sendCommand(c.live, input, setOutcome, label);
    if (o.kind === 'ack') load();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!user.trim() || !reason.trim()) return;
    setForm(false);
    void run({ type: 'media.access.grant', incidentId: incident.id, username: user.trim(), minutes, reason: reason.trim() }, t('granted', { user: user.trim() }));
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      setForm(false);
    }
  };
  const active = (report?.grants ?? []).filter((g) => g.state === 'active' && Date.parse(g.expiresAt) > Date.now());
  const views = [...(report?.views ?? [])].reverse().slice(0, LOG_LINES);

  return (
    <section className="detail-section media-access" data-testid="media-access">
      <h3>{t('heading')}</h3>
      {active.length === 0 && <p className="muted">{t('none')}</p>}
      <ul className="grants">
        {active.map((g) => (
          <li key={g.id} data-testid={`grant-${g.granteeUsername}`}>
            <strong>{g.granteeUsername}</strong> <span className="muted">{t('until', { time: localTime(g.expiresAt) })} · {g.reason} · {g.grantedBy}</span>
            {mayGrant && (
              <button type="button" className="ghost" data-testid={`revoke-${g.granteeUsername}`}
                onClick={() => void run({ type: 'media.access.revoke', incidentId: incident.id, grantId: g.id, reason: t('revoke_reason') }, t('revoked'))}>
                {t('revoke')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {mayGrant && !form && <button type="button" data-testid="action-share-video" onClick={() => setForm(true)}>{t('share')}</button>}
      {form && (
        <form className="prompt" onSubmit={submit} onKeyDown={onKeyDown} data-testid="prompt-share-video">
          <label>{t('user')}<input autoFocus value={user} onChange={(e) => setUser(e.target.value)} maxLength={100} required data-testid="share-user" /></label>
          <label>{t('minutes')}<input type="number" min={1} max={1440} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} required data-testid="share-minutes" /></label>
          <label className="grow">{t('reason')}<input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={4000} required data-testid="share-reason" /></label>
          <button type="submit" className="primary">{t('send')}</button>
          <button type="button" className="ghost" onClick={() => setForm(false)}>{t('cancel')}</button>
        </form>
      )}
      <OutcomeLine outcome={outcome} testId="media-access-result" />
      <h4>{t('log')} <button type="button" className="ghost small" onClick={load}>{t('refresh')}</button></h4>
      {views.length === 0 && <p className="muted">{t('log_empty')}</p>}
      <ol className="access-log" data-testid="access-log">
        {views.map((v) => (
          <li key={v.id} data-testid="access-log-item" data-viewer={v.viewerUsername} data-mode={v.mode}>
            <time dateTime={v.startedAt}>{localTime(v.startedAt)}</time> <strong>{v.viewerUsername}</strong>{' '}
            {t(v.mode)} · {[...new Set(v.streams.map((s) => s.unitId ?? s.streamId))].join(', ')}
            {v.grantId && <span className="muted"> · {t('by_grant')}</span>}
            {v.state === 'watching' && <span className="live-dot"> · {t('viewing')}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
