/**
 * Recordings on an incident's timeline (console and tablet) and a call's leg recordings (the
 * console's recent calls): what a recording event says, and a player that asks the server for
 * a playback (which writes the viewing to the access log and answers with a short-lived signed
 * URL) before the `<video>` element (or `<audio>`, for a call leg's WAV) loads the file.
 */
import { useEffect, useRef, useState } from 'react';
import type { FeedEvent } from '../../../server/protocol';
import type { ApiClient } from './api';
import { defineMessages, useLocale } from './i18n';

const t = defineMessages(
  {
    started: 'Recording started: {unit}', stored: 'Recording stored: {unit}, {duration}', failed: 'Recording failed: {unit} ({reason})',
    play: 'Play', close: 'Close', loading: 'Opening…', refused: 'Cannot play: {message}', hash: 'SHA-256 {hash}',
  },
  {
    started: '开始录像：{unit}', stored: '录像已保存：{unit}，{duration}', failed: '录像失败：{unit}（{reason}）',
    play: '播放', close: '关闭', loading: '打开中…', refused: '无法播放：{message}', hash: 'SHA-256 {hash}',
  },
);

/** A recording as the incident or call view lists it. */
export interface RecordingRef {
  id: string;
  unitId: string | null;
  sha256: string | null;
  durationMs: number | null;
  /** `audio/wav` plays in an `<audio>` element; anything else (or unknown) in a `<video>`. */
  mimeType?: string;
}

/** The recording an event is about, from the incident view the event carries. */
function recordingOf(e: FeedEvent): RecordingRef | null {
  const id = e.payload.recordingId;
  if (typeof id !== 'string') return null;
  const list = (e.view.recordings as RecordingRef[] | undefined) ?? [];
  return list.find((r) => r.id === id) ?? { id, unitId: null, sha256: null, durationMs: null };
}

/** A recording's length in words (`12 s`, `1 min 05 s`). */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** The words for a recording event, or null for other events. */
export function describeRecordingEvent(e: FeedEvent): string | null {
  if (!e.type.startsWith('incident.recording.')) return null;
  const rec = recordingOf(e);
  const unit = rec?.unitId ?? String(e.payload.unitId ?? '?');
  if (e.type === 'incident.recording.started') return t('started', { unit });
  if (e.type === 'incident.recording.stored') return t('stored', { unit, duration: duration(Number(e.payload.durationMs ?? rec?.durationMs ?? null)) });
  if (e.type === 'incident.recording.failed') return t('failed', { unit, reason: String(e.payload.reason ?? '') });
  return null;
}

/** The player for the recording a timeline event stored (nothing for other events). */
export function RecordingPlayer({ api, incidentId, event }: { api: ApiClient; incidentId: string; event: FeedEvent }) {
  const rec = recordingOf(event);
  if (event.type !== 'incident.recording.stored' || !rec) return null;
  return <RecordingPlay api={api} incidentId={incidentId} recording={{ ...rec, sha256: String(event.payload.sha256 ?? rec.sha256 ?? '') || null }} />;
}

/** Whose recording: an incident's (body cameras) or a call's (its legs); exactly one is given. */
type RecordingOwner = { incidentId: string; callId?: undefined } | { callId: string; incidentId?: undefined };

/**
 * A Play button for a stored recording, replaced by the player once the playback is granted.
 * `label` names it beside the button (a call's leg: Caller, an agent, a party).
 */
export function RecordingPlay({ api, recording: rec, label, ...owner }: { api: ApiClient; recording: RecordingRef; label?: string } & RecordingOwner) {
  useLocale();
  const [url, setUrl] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement | HTMLAudioElement | null>(null);
  const audio = rec.mimeType?.startsWith('audio/') ?? false;
  const path = owner.callId !== undefined
    ? `/api/v1/calls/${encodeURIComponent(owner.callId)}/recordings/${encodeURIComponent(rec.id)}/playback`
    : `/api/v1/incidents/${encodeURIComponent(owner.incidentId)}/recordings/${encodeURIComponent(rec.id)}/playback`;
  // Browsers pause muted autoplay out of view: bring the player into view as it opens.
  useEffect(() => {
    if (url) video.current?.scrollIntoView({ block: 'nearest' });
  }, [url]);
  const open = async () => {
    setBusy(true);
    setError(null);
    try {
      const grant = await api.request<{ url: string }>('POST', path);
      setUrl(grant.url);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const sha = rec.sha256 ?? '';
  return (
    <div className="recording" data-testid={`recording-${rec.id}`}>
      {label && <span className="recording-label">{label}</span>}
      {url ? (
        <>
          {audio
            // Play was a click: an unmuted `<audio>` may start at once (a camera's `<video>` stays muted).
            ? <audio ref={(el) => { video.current = el; }} className="recording-audio" data-testid={`recording-player-${rec.id}`} src={url} controls autoPlay />
            : <video ref={(el) => { video.current = el; }} className="recording-video" data-testid={`recording-player-${rec.id}`} src={url} controls autoPlay muted playsInline />}
          <button type="button" className="btn btn-small" onClick={() => setUrl(null)}>{t('close')}</button>
        </>
      ) : (
        <button type="button" className="btn btn-small" data-testid={`recording-play-${rec.id}`} disabled={busy} onClick={() => void open()}>
          {busy ? t('loading') : `▶ ${t('play')}`}
        </button>
      )}
      {sha && <span className="recording-hash muted small" title={sha}>{t('hash', { hash: `${sha.slice(0, 12)}…` })}</span>}
      {error && <p className="hint error" role="alert">{t('refused', { message: error })}</p>}
    </div>
  );
}
