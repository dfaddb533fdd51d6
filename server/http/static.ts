/**
 * Serves the built browser apps (client/dist): the dispatcher console at /console/, the
 * commander tablet at /tablet/, the field-unit page at /unit/. Only files under the build
 * directory are served; unknown paths fall through to the API router.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json',
};

export const CLIENT_DIST = resolve(__dirname, '../../client/dist');

/** Returns true when it answered the request. */
export function serveStatic(req: IncomingMessage, res: ServerResponse, root = CLIENT_DIST): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  if (path.startsWith('/api/') || path === '/ws' || path === '/health' || path === '/metrics' || path === '/openapi.json') return false;
  let file = normalize(join(root, path));
  if (!file.startsWith(root)) return false;
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file) || !statSync(file).isFile()) {
    if (path === '/') {
      res.writeHead(302, { location: '/console/' });
      res.end();
      return true;
    }
    return false;
  }
  const immutable = path.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
