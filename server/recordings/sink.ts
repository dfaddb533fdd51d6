/**
 * The recorder's reports as events of the aggregate that owns the recording (an incident's
 * body cameras, a call's legs) through the command pipeline, so each recording's start and its
 * file's SHA-256 are in that aggregate's audit chain (and an incident's on its timeline).
 * Command ids derive from the recording id: a repeated report is applied once.
 */
import type { Logger } from '../log';
import { SYSTEM_ACTOR } from '../auth/users';
import type { CommandPipeline, MachineEvent } from '../commands/pipeline';
import type { RecordingSink, RecordingStart } from '../../media/Recorder';

/** Attempts of a report before it is left to the start-up finalisation (the database was down). */
const ATTEMPTS = 5;

export function recordingSink(pipeline: CommandPipeline, log: Logger): RecordingSink {
  const report = async (rec: RecordingStart, step: string, event: MachineEvent) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await pipeline.execute(SYSTEM_ACTOR, `rec-${step}-${rec.recordingId}`, `media.recording.${step}`, async () => ({
          steps: [{ type: rec.owner.type, id: rec.owner.id, event }],
        }));
        return;
      } catch (err) {
        const status = (err as { status?: number }).status;
        // A refusal (404, 409) will not change on a retry; a database failure may.
        if (attempt >= ATTEMPTS || (status !== undefined && status < 500)) throw err;
        log.warn({ err, recordingId: rec.recordingId, attempt }, 'recording report failed; retrying');
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  };
  return {
    started: (rec) => report(rec, 'started', {
      type: 'RECORDING_STARTED', recordingId: rec.recordingId, unitId: rec.unitId, source: rec.source, file: rec.file, mimeType: rec.mimeType,
    }),
    stored: (rec, file) => report(rec, 'stored', {
      type: 'RECORDING_STORED', recordingId: rec.recordingId, sha256: file.sha256, bytes: file.bytes, durationMs: file.durationMs, endedAt: file.endedAt,
    }),
    failed: (rec, reason, endedAt) => report(rec, 'failed', { type: 'RECORDING_FAILED', recordingId: rec.recordingId, reason, endedAt }),
  };
}
