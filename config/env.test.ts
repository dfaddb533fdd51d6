/**
 * Start-up configuration: an operator who mistypes a variable is told which one, before the
 * server opens a port; one who sets nothing gets the documented defaults.
 */
import { ConfigError, loadConfig } from './env';

const GOOD_SECRET = 'a-shared-secret-of-at-least-32-chars!!';

function failureOf(env: Record<string, string>): Error {
  try {
    loadConfig(env);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('a bad variable stops start-up with a message naming it', () => {
  test.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['REDIS_URL', { REDIS_URL: 'localhost-without-scheme' }],
    ['AUTH_SECRET', { AUTH_SECRET: 'too-short' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'chatty' }],
  ])('%s = %j', (name, env) => {
    const err = failureOf(env);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(name);
  });

  test('a short AUTH_SECRET is refused with the rule it broke', () => {
    expect(failureOf({ AUTH_SECRET: 'x'.repeat(31) }).message).toMatch(/AUTH_SECRET: must be at least 32 characters/);
    expect(loadConfig({ AUTH_SECRET: 'x'.repeat(32) }).AUTH_SECRET).toBe('x'.repeat(32));
  });

  test('every bad variable is named at once, so the operator fixes them in one go', () => {
    const message = failureOf({ PORT: '-1', DATABASE_URL: '::', AUTH_SECRET: 'short' }).message;
    for (const name of ['PORT', 'DATABASE_URL', 'AUTH_SECRET']) expect(message).toContain(name);
  });

  test('a good variable is not blamed for a bad neighbour', () => {
    const message = failureOf({ PORT: '9000', DATABASE_URL: 'nope' }).message;
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('PORT');
  });
});

describe('an unconfigured server starts with the documented defaults', () => {
  const config = loadConfig({});

  test('listens on 127.0.0.1:8080 and keeps its data in ./data', () => {
    expect(config.PORT).toBe(8080);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.DATA_DIR).toBe('./data');
  });

  test('runs embedded: no PostgreSQL, no Redis, no fixed secret', () => {
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.AUTH_SECRET).toBeUndefined();
    expect(config.DATABASE_SCHEMA).toBe('public');
    expect(config.REDIS_PREFIX).toBe('beacon');
  });

  test('the remaining defaults match their documentation', () => {
    expect(config).toMatchObject({
      TOKEN_TTL_SEC: 12 * 3600, DEMO_PASSWORD: 'beacon', SEED_DEMO: true, SIMULATOR: false, LOG_LEVEL: 'info',
      DATABASE_POOL: 10, WORKER_POLL_MS: 250, AVL_FLUSH_MS: 200, AVL_FLUSH_ROWS: 500,
    });
    expect(config.NODE_ID).toMatch(/^node-[0-9a-f]{8}$/);
  });
});

describe('values are read the way an operator writes them', () => {
  test('numbers and booleans come from strings; empty strings mean "unset"', () => {
    const config = loadConfig({ PORT: '0', SEED_DEMO: 'no', SIMULATOR: 'yes', DATABASE_URL: '', AUTH_SECRET: GOOD_SECRET });
    expect(config).toMatchObject({ PORT: 0, SEED_DEMO: false, SIMULATOR: true, AUTH_SECRET: GOOD_SECRET });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  test('unrelated environment variables are ignored', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', PORT: '8081' })).not.toThrow();
  });
});

describe('a node joining a SIP edge another node runs (SIP_EDGE_WS_URL)', () => {
  const shared = { DATABASE_URL: 'postgres://beacon@127.0.0.1:5432/beacon', REDIS_URL: 'redis://127.0.0.1:6379' };

  test('takes the edge\'s internal WebSocket as host and port; unset, the node runs its own edge', () => {
    expect(loadConfig({ ...shared, SIP_EDGE_WS_URL: 'ws://127.0.0.1:5066' }).SIP_EDGE_WS_URL).toBe('ws://127.0.0.1:5066');
    expect(loadConfig({ ...shared, SIP_EDGE_WS_URL: 'wss://edge.beacon.local:443' }).SIP_EDGE_WS_URL).toBe('wss://edge.beacon.local:443');
    expect(loadConfig({}).SIP_EDGE_WS_URL).toBeUndefined();
  });

  test.each([
    ['no port', 'ws://127.0.0.1'], ['not a WebSocket', 'http://127.0.0.1:5066'], ['a path', 'ws://127.0.0.1:5066/sip'],
    ['credentials', 'ws://node:secret@127.0.0.1:5066'], ['a query', 'ws://127.0.0.1:5066?x=1'], ['port 0', 'ws://127.0.0.1:0'], ['garbage', 'edge'],
  ])('refuses %s (%s), naming the variable', (_what, url) => {
    const err = failureOf({ ...shared, SIP_EDGE_WS_URL: url });
    expect(err.message).toContain('SIP_EDGE_WS_URL: must be ws://host:port');
  });

  test('needs the shared PostgreSQL and Redis, and SIP on', () => {
    expect(failureOf({ SIP_EDGE_WS_URL: 'ws://127.0.0.1:5066' }).message).toContain('SIP_EDGE_WS_URL: a node sharing an edge needs DATABASE_URL and REDIS_URL');
    expect(failureOf({ DATABASE_URL: shared.DATABASE_URL, SIP_EDGE_WS_URL: 'ws://127.0.0.1:5066' }).message).toContain('needs DATABASE_URL and REDIS_URL');
    expect(failureOf({ ...shared, SIP_ENABLED: 'false', SIP_EDGE_WS_URL: 'ws://127.0.0.1:5066' }).message).toContain('SIP_EDGE_WS_URL: joins a SIP edge, so SIP_ENABLED must not be false');
  });
});
