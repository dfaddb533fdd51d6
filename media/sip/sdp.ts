/**
 * Plain RTP/AVP session descriptions for SIP phones (RFC 4566 / 3264): what a phone offers
 * (its address, port, G.711 and telephone-event payload types, direction, rtcp-mux) and the
 * one-audio-stream answers and offers the server makes for a mediasoup PlainTransport. No
 * ICE, no DTLS-SRTP, no video: desk phones and trunks speak plain G.711.
 */

/** Media direction of an SDP audio stream. */
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** G.711 codecs the server answers with, by their static payload types (RFC 3551). */
export const G711 = { PCMU: 0, PCMA: 8 } as const;
export type G711Codec = keyof typeof G711;

/** The audio stream a phone described. */
export interface RemoteAudio {
  /** Connection address (c=) of the audio stream, or the session's. */
  ip: string;
  port: number;
  /** The first G.711 codec in the phone's order of preference, or null if none is offered. */
  codec: G711Codec | null;
  /** Payload type of telephone-event/8000 (RFC 4733), when offered. */
  telephoneEvent: number | null;
  direction: SdpDirection;
  rtcpMux: boolean;
}

/** What the server's side of the stream looks like. */
export interface LocalAudio {
  ip: string;
  port: number;
  codec: G711Codec;
  telephoneEvent: number | null;
  direction: SdpDirection;
  rtcpMux: boolean;
  /** Session version (o= line), incremented for every new description in a dialog. */
  version: number;
  sessionId: number;
}

const DIRECTIONS: readonly SdpDirection[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** The first audio stream of an SDP body; null when there is none usable (no audio, port 0, no address). */
export function parseRemoteAudio(sdp: string): RemoteAudio | null {
  const lines = sdp.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  let sessionIp: string | null = null;
  let sessionDirection: SdpDirection = 'sendrecv';
  let media: { ip: string | null; port: number; pts: number[]; direction: SdpDirection | null; rtcpMux: boolean; rtpmap: Map<number, string> } | null = null;
  for (const line of lines) {
    if (line.startsWith('m=')) {
      if (media) break; // only the first audio stream
      const m = /^m=audio (\d+)(?:\/\d+)? RTP\/AVP((?: \d+)+)$/.exec(line);
      if (!m) continue;
      media = { ip: null, port: Number(m[1]), pts: m[2]!.trim().split(' ').map(Number), direction: null, rtcpMux: false, rtpmap: new Map() };
      continue;
    }
    const c = /^c=IN IP[46] ([0-9A-Fa-f.:]+)/.exec(line);
    if (c) {
      if (media) media.ip = c[1]!;
      else sessionIp = c[1]!;
      continue;
    }
    const dir = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line)?.[1] as SdpDirection | undefined;
    if (dir) {
      if (media) media.direction = dir;
      else sessionDirection = dir;
      continue;
    }
    if (!media) continue;
    if (line === 'a=rtcp-mux') media.rtcpMux = true;
    const map = /^a=rtpmap:(\d+) ([A-Za-z0-9_.-]+)\/(\d+)/.exec(line);
    if (map) media.rtpmap.set(Number(map[1]), `${map[2]!.toLowerCase()}/${map[3]}`);
  }
  if (!media || media.port === 0) return null;
  const ip = media.ip ?? sessionIp;
  if (!ip) return null;
  const nameOf = (pt: number) => media!.rtpmap.get(pt) ?? (pt === 0 ? 'pcmu/8000' : pt === 8 ? 'pcma/8000' : '');
  const g711 = media.pts.map(nameOf).find((n) => n === 'pcmu/8000' || n === 'pcma/8000');
  const te = media.pts.find((pt) => nameOf(pt) === 'telephone-event/8000');
  return {
    ip, port: media.port, codec: g711 ? (g711.slice(0, 4).toUpperCase() as G711Codec) : null,
    telephoneEvent: te ?? null, direction: media.direction ?? sessionDirection, rtcpMux: media.rtcpMux,
  };
}

/** The direction to answer an offered direction with (RFC 3264 §6.1), capped by what we want. */
export function answerDirection(offered: SdpDirection, wanted: SdpDirection = 'sendrecv'): SdpDirection {
  const weSend = (wanted === 'sendrecv' || wanted === 'sendonly') && (offered === 'sendrecv' || offered === 'recvonly');
  const weReceive = (wanted === 'sendrecv' || wanted === 'recvonly') && (offered === 'sendrecv' || offered === 'sendonly');
  return weSend && weReceive ? 'sendrecv' : weSend ? 'sendonly' : weReceive ? 'recvonly' : 'inactive';
}

/** Whether a direction means the other side hears us / we hear them. */
export const sends = (d: SdpDirection) => d === 'sendrecv' || d === 'sendonly';
export const receives = (d: SdpDirection) => d === 'sendrecv' || d === 'recvonly';

/** One audio stream on our PlainTransport, as an offer or an answer. */
export function buildLocalSdp(local: LocalAudio): string {
  const family = local.ip.includes(':') ? 'IP6' : 'IP4';
  const pts = [G711[local.codec], ...(local.telephoneEvent !== null ? [local.telephoneEvent] : [])];
  const lines = [
    'v=0',
    `o=beacon ${local.sessionId} ${local.version} IN ${family} ${local.ip}`,
    's=beacon',
    `c=IN ${family} ${local.ip}`,
    't=0 0',
    `m=audio ${local.port} RTP/AVP ${pts.join(' ')}`,
    `a=rtpmap:${G711[local.codec]} ${local.codec}/8000`,
    ...(local.telephoneEvent !== null ? [`a=rtpmap:${local.telephoneEvent} telephone-event/8000`, `a=fmtp:${local.telephoneEvent} 0-16`] : []),
    'a=ptime:20',
    // mediasoup receives RTCP on the RTP port: say so, muxed or (RFC 3605) as an explicit port.
    local.rtcpMux ? 'a=rtcp-mux' : `a=rtcp:${local.port}`,
    `a=${local.direction}`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** True for a direction value. */
export function isDirection(value: unknown): value is SdpDirection {
  return DIRECTIONS.includes(value as SdpDirection);
}
