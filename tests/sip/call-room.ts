/**
 * Stand-ins for what a browser does in a call's media room (`call:<id>`), for the SIP bridge
 * tests: a dispatcher's microphone (a plain RTP source producing PCMU) and a listener to a
 * phone's producer (a plain sink counting what a browser would receive). Everything they open
 * is pushed onto `opened` for the test's afterAll.
 */
import { createSocket } from 'node:dgram';
import type { types as ms } from 'mediasoup';
import type { TestServer } from '../support/app';
import { RtpSink, rtpPacket } from '../support/rtp';
import type { Tone } from '../support/tones';
import { until } from '../support/until';

export interface Closable {
  close(): void;
}

/** A plain RTP source in the call room, standing in for the dispatcher's browser microphone (silence, or `tone`). */
export async function dispatcherMicrophone(server: TestServer, callId: string, opened: Closable[], tone?: Tone): Promise<{ send(count: number): Promise<void>; transport: ms.PlainTransport }> {
  const room = server.app.media.room(`call:${callId}`)!;
  const transport = await room.createPlainTransport({ comedia: true, rtcpMux: true });
  await transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 }], encodings: [{ ssrc: 0xd15ea5e }] }, appData: { source: 'dispatcher' } });
  const socket = createSocket('udp4');
  opened.push(socket);
  let sent = 0;
  return {
    transport,
    async send(count: number) {
      for (let i = 0; i < count; i++, sent++) {
        socket.send(rtpPacket({ payloadType: 0, sequenceNumber: sent, timestamp: sent * 160, ssrc: 0xd15ea5e, marker: sent === 0 }, tone?.frame() ?? Buffer.alloc(160, 0x7f)), transport.tuple.localPort, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

/** A plain sink consuming a phone's producer: what a browser would receive, counted. */
export async function listenToPhone(server: TestServer, callId: string, producerId: string, opened: Closable[]): Promise<RtpSink> {
  const room = server.app.media.room(`call:${callId}`)!;
  const sink = await RtpSink.open();
  opened.push(sink);
  const transport = await room.createPlainTransport({ comedia: false, rtcpMux: true });
  await transport.connect({ ip: '127.0.0.1', port: sink.port });
  const caps = { codecs: room.rtpCapabilities.codecs!.filter((c) => c.mimeType === 'audio/PCMU') };
  await transport.consume({ producerId, rtpCapabilities: caps });
  return sink;
}

/** A phone's RTP end (tests/sip/phone.ts `PhoneAudio`): sends to a port, counts what comes back. */
export interface TalkingPhone {
  send(port: number, count: number): Promise<void>;
  readonly received: number;
}

/**
 * Audio both ways through a call's SIP leg on `server`: the phone's first packets become its
 * producer in the call room, a listener there (a browser's stand-in) hears `heard` of its next
 * `packets`, and the phone hears as many of a dispatcher microphone's. Returns the listener.
 */
export async function talkBothWays(server: TestServer, callId: string, phone: TalkingPhone, opened: Closable[], packets: number, heard: number): Promise<RtpSink> {
  const leg = server.app.sipBridge!.leg(callId)!;
  await phone.send(leg.audio!.port, 5);
  await until('the phone\'s producer', async () => leg.audio!.producerId !== null, 5_000);
  const sink = await listenToPhone(server, callId, leg.audio!.producerId!, opened);
  const mic = await dispatcherMicrophone(server, callId, opened);
  await Promise.all([phone.send(leg.audio!.port, packets), mic.send(packets)]);
  await until('audio both ways', async () => sink.packets.length >= heard && phone.received >= heard, 5_000);
  return sink;
}
