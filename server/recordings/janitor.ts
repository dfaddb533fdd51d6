/**
 * Finishes recordings a previous run of this node left open: the server died while a camera
 * or a call was recording. ffmpeg ran under a parent-death SIGINT and finished its file, but
 * nobody put the file's hash in the audit chain of its incident or call. A recording whose file
 * is here and no longer growing is hashed and stored now; one whose writer was cut off before
 * writing its index (WebM, Matroska) or its sizes (WAV) is rewritten first (packets copied into
 * a new file); an unreadable one is reported failed. One whose file is missing is left alone:
 * it may be on another media host.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { Sql } from '../store/db';
import type { MediaRecording } from '../../state-machines/recordings';
import type { RecordingOwner, RecordingSink } from '../../media/Recorder';
import { describeFile, repairFile, wavUnfinished } from '../../media/recording-files';

/** A file modified within this long may still be written by a live ffmpeg. */
const QUIET_MS = 10_000;

type Row = { id: string; snapshot: { context: { recordings?: MediaRecording[] } } };

/** Aggregates with a recording still open (the `recording` column and its partial index, migration 008). */
async function withOpenRecordings(sql: Sql): Promise<{ type: RecordingOwner['type']; row: Row }[]> {
  const incidents = await sql<Row[]>`
    SELECT id, snapshot FROM aggregates
    WHERE type = 'incident' AND recording`;
  const calls = await sql<Row[]>`
    SELECT id, snapshot FROM aggregates
    WHERE type = 'call' AND recording`;
  return [...incidents.map((row) => ({ type: 'incident' as const, row })), ...calls.map((row) => ({ type: 'call' as const, row }))];
}

/** The file's hash, size and duration, rewriting it first when its writer was cut off. */
async function finishedFile(path: string, log: Logger, recordingId: string) {
  const rewrite = async () => {
    await repairFile(path);
    log.warn({ recordingId, path }, 'recording file left without its index was rewritten');
    return describeFile(path);
  };
  // A WAV's header still holds placeholder sizes: ffprobe would believe them.
  if (path.endsWith('.wav') && wavUnfinished(path)) return rewrite();
  return describeFile(path).catch(rewrite);
}

export async function finishOrphanedRecordings(sql: Sql, dir: string, sink: RecordingSink, log: Logger, now = Date.now()): Promise<{ stored: number; failed: number; waiting: number }> {
  const counts = { stored: 0, failed: 0, waiting: 0 };
  for (const { type, row } of await withOpenRecordings(sql)) {
    for (const r of row.snapshot.context.recordings ?? []) {
      if (r.state !== 'recording') continue;
      const path = join(dir, r.file);
      if (!existsSync(path)) continue;
      const { mtimeMs, size } = statSync(path);
      if (now - mtimeMs < QUIET_MS) {
        counts.waiting++;
        continue;
      }
      const rec = { recordingId: r.id, owner: { type, id: row.id }, unitId: r.unitId, source: r.source, file: r.file, mimeType: r.mimeType };
      try {
        const file = await finishedFile(path, log, r.id);
        await sink.stored(rec, { ...file, endedAt: new Date(mtimeMs).toISOString() });
        counts.stored++;
        log.warn({ recordingId: r.id, owner: `${type}:${row.id}`, durationMs: file.durationMs }, 'recording left open by an earlier run finished and stored');
      } catch (err) {
        log.error({ err, recordingId: r.id, owner: `${type}:${row.id}`, bytes: size }, 'recording left open by an earlier run is unreadable; reported failed');
        await sink.failed(rec, `left open by an earlier run and unreadable (${size} bytes): ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), new Date(mtimeMs).toISOString())
          .catch((e) => log.error({ err: e, recordingId: r.id }, 'could not report a failed recording'));
        counts.failed++;
      }
    }
  }
  return counts;
}
