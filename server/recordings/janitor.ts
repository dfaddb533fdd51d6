/**
 * Finishes recordings a previous run of this node left open: the server died while a camera
 * was recording. ffmpeg ran under a parent-death SIGINT and finished its file, but nobody put
 * the file's hash in the audit chain. A recording whose file is here and no longer growing is
 * hashed and stored now; one whose writer was cut off before writing its index is rewritten
 * first (packets copied into a new file); an unreadable one is reported failed. One whose file
 * is missing is left alone: it may be on another media host.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { Sql } from '../store/db';
import type { IncidentRecording } from '../../state-machines/incident-model';
import type { RecordingSink } from '../../media/Recorder';
import { describeFile, repairFile } from '../../media/recording-files';

/** A file modified within this long may still be written by a live ffmpeg. */
const QUIET_MS = 10_000;

export async function finishOrphanedRecordings(sql: Sql, dir: string, sink: RecordingSink, log: Logger, now = Date.now()): Promise<{ stored: number; failed: number; waiting: number }> {
  // The predicate is the partial index's of migration 005, literally: keep them in step.
  const rows = await sql<{ id: string; snapshot: { context: { recordings?: IncidentRecording[] } } }[]>`
    SELECT id, snapshot FROM aggregates
    WHERE type = 'incident' AND snapshot->'context'->'recordings' @> '[{"state":"recording"}]'`;
  const counts = { stored: 0, failed: 0, waiting: 0 };
  for (const row of rows) {
    for (const r of row.snapshot.context.recordings ?? []) {
      if (r.state !== 'recording') continue;
      const path = join(dir, r.file);
      if (!existsSync(path)) continue;
      const { mtimeMs, size } = statSync(path);
      if (now - mtimeMs < QUIET_MS) {
        counts.waiting++;
        continue;
      }
      const rec = { recordingId: r.id, incidentId: row.id, unitId: r.unitId, source: r.source, file: r.file, mimeType: r.mimeType };
      try {
        // A writer cut off before its end left no index: rewrite the file, then hash it.
        const file = await describeFile(path).catch(async () => {
          await repairFile(path);
          log.warn({ recordingId: r.id, path }, 'recording file left without its index was rewritten');
          return describeFile(path);
        });
        await sink.stored(rec, { ...file, endedAt: new Date(mtimeMs).toISOString() });
        counts.stored++;
        log.warn({ recordingId: r.id, incidentId: row.id, durationMs: file.durationMs }, 'recording left open by an earlier run finished and stored');
      } catch (err) {
        await sink.failed(rec, `left open by an earlier run and unreadable (${size} bytes): ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), new Date(mtimeMs).toISOString())
          .catch((e) => log.error({ err: e, recordingId: r.id }, 'could not report a failed recording'));
        counts.failed++;
      }
    }
  }
  return counts;
}
