/**
 * A SIP OPTIONS "ping" over UDP: how the server knows its edge answers SIP, not just that the
 * process lives. The edge answers an OPTIONS to itself (no user part) with 200 Keepalive.
 */
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';

/** Sends one OPTIONS to host:port and resolves with the response status, or null after `timeoutMs`. */
export function sipOptionsPing(host: string, port: number, timeoutMs = 500): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const id = randomBytes(8).toString('hex');
    let done = false;
    const finish = (status: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(status);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on('error', () => finish(null));
    socket.on('message', (msg) => {
      const m = /^SIP\/2\.0 (\d{3}) /.exec(msg.toString('latin1', 0, 64));
      if (m && msg.includes(id)) finish(Number(m[1]));
    });
    socket.bind(0, host.includes(':') ? '::1' : '127.0.0.1', () => {
      const { port: localPort } = socket.address();
      const request = [
        `OPTIONS sip:${host.includes(':') ? `[${host}]` : host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=z9hG4bK${id};rport`,
        'Max-Forwards: 2',
        `From: <sip:health@127.0.0.1>;tag=${id}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: ${id}@beacon-health`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '', '',
      ].join('\r\n');
      socket.send(request, port, host, (err) => { if (err) finish(null); });
    });
  });
}
