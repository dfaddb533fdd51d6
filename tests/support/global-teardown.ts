/** Removes the run's PGlite template. */
import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.BEACON_PGLITE_TEMPLATE;
  if (template) rmSync(template, { recursive: true, force: true });
}
