/**
 * sip.js parses the first line and ten headers of every incoming message (Via, From, To, Contact,
 * Record-Route, Call-ID, CSeq, Content-Length, Max-Forwards, Content-Type) with its PEG parser,
 * 0.1 to 0.3 ms each even built once (./sip-grammar.ts). What the edge sends are a few plain forms
 * of them; these read those forms with strict regular expressions into what sip.js's parser makes
 * of them: the same sip.js URI and NameAddrHeader built from the same intermediate values (keys in
 * the same order), and the grammar's quirks kept (the port of a URI without user read as a
 * password on the first line, `received` setting the Via's host_type, a From tag set last, ...).
 *
 * Anything else gives undefined and goes to the parser: escapes, IPv6, quoted pairs, URI headers,
 * spacing other than the plain one, parameters the grammar reads specially (`user`, `ttl`,
 * `maddr`, `q`, ...), and tokens that begin with one of its literals (`INVITEX`, `transport=udpx`,
 * `lrx`), where its ordered choice takes the literal and then fails.
 */
import { NameAddrHeader, URI } from 'sip.js';

type Params = Record<string, string | number | undefined>;

/** RFC 3261 `word` (Call-ID) and `token` (methods, media types, header parameters) characters. */
const WORD = "[A-Za-z0-9\\-.!%*_+`'~()<>:\\\\\"/\\[\\]?{}]+";
const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
const IS_TOKEN = new RegExp(`^${TOKEN}$`);
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const IS_IPV4 = new RegExp(`^${IPV4}$`);
/** A domain name (first group; no trailing dot, last label starting with a letter) or an IPv4 address (second). */
const HOST = `(?:((?:[A-Za-z0-9-]+\\.)*[A-Za-z][A-Za-z0-9-]*)|(${IPV4}))`;
/** URI user and parameter characters: unreserved ones (no escapes; no ':', which the grammar's userinfo would try). */
const UNRESERVED = "[A-Za-z0-9\\-_.!~*'()+]+";
/** A sip(s) URI without headers: scheme, user, domain, IPv4 address, port, `;parameters` (six groups). */
const SIP_URI = `([Ss][Ii][Pp][Ss]?):(?:(${UNRESERVED})@)?${HOST}(?::(\\d{1,5}))?((?:;${UNRESERVED}(?:=${UNRESERVED})?)*)`;
/** A name-addr: quoted display name (no quoted pairs), the URI in angle brackets, `;parameters` (eight groups). */
const NAME_ADDR = `(?:"([ !#-\\[\\]-~\\x80-\\uFFFF]*)" ?)?<${SIP_URI}>((?:;${TOKEN}(?:=${TOKEN})?)*)`;

/** `;name=value;name` (already matched) as pairs. */
function pairs(s: string): [string, string | undefined][] {
  if (!s) return [];
  return s.slice(1).split(';').map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [p, undefined] : [p.slice(0, eq), p.slice(eq + 1)];
  });
}

/** The method literals of the grammar (VXACH is its misspelt PRACK): a longer token starting with one is no method to it. */
const METHOD_LITERAL_PREFIX = /^(?:INVITE|ACK|VXACH|OPTIONS|BYE|CANCEL|REGISTER|SUBSCRIBE|NOTIFY|REFER|PUBLISH)./;

/** The grammar's uri_params (transport lowercased, lr without value, names lowercased), or null when it would read them otherwise. */
function uriParams(s: string): Params | undefined | null {
  let out: Params | undefined;
  for (const [name, value] of pairs(s)) {
    const key = name.toLowerCase();
    out ??= {};
    if (key === 'transport') {
      if (value === undefined || !IS_TOKEN.test(value) || /^(?:udp|tcp|sctp|tls)./i.test(value)) return null;
      out.transport = value.toLowerCase();
    } else if (key.startsWith('lr')) {
      if (key !== 'lr' || (value !== undefined && !IS_TOKEN.test(value))) return null;
      out.lr = undefined;
    } else if (['user', 'method', 'ttl', 'maddr'].includes(key)) return null;
    else out[key] = value;
  }
  return out;
}

/** The URI of a match of SIP_URI whose groups start at `i`, or null. */
function sipUri(m: RegExpExecArray, i: number): URI | null {
  const params = uriParams(m[i + 5]!);
  if (params === null) return null;
  const port = m[i + 4] === undefined ? undefined : parseInt(m[i + 4]!);
  return new URI(m[i], m[i + 1]!, (m[i + 2] ?? m[i + 3])!, port, params as Record<string, string | null>);
}

const FROM_TO = new RegExp(`^${NAME_ADDR}$`);

/** From and To: the tag set after the other parameters, as the grammar does. */
function fromTo(v: string): NameAddrHeader | undefined {
  const m = FROM_TO.exec(v);
  const uri = m && sipUri(m, 2);
  if (!uri) return undefined;
  let params: Params | undefined;
  let tag: string | undefined;
  for (const [name, value] of pairs(m[8]!)) {
    const key = name.toLowerCase();
    if (key !== 'tag') (params ??= {})[key] = value;
    else if (value === undefined) return undefined;
    else tag = value;
  }
  const header = new NameAddrHeader(uri, m[1]!, params as Record<string, string>);
  if (tag) header.setParam('tag', tag);
  return header;
}

const ENTRY = new RegExp(NAME_ADDR, 'y');
const COMMA = /, */y;

/** Contact and Record-Route: each name-addr with where it ends (`position`) and starts (`offset`) in the value. */
function nameAddrList(v: string, contact: boolean): { position: number; offset: number; parsed: NameAddrHeader }[] | undefined {
  const out = [];
  for (let at = 0; ;) {
    ENTRY.lastIndex = at;
    const m = ENTRY.exec(v);
    const uri = m && sipUri(m, 2);
    if (!uri) return undefined;
    let params: Params | undefined;
    for (const [name, value] of pairs(m[8]!)) {
      const key = name.toLowerCase();
      if (contact && key === 'q') return undefined;
      if (!contact || key !== 'expires') (params ??= {})[key] = value;
      else if (value !== undefined && /^\d{1,9}$/.test(value)) (params ??= {}).expires = parseInt(value);
      else return undefined;
    }
    const position = ENTRY.lastIndex;
    out.push({ position, offset: at, parsed: new NameAddrHeader(uri, m[1]!, params as Record<string, string>) });
    if (position === v.length) return out;
    COMMA.lastIndex = position;
    if (!COMMA.test(v)) return undefined;
    at = COMMA.lastIndex;
  }
}

const VIA = new RegExp(`^SIP/2\\.0/(${TOKEN}) ${HOST}(?::(\\d{1,5}))?((?:;${TOKEN}(?:=${TOKEN})?)*)$`);

/** One sent-by with received (IPv4), rport, branch and other parameters; ttl and maddr go to the parser. */
function via(v: string): Record<string, unknown> | undefined {
  const m = VIA.exec(v);
  if (!m || !/^(?:udp|tcp|tls|sctp|ws|wss)$/i.test(m[1]!)) return undefined;
  const data: Record<string, unknown> = { protocol: 'SIP', transport: m[1], host_type: m[2] ? 'domain' : 'IPv4', host: m[2] ?? m[3] };
  if (m[4] !== undefined) data.port = parseInt(m[4]);
  for (const [name, value] of pairs(m[5]!)) {
    const key = name.toLowerCase();
    if (key === 'ttl' || key === 'maddr') return undefined;
    if (key === 'received' || key === 'branch' || (key === 'rport' && value !== undefined)) {
      if (value === undefined || (key === 'received' && !IS_IPV4.test(value)) || (key === 'rport' && !/^\d+$/.test(value))) return undefined;
      data[key] = value;
      if (key === 'received') data.host_type = 'IPv4';
    } else ((data.params ??= {}) as Params)[key] = value;
  }
  return data;
}

const STATUS_LINE = /^SIP\/2\.0 (\d{3}) ([A-Za-z0-9 \-_.!~*'()/;:@&=+$,?]*)$/;
const REQUEST_LINE = new RegExp(`^(${TOKEN}) ${SIP_URI} SIP/2\\.0$`);

/** The first line: status, code and reason, or method, URI and version. */
function requestResponse(v: string): Record<string, unknown> | undefined {
  const s = STATUS_LINE.exec(v);
  if (s) return { sip_version: 'SIP/2.0', status_code: parseInt(s[1]!), reason_phrase: s[2] };
  const m = REQUEST_LINE.exec(v);
  const uri = m && !METHOD_LITERAL_PREFIX.test(m[1]!) && sipUri(m, 2);
  if (!uri) return undefined;
  const data: Record<string, unknown> = { method: m[1] };
  // Without a user, the grammar's userinfo reads host ':' port as user ':' password before failing.
  if (m[3] === undefined && m[6] !== undefined) data.password = m[6];
  data.uri = uri;
  data.sip_version = 'SIP/2.0';
  return data;
}

const CALL_ID = new RegExp(`^${WORD}(@${WORD})?$`);
const CSEQ = new RegExp(`^(\\d{1,9}) (${TOKEN})$`);
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}$`);
/** The grammar's discrete media types: a longer type starting with one is no type to it. */
const MEDIA_LITERAL_PREFIX = /^(?:text|image|audio|video|application)[^/]/i;

/**
 * What sip.js's parser gives for each rule's plain forms, or undefined (then the parser reads it).
 * The trivial ones: the Call-ID and the media type as they are, lengths as numbers, the CSeq as
 * number and method.
 */
export const PLAIN: Record<string, (v: string) => unknown> = {
  Call_ID: (v) => (CALL_ID.test(v) ? v : undefined),
  Content_Length: (v) => (/^\d{1,9}$/.test(v) ? Number(v) : undefined),
  Max_Forwards: (v) => (/^\d{1,9}$/.test(v) ? Number(v) : undefined),
  CSeq: (v) => {
    const m = CSEQ.exec(v);
    return m && !METHOD_LITERAL_PREFIX.test(m[2]!) ? { value: Number(m[1]), method: m[2] } : undefined;
  },
  Content_Type: (v) => (MEDIA_TYPE.test(v) && !MEDIA_LITERAL_PREFIX.test(v) ? v : undefined),
  Via: via,
  From: fromTo,
  To: fromTo,
  Contact: (v) => nameAddrList(v, true),
  Record_Route: (v) => nameAddrList(v, false),
  Request_Response: requestResponse,
};

/** Plain forms and near misses of each rule, for the install-time comparison with sip.js's parser. */
export const PLAIN_SAMPLES: [string, string][] = [
  ['Call_ID', '1-123@127.0.1.1'], ['Call_ID', 'a84b4c76e66710'], ['Call_ID', 'bad id'], ['Call_ID', 'x@y@z'],
  ['CSeq', '2 INVITE'], ['CSeq', '314159 INFO'], ['CSeq', '1  INVITE'], ['CSeq', 'not a cseq'], ['CSeq', '2 INVITEX'], ['CSeq', '3 UPDATED'],
  ['Content_Length', '150'], ['Content_Length', '0'], ['Max_Forwards', '070'],
  ['Content_Type', 'application/sdp'], ['Content_Type', 'multipart/mixed;boundary=b1'], ['Content_Type', 'application/pidf+xml'],
  ['Content_Type', 'Text/x-Plain'], ['Content_Type', 'textual/plain'], ['Content_Type', 'applications/sdp'], ['Content_Type', 'message/sipfrag'],
  ['Via', 'SIP/2.0/UDP 127.0.1.1:40000;received=127.0.1.1;rport=40000;branch=z9hG4bK1i2n1'],
  ['Via', 'SIP/2.0/WS abc.invalid;branch=z9hG4bK99;rport=5066;received=127.0.0.1'],
  ['Via', 'SIP/2.0/WSS 127.0.0.1:5066;branch=z9hG4bK1234.0;rport;Foo=Bar;x'], ['Via', 'SIP/2.0/tcp a-1.b:05060;BRANCH=z9;rport=;alias'],
  ['Via', 'SIP/2.0/UDP 127.0.0.1;received=abc'], ['Via', 'SIP/2.0/UDP 127.0.0.1;ttl=3;maddr=1.2.3.4'], ['Via', 'SIP/2.0/UDPX 1.2.3.4'],
  ['Via', 'SIP/2.0/UDP [::1]:5060;branch=z9'], ['Via', 'SIP/2.0/UDP 1.2.3.4, SIP/2.0/UDP 5.6.7.8'], ['Via', 'SIP/2.0/UDP 256.1.1.1;branch=z9'],
  ['From', '"Caller" <sip:caller.1@beacon.local>;tag=1tag1'], ['From', '<sip:a@b.c>;Tag=t1;Foo=BAR;x;tag=t2'], ['From', '""<SIP:A@B.C;Transport=UDP>'],
  ['From', '"Zoë, \'x\'" <sips:+1-(555)@10.0.0.1:5061;lr;r2=on>;tag=t'], ['From', '"a\\"b" <sip:a@b.c>'], ['From', 'sip:a@b.c;tag=t'],
  ['From', '<sip:a%20b@b.c>;tag=t'], ['From', '<sip:a@b.c>;tag'], ['From', '<sip:a@b.c;user=phone>'], ['From', '<sip:a@b.c?h=v>;tag=t'],
  ['To', '<sip:110@beacon.local>'], ['To', '<sip:110@beacon.local>;tag=n1'], ['To', 'Bob <sip:b@c.d>'], ['To', '<sip:a@b.c;lrx=1>'],
  ['Contact', '<sip:caller.1@127.0.1.1:40000>'], ['Contact', '<sip:caller.1@127.0.1.1:40000;transport=udp>;expires=060, <sip:x@y.invalid;transport=ws>'],
  ['Contact', '"A" <sip:a@b.c>,  "B, b" <sip:b@c.d>;X=Y'], ['Contact', '<sip:a@b.c>;q=0.5'], ['Contact', '<sip:a@b.c>;expires=1x'],
  ['Contact', '<sip:a@b.c>,'], ['Contact', '<sip:a@b.c> , <sip:d@e.f>'], ['Contact', '*'], ['Contact', '<sip:a@b.c;transport=udpx>'],
  ['Record_Route', '<sip:127.0.0.1:5066;transport=ws;r2=on;lr=on;ftag=1tag1>, <sip:127.0.0.1:5060;r2=on;lr=on>'],
  ['Record_Route', '<sip:p.example;lr>;expires=x;q=1'], ['Record_Route', '<sip:127.0.0.1;lr=on(>'], ['Record_Route', '<sip:127.0.0.1:99999x>'],
  ['Request_Response', 'INVITE sip:node-abc@abc.invalid;transport=ws SIP/2.0'], ['Request_Response', 'OPTIONS sip:127.0.0.1:5060;transport=udp SIP/2.0'],
  ['Request_Response', 'x-Custom sip:a.b SIP/2.0'], ['Request_Response', 'INVITEX sip:a@b.c SIP/2.0'], ['Request_Response', 'INVITE tel:+1555 SIP/2.0'],
  ['Request_Response', 'SIP/2.0 200 OK'], ['Request_Response', 'SIP/2.0 100 '], ['Request_Response', 'SIP/2.0 486 Busy Here'],
  ['Request_Response', 'SIP/2.0 200 Très bien'], ['Request_Response', 'SIP/2.0 20 OK'], ['Request_Response', 'sip/2.0 200 OK'],
];
