/** Runs the real server as a child process (`server/main.ts`), for restarts, kills and multi-node tests. */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Config } from '../../config/env';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function configEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (v !== undefined) env[k] = String(v);
  return env;
}

export async function spawnServer(config: Config, extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  let output = '';
  const child = fork(join(__dirname, '../../server/main.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_OPTIONS: '', ...configEnv(config), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${output}`)), 30_000);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready' && m.port) { clearTimeout(timer); resolve(m.port); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)); });
  });
  return {
    port, child, output: () => output,
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      });
    },
  };
}
