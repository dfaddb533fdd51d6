/**
 * Recording files and the Debian tools that handle them: the SHA-256, size and ffprobe duration
 * the audit chain records, and the rewrite of a file whose writer was cut off before its index.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, renameSync, statSync } from 'node:fs';

export const FFMPEG = process.env.BEACON_FFMPEG ?? '/usr/bin/ffmpeg';
export const FFPROBE = process.env.BEACON_FFPROBE ?? '/usr/bin/ffprobe';
/** util-linux's setpriv gives ffmpeg a parent-death signal. */
export const SETPRIV = '/usr/bin/setpriv';

/** A finished file, as the audit chain records it. */
export interface RecordedFile {
  sha256: string;
  bytes: number;
  durationMs: number;
  endedAt: string;
}

/** Runs a tool to its end; resolves with its exit code and output (rejects only if it cannot start). */
export function runTool(bin: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The SHA-256, size and duration (ffprobe) of a finished recording file. */
export async function describeFile(path: string): Promise<Omit<RecordedFile, 'endedAt'>> {
  const bytes = statSync(path).size;
  if (bytes === 0) throw new Error(`recording file ${path} is empty (no media arrived)`);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), bytes, durationMs: await probeDurationMs(path) };
}

/**
 * Rewrites a recording whose writer was cut off (no index, no duration: ffmpeg killed, power
 * lost) by copying its packets into a new file, which then replaces it. Throws when nothing
 * readable is in it.
 */
export async function repairFile(path: string): Promise<void> {
  const repaired = path.replace(/(\.[a-z0-9]+)$/, '.repaired$1');
  const { code, stderr } = await runTool(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', path, '-map', '0', '-c', 'copy', '-y', repaired]);
  if (code !== 0) throw new Error(`could not repair ${path}: ${stderr.trim().slice(-300) || `code ${code}`}`);
  renameSync(repaired, path);
}

/**
 * Whether a WAV file's writer was cut off: ffmpeg writes placeholder sizes first and the real
 * ones at the end, and ffprobe then believes the header (a cut-off call leg measured 3 s where
 * 2.6 s were on disk). Such a file is rewritten (`repairFile`) before it is hashed.
 */
export function wavUnfinished(path: string): boolean {
  const head = Buffer.alloc(12);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, head, 0, 12, 0) < 12) return true;
  } finally {
    closeSync(fd);
  }
  if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return true;
  return head.readUInt32LE(4) !== statSync(path).size - 8;
}

/** The container duration ffprobe reports, in ms. */
export async function probeDurationMs(path: string): Promise<number> {
  const { code, stdout, stderr } = await runTool(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', path]);
  const seconds = Number.parseFloat(stdout.trim());
  if (code === 0 && Number.isFinite(seconds)) return Math.round(seconds * 1000);
  throw new Error(`ffprobe could not read ${path}: ${stderr.trim() || stdout.trim() || `code ${code}`}`);
}
