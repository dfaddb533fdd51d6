/**
 * On embedded PGlite, Kamailio cannot query the server's database (PGlite has no server that
 * takes several connections safely), so the server writes the `subscriber` view into a
 * Kamailio db_text table file and rewrites it after every account change. Kamailio's db_text
 * (db_mode 1) re-reads the file when its mtime is newer than what it loaded; that check has a
 * one-second resolution and wants strictly newer, so each write sets an mtime one second past
 * the previous one. Writes go to a temporary file renamed into place: Kamailio never reads half
 * a table.
 */
import { mkdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SubscriberRow } from './accounts';

/** db_text escapes: the delimiter, line breaks, tabs, the backslash and NUL. */
function escapeField(value: string): string {
  return value.replace(/[\\:\n\r\t\0]/g, (c) => ({ '\\': '\\\\', ':': '\\:', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' })[c]!);
}

/** The table file's text: a column header line, then one row per enabled account. */
export function subscriberTable(rows: SubscriberRow[]): string {
  const lines = ['username(str) domain(str) ha1(str) ha1b(str) kind(str)'];
  for (const r of rows) lines.push([r.username, r.domain, r.ha1, r.ha1b, r.kind].map(escapeField).join(':'));
  return `${lines.join('\n')}\n`;
}

export class SubscriberFile {
  /** The db_text "database": the directory Kamailio's db_url names. */
  readonly dir: string;
  private lastMtimeSec = 0;
  private writing: Promise<void> = Promise.resolve();
  private pending = false;

  constructor(dir: string, private readonly load: () => Promise<SubscriberRow[]>) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true });
    // A file left by an earlier run may carry an mtime ahead of the clock: stay past it.
    try {
      this.lastMtimeSec = Math.floor(statSync(join(dir, 'subscriber')).mtimeMs / 1000);
    } catch {
      // No file yet.
    }
  }

  /** Rewrites the file from the current accounts. Concurrent calls coalesce into one more write
   *  after the one in progress, and every caller waits until its change is on disk. */
  refresh(): Promise<void> {
    if (this.pending) return this.writing;
    this.pending = true;
    this.writing = this.writing.catch(() => {}).then(async () => {
      this.pending = false;
      this.write(await this.load());
    });
    return this.writing;
  }

  private write(rows: SubscriberRow[]): void {
    const file = join(this.dir, 'subscriber');
    const tmp = join(this.dir, '.subscriber.tmp');
    writeFileSync(tmp, subscriberTable(rows), { mode: 0o600 });
    const mtime = Math.max(Math.floor(Date.now() / 1000), this.lastMtimeSec + 1);
    utimesSync(tmp, mtime, mtime);
    renameSync(tmp, file);
    this.lastMtimeSec = mtime;
  }
}
