/**
 * Beacon command server entry point: `npm start`. Configuration from the environment
 * (config/env.ts); embedded PGlite and in-process bus unless DATABASE_URL / REDIS_URL are set.
 */
import { ConfigError, loadConfig } from '../config/env';
import { createLogger } from './log';
import { createApp } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`beacon: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL, config.NODE_ID);
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  const app = await createApp({ config, logger: log });
  const { port } = await app.start();
  if (process.send) process.send({ type: 'ready', port });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`beacon: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
