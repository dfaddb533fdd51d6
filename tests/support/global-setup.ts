/** Makes the migrated PGlite template once per run, so each test's database opens in < 1 s. */
import { rmSync } from 'node:fs';
import { openDatabase } from '../../server/store/db';
import { migrate } from '../../server/store/migrate';
import { PGLITE_TEMPLATE } from './env';

export default async function globalSetup(): Promise<void> {
  rmSync(PGLITE_TEMPLATE, { recursive: true, force: true });
  const db = await openDatabase({ dataDir: PGLITE_TEMPLATE });
  await migrate(db.sql);
  await db.close();
}
