/**
 * Caller location in an INVITE (RFC 6442): a `Geolocation: <cid:...>` header names a body part
 * of a multipart/mixed body whose type is application/pidf+xml (PIDF-LO, RFC 4119 / 5491),
 * beside the application/sdp part. Only the shapes phones and ESInets send are read: a GML
 * Point, or a Circle with its radius in metres, in WGS 84 "lat lon" order. Everything here is
 * pure and throws `PidfError` on anything it does not understand; the caller logs and ignores it.
 */

/** A body part of a multipart message. */
export interface BodyPart {
  contentType: string;
  contentId: string | null;
  body: string;
}

/** A location as the call core takes it (`call.offered`'s `location`). */
export interface PidfLocation {
  lat: number;
  lon: number;
  radiusM?: number;
  method?: string;
}

export class PidfError extends Error {}

/** Larger bodies are not parsed (the edge already caps messages at 8 KB). */
const MAX_BODY = 16_384;

/** The parts of a multipart body (RFC 2046), given the message's Content-Type value. */
export function splitMultipart(contentType: string, body: string): BodyPart[] {
  const boundary = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  if (!/^\s*multipart\//i.test(contentType) || !boundary) throw new PidfError(`not a multipart body: ${contentType.slice(0, 80)}`);
  if (body.length > MAX_BODY) throw new PidfError(`multipart body of ${body.length} bytes is too large`);
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  const chunks = body.split(delimiter);
  if (chunks.length < 3) throw new PidfError('multipart body without its boundaries');
  const parts: BodyPart[] = [];
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break; // the close delimiter
    const text = chunk.replace(/^\r?\n/, '');
    const split = /\r?\n\r?\n/.exec(text);
    if (!split) continue;
    const head = text.slice(0, split.index);
    const header = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'im').exec(head)?.[1]?.trim() ?? null;
    parts.push({
      contentType: (header('Content-Type') ?? 'text/plain').toLowerCase(),
      contentId: header('Content-ID')?.replace(/^<|>$/g, '') ?? null,
      body: text.slice(split.index + split[0].length).replace(/\r?\n$/, ''),
    });
  }
  return parts;
}

/** The PIDF-LO part a Geolocation header points at (`<cid:...>`), or else the first one. */
export function pidfPart(parts: BodyPart[], geolocationHeader: string | null): BodyPart | null {
  const pidf = parts.filter((p) => p.contentType.startsWith('application/pidf+xml'));
  const cid = geolocationHeader ? /<cid:([^>]+)>/i.exec(geolocationHeader)?.[1] : undefined;
  return (cid ? pidf.find((p) => p.contentId === cid) : undefined) ?? pidf[0] ?? null;
}

const num = '([-+]?\\d{1,3}(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)';
const tag = (name: string) => `<(?:[A-Za-z][\\w-]*:)?${name}\\b[^>]*>`;
const end = (name: string) => `</(?:[A-Za-z][\\w-]*:)?${name}\\s*>`;

/** The location in a PIDF-LO document: a Point or a Circle (`radiusM`), and `<method>` if given. */
export function parsePidfLo(xml: string): PidfLocation {
  if (xml.length > MAX_BODY) throw new PidfError('PIDF-LO document too large');
  if (!new RegExp(tag('presence')).test(xml) || !new RegExp(end('presence')).test(xml)) throw new PidfError('not a PIDF document (no <presence>)');
  const shape = new RegExp(`${tag('(Point|Circle)')}([\\s\\S]*?)${end('(?:Point|Circle)')}`).exec(xml);
  if (!shape) throw new PidfError('PIDF-LO without a gml:Point or gs:Circle');
  const pos = new RegExp(`${tag('pos')}\\s*${num}\\s+${num}\\s*${end('pos')}`).exec(shape[2]!);
  if (!pos) throw new PidfError(`${shape[1]} without a "lat lon" gml:pos`);
  const lat = Number(pos[1]);
  const lon = Number(pos[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) throw new PidfError(`position ${pos[1]} ${pos[2]} is out of range`);
  const location: PidfLocation = { lat, lon };
  if (shape[1] === 'Circle') {
    const radius = new RegExp(`${tag('radius')}\\s*(\\d+(?:\\.\\d+)?)\\s*${end('radius')}`).exec(shape[2]!);
    const metres = radius ? Number(radius[1]) : NaN;
    // Radii in other units (uom other than EPSG 9001, metres) are not guessed at.
    if (Number.isFinite(metres) && metres <= 100_000 && !/uom="(?!urn:ogc:def:uom:EPSG::9001")/.test(radius![0])) location.radiusM = metres;
  }
  const method = new RegExp(`${tag('method')}\\s*([A-Za-z0-9 _-]{1,40})\\s*${end('method')}`).exec(xml)?.[1]?.trim();
  if (method) location.method = method;
  return location;
}

/**
 * The caller's location and the SDP of an INVITE body. A plain application/sdp body has no
 * location; a multipart/mixed one gives both. Throws `PidfError` for a body it cannot read.
 */
export function inviteBody(contentType: string, body: string, geolocation: string | null): { sdp: string | null; location: PidfLocation | null; locationError: string | null } {
  if (!/^\s*multipart\//i.test(contentType)) return { sdp: /^\s*application\/sdp/i.test(contentType) ? body : null, location: null, locationError: null };
  const parts = splitMultipart(contentType, body);
  const sdp = parts.find((p) => p.contentType.startsWith('application/sdp'))?.body ?? null;
  const part = pidfPart(parts, geolocation);
  if (!part) return { sdp, location: null, locationError: geolocation ? 'Geolocation header without a PIDF-LO part' : null };
  try {
    return { sdp, location: parsePidfLo(part.body), locationError: null };
  } catch (err) {
    if (err instanceof PidfError) return { sdp, location: null, locationError: err.message };
    throw err;
  }
}
