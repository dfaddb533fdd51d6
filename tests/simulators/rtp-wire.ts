/**
 * Reading and rewriting RTP packets on the wire (RFC 3550) and the VP8 payload descriptor
 * (RFC 7741), for the body-camera simulator and its plain-RTP viewers. Only what they need:
 * header fields, where the payload starts (CSRCs and header extensions skipped, since
 * mediasoup's plain output keeps an extension block) and the VP8 key-frame bit.
 */

/** RTCP packet types 192-223 share the port with RTP (rtcp-mux); their second byte says so. */
export function isRtcp(packet: Buffer): boolean {
  const second = packet[1] ?? 0;
  return packet.length >= 8 && packet[0]! >> 6 === 2 && second >= 192 && second <= 223;
}

/** True for an RTP version-2 packet that is not RTCP. */
export function isRtp(packet: Buffer): boolean {
  return packet.length >= 12 && packet[0]! >> 6 === 2 && !isRtcp(packet);
}

export const payloadTypeOf = (packet: Buffer): number => packet[1]! & 0x7f;
export const sequenceOf = (packet: Buffer): number => packet.readUInt16BE(2);
export const timestampOf = (packet: Buffer): number => packet.readUInt32BE(4);
export const ssrcOf = (packet: Buffer): number => packet.readUInt32BE(8);

/** Offset of the payload: after the fixed header, the CSRC list and any header extension. */
export function payloadOffset(packet: Buffer): number {
  let offset = 12 + 4 * (packet[0]! & 0x0f);
  if (packet[0]! & 0x10 && packet.length >= offset + 4) offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  return Math.min(offset, packet.length);
}

/** The header fields a replayed stream rewrites so that every loop continues the last one. */
export interface RtpRewrite {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
}

/** A copy of `packet` with new payload type, sequence number, timestamp and SSRC (marker kept). */
export function rewriteRtp(packet: Buffer, r: RtpRewrite): Buffer {
  const out = Buffer.from(packet);
  out[1] = (out[1]! & 0x80) | (r.payloadType & 0x7f);
  out.writeUInt16BE(r.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(r.timestamp >>> 0, 4);
  out.writeUInt32BE(r.ssrc >>> 0, 8);
  return out;
}

/** Where a VP8 payload descriptor's picture id sits, and how wide it is. */
interface PictureIdField {
  offset: number;
  bits: 7 | 15;
}

/** What a VP8 RTP payload says about the frame it carries. */
export interface Vp8Descriptor {
  /** First packet of a frame (S=1, partition 0). */
  frameStart: boolean;
  /** The frame is a key frame (only known on its first packet). */
  keyFrame: boolean;
  pictureId: number | null;
}

/** Reads the VP8 payload descriptor at `at` (RFC 7741 section 4.2); null when it is cut short. */
export function readVp8(packet: Buffer, at = payloadOffset(packet)): Vp8Descriptor | null {
  const field = pictureIdField(packet, at);
  const headerAt = vp8HeaderOffset(packet, at);
  if (headerAt === null || headerAt >= packet.length) return null;
  const first = packet[at]!;
  const frameStart = (first & 0x10) !== 0 && (first & 0x07) === 0;
  const pictureId = field === null ? null : field.bits === 15 ? packet.readUInt16BE(field.offset) & 0x7fff : packet[field.offset]! & 0x7f;
  // The VP8 frame header's P bit (bit 0 of its first byte) is 0 for a key frame.
  return { frameStart, keyFrame: frameStart && (packet[headerAt]! & 0x01) === 0, pictureId };
}

/** Adds `delta` to the picture id in place (modulo its width); no-op without a picture id. */
export function shiftVp8PictureId(packet: Buffer, delta: number, at = payloadOffset(packet)): void {
  const field = pictureIdField(packet, at);
  if (field === null) return;
  if (field.bits === 15) {
    const id = (packet.readUInt16BE(field.offset) & 0x7fff) + delta;
    packet.writeUInt16BE(0x8000 | (((id % 0x8000) + 0x8000) % 0x8000), field.offset);
  } else {
    const id = (packet[field.offset]! & 0x7f) + delta;
    packet[field.offset] = ((id % 0x80) + 0x80) % 0x80;
  }
}

function pictureIdField(packet: Buffer, at: number): PictureIdField | null {
  if (packet.length < at + 3 || (packet[at]! & 0x80) === 0 || (packet[at + 1]! & 0x80) === 0) return null;
  const offset = at + 2;
  return { offset, bits: packet[offset]! & 0x80 ? 15 : 7 };
}

function vp8HeaderOffset(packet: Buffer, at: number): number | null {
  if (packet.length <= at) return null;
  let offset = at + 1;
  if ((packet[at]! & 0x80) === 0) return offset;
  if (packet.length <= offset) return null;
  const extension = packet[offset]!;
  offset++;
  if (extension & 0x80) offset += packet.length > offset && packet[offset]! & 0x80 ? 2 : 1; // I: picture id
  if (extension & 0x40) offset++; // L: TL0PICIDX
  if (extension & 0x30) offset++; // T or K: TID / KEYIDX
  return offset;
}
