/** Starts a real in-process server for a test and signs users in. */
import { createApp, type App } from '../../server/app';
import type { Clock } from '../../server/clock';
import { dropTestState, testConfig, type Backend } from './env';

export interface TestServer {
  app: App;
  port: number;
  token(username: string): string;
  stop(): Promise<void>;
}

export async function startTestServer(opts: { backend?: Backend; clock?: Clock; runWorkers?: boolean; env?: Record<string, string> } = {}): Promise<TestServer> {
  const config = testConfig(opts.backend, opts.env);
  const app = await createApp({ config, clock: opts.clock, runWorkers: opts.runWorkers });
  const { port } = await app.start();
  return {
    app, port,
    token(username: string) {
      const actor = app.users.find(username);
      if (!actor) throw new Error(`no user ${username}`);
      return app.tokens.issue(actor).token;
    },
    async stop() {
      await app.stop();
      await dropTestState(config);
    },
  };
}
