/**
 * Media recordings as machine context: a body camera of an incident, a leg of a phone call.
 * A recording is started when its media starts (the file name is known before ffmpeg runs)
 * and stored with its file's SHA-256 once the file is finished, so the hash lands in the
 * owning aggregate's audit chain; a recording that produced no usable file is failed.
 * Pure functions, shared by the incident and call machines.
 */
import { hasText, type Stamped } from './common';

export interface MediaRecording {
  id: string;
  unitId: string | null;
  /** What was recorded: `bodycam`, `caller` (a phone leg), `agent` (a dispatcher's microphone)… */
  source: string;
  state: 'recording' | 'stored' | 'failed';
  startedAt: string;
  endedAt: string | null;
  /** File name within the recordings directory of the media host that wrote it. */
  file: string;
  mimeType: string;
  sha256: string | null;
  bytes: number | null;
  durationMs: number | null;
  failure: string | null;
}

export type RecordingEvent = Stamped &
  (
    | { type: 'RECORDING_STARTED'; recordingId: string; unitId: string | null; source: string; file: string; mimeType: string }
    | { type: 'RECORDING_STORED'; recordingId: string; sha256: string; bytes: number; durationMs: number; endedAt: string }
    | { type: 'RECORDING_FAILED'; recordingId: string; reason: string; endedAt: string }
  );

/** A start for a recording the list does not hold yet. */
export function isNewRecording(list: readonly MediaRecording[] | undefined, event: RecordingEvent): boolean {
  return event.type === 'RECORDING_STARTED' && hasText(event.recordingId) && hasText(event.file) && !(list ?? []).some((r) => r.id === event.recordingId);
}

/** An end (stored or failed) of a recording still in progress. */
export function isRecordingInProgress(list: readonly MediaRecording[] | undefined, event: RecordingEvent): boolean {
  return event.type !== 'RECORDING_STARTED' && (list ?? []).some((r) => r.id === event.recordingId && r.state === 'recording');
}

/** The list after a guarded recording event. Aggregates stored before recordings existed have none. */
export function applyRecording(list: readonly MediaRecording[] | undefined, event: RecordingEvent): MediaRecording[] {
  const recordings = [...(list ?? [])];
  switch (event.type) {
    case 'RECORDING_STARTED':
      return [...recordings, {
        id: event.recordingId, unitId: event.unitId, source: event.source, state: 'recording', startedAt: event.at, endedAt: null,
        file: event.file, mimeType: event.mimeType, sha256: null, bytes: null, durationMs: null, failure: null,
      }];
    case 'RECORDING_STORED':
      return recordings.map((r) => (r.id === event.recordingId
        ? { ...r, state: 'stored' as const, endedAt: event.endedAt, sha256: event.sha256, bytes: event.bytes, durationMs: event.durationMs }
        : r));
    case 'RECORDING_FAILED':
      return recordings.map((r) => (r.id === event.recordingId ? { ...r, state: 'failed' as const, endedAt: event.endedAt, failure: event.reason } : r));
  }
}

/** Whether a recording of the aggregate is under way (its `recording` column: start-up finishes those a crash left open). */
export function recordingUnderWay(recordings: readonly MediaRecording[] | undefined): boolean {
  return (recordings ?? []).some((r) => r.state === 'recording');
}
