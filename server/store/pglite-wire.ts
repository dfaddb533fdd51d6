/**
 * An in-process "socket" that carries postgres.js's wire protocol straight into PGlite.
 * Measured (shared/notes/store-and-machines.md): PGlite's TCP socket server mixes up results
 * with more than one connection; this stream, used with a pool of one, gave no wrong results
 * and the best throughput. Each write is handed to PGlite inside `runExclusive`, in order.
 */
import { Duplex } from 'node:stream';
import type { PGlite } from '@electric-sql/pglite';

export class PGliteWire extends Duplex {
  /** postgres.js reads this before sending Terminate on close. */
  readyState: 'open' | 'closed' = 'open';
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly db: PGlite) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const message = new Uint8Array(chunk);
    this.chain = this.chain.then(() =>
      this.db.runExclusive(() =>
        this.db.execProtocolRawStream(message, { onRawData: (data) => { this.push(Buffer.from(data)); } }),
      ),
    );
    this.chain.then(() => callback(), (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
  }

  override _read(): void {
    // Data is pushed as PGlite produces it.
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.chain.then(() => {
      this.readyState = 'closed';
      this.push(null);
      callback();
      this.emit('close');
    }, callback);
  }

  setKeepAlive(): this {
    return this;
  }
}
