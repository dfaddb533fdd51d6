/**
 * Free-port allocation for port 0 settings (tests run several servers, each with its own edge).
 * The SIP port must be free for UDP and TCP at once, since the edge listens on both.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpFree(ip: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ host: ip, port, exclusive: true }, () => {
      const { port: got } = server.address() as { port: number };
      server.close(() => resolve(got));
    });
  });
}

function udpFree(ip: string, port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => resolve(null));
    socket.bind(port, ip, () => {
      const { port: got } = socket.address();
      socket.close(() => resolve(got));
    });
  });
}

/** A port free on `ip` for TCP (and for UDP too when `udp`), found by letting the OS pick. */
export async function freePort(ip: string, opts: { udp?: boolean; avoid?: number[] } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = opts.udp ? await udpFree(ip, 0) : await tcpFree(ip, 0);
    if (port === null || opts.avoid?.includes(port)) continue;
    if (!opts.udp || (await tcpFree(ip, port)) !== null) return port;
  }
  throw new Error(`no free port on ${ip}`);
}
