/**
 * The compiled-once header parser (./sip-grammar.ts) and the plain-form readers
 * (./sip-headers-fast.ts) read SIP exactly as sip.js's own parser does: the same parsed messages
 * for what the edge sends a node (INVITE through Kamailio, responses with Record-Route and a
 * digest challenge, a NOTIFY with a sipfrag, the BYE, and forms the readers leave to the parser),
 * the same values (prototypes, keys in order, undefined-valued ones too) and refusals for
 * headers; the readers read the plain forms and leave their near misses to the parser; and a
 * generated parser of another shape is refused.
 */
import { Core, Grammar } from 'sip.js';
import { fingerprint, hoistedParserSource, installFastSipGrammar } from './sip-grammar';
import { PLAIN, PLAIN_SAMPLES } from './sip-headers-fast';

const crlf = (lines: string[]) => lines.join('\r\n');
const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n';
const MESSAGES = [
  crlf(['INVITE sip:node-abc@abc.invalid;transport=ws SIP/2.0', 'Record-Route: <sip:127.0.0.1:5066;transport=ws;r2=on;lr=on;ftag=t1>',
    'Record-Route: <sip:127.0.0.1:5060;r2=on;lr=on;ftag=t1>', 'Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bK1234.0',
    'Via: SIP/2.0/UDP 127.0.1.1:40000;received=127.0.1.1;rport=40000;branch=z9hG4bK1i2n1', 'From: "Caller" <sip:caller.1@beacon.local>;tag=t1',
    'To: <sip:110@beacon.local>', 'Call-ID: 1-123@127.0.1.1', 'CSeq: 2 INVITE', 'Contact: <sip:caller.1@127.0.1.1:40000>', 'Max-Forwards: 69',
    'X-Original-RURI: sip:110@beacon.local', 'Geolocation: <cid:loc1@caller>', 'Content-Type: application/sdp', `Content-Length: ${sdp.length}`, '', sdp]),
  crlf(['SIP/2.0 401 Unauthorized', 'Via: SIP/2.0/WS abc.invalid;branch=z9hG4bK99;rport=5066;received=127.0.0.1', 'From: <sip:dispatch@beacon.local>;tag=a',
    'To: <sip:dispatch@beacon.local>;tag=b', 'Call-ID: reg-1', 'CSeq: 1 REGISTER',
    'WWW-Authenticate: Digest realm="beacon.local", nonce="Y2FmZWJhYmU=", qop="auth", algorithm=MD5', 'Content-Length: 0', '', '']),
  crlf(['NOTIFY sip:node-abc@abc.invalid;transport=ws SIP/2.0', 'Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bK77', 'From: <sip:caller.1@beacon.local>;tag=t1',
    'To: <sip:dispatch@beacon.local>;tag=n1', 'Call-ID: 1-123@127.0.1.1', 'CSeq: 4 NOTIFY', 'Event: refer;id=3', 'Subscription-State: terminated;reason=noresource',
    'Content-Type: message/sipfrag;version=2.0', 'Content-Length: 16', '', 'SIP/2.0 200 OK\r\n']),
  crlf(['BYE sip:node-abc@abc.invalid;transport=ws SIP/2.0', 'Via: SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bK78', 'From: <sip:caller.1@beacon.local>;tag=t1',
    'To: <sip:110@beacon.local>;tag=n1', 'Call-ID: 1-123@127.0.1.1', 'CSeq: 3 BYE', 'Route: <sip:127.0.0.1:5066;transport=ws;lr>', 'Content-Length: 0', '', '']),
  crlf(['SIP/2.0 200 OK', 'Via: SIP/2.0/WS abc.invalid;branch=z9hG4bK5;rport=5066;received=127.0.0.1',
    'Record-Route: <sip:127.0.0.1:5060;r2=on;lr=on;ftag=a>, <sip:127.0.0.1:5066;transport=ws;r2=on;lr=on;ftag=a>', 'From: "Dispatch" <sip:dispatch@beacon.local>;tag=a',
    'To: "Agent, 122" <sip:122@beacon.local>;tag=b', 'Call-ID: c-1', 'CSeq: 1 INVITE', 'Contact: "Agent" <sip:122@127.0.1.1:40010;transport=UDP>;expires=3600',
    'Content-Type: application/sdp', `Content-Length: ${sdp.length}`, '', sdp]),
  crlf(['OPTIONS sip:[::1]:5060 SIP/2.0', 'v: SIP/2.0/UDP [::1]:5070;branch=z9hG4bK6', 'f: "A \\"q\\"" <sip:a%40b@beacon.local>;tag=c', 't: sip:110@beacon.local',
    'i: opt-1', 'CSeq: 7 OPTIONS', 'm: <sip:a@[::1]:5070>;q=0.7', 'Record-Route: <sip:p.example;lr;maddr=10.0.0.1>', 'l: 0', '', '']),
];
const HEADERS: [string, string][] = [
  ['From', 'no angle brackets <<'], ['Via', 'SIP/2.0/UDP'], ['CSeq', 'INVITE 2'], ['Contact', '*'], ['Refer_To', '<sip:122@beacon.local>'],
  ['Subscription_State', 'active;expires=60'], ['Session_Expires', '1800;refresher=uac'], ['Content_Disposition', 'render;handling=optional'],
  // The plain forms read without the generated parser, and their near misses.
  ['Call_ID', 'a<b>"c"@[d]:e'], ['Call_ID', 'x@y@z'], ['Call_ID', ''], ['Call_ID', 'é@x'], ['CSeq', '4294967296 INVITE'], ['CSeq', '7 IN VITE'],
  ['CSeq', '7 x-Custom.M!'], ['Content_Length', '12a'], ['Content_Length', ' 3'], ['Max_Forwards', ''], ['Max_Forwards', '999999999'],
  ['Content_Type', 'text/plain ; charset=x'], ['Content_Type', 'application/'], ['Content_Type', 'Application/SDP'],
];
/** Plain forms the readers read themselves (those of the messages above among them). */
const PLAIN_FORMS: [string, string][] = [
  ['Request_Response', 'INVITE sip:node-abc@abc.invalid;transport=ws SIP/2.0'], ['Request_Response', 'BYE sip:node-abc@abc.invalid;transport=ws SIP/2.0'],
  ['Request_Response', 'SIP/2.0 401 Unauthorized'], ['Request_Response', 'SIP/2.0 183 Session Progress'], ['Request_Response', 'ACK sip:127.0.0.1:5060 SIP/2.0'],
  ['Request_Response', 'MESSAGE sips:a@b.c SIP/2.0'],
  ['Via', 'SIP/2.0/WS 127.0.0.1:5066;branch=z9hG4bK1234.0'], ['Via', 'SIP/2.0/UDP 127.0.1.1:40000;received=127.0.1.1;rport=40000;branch=z9hG4bK1i2n1'],
  ['Via', 'SIP/2.0/WS abc.invalid;branch=z9hG4bK99;rport=5066;received=127.0.0.1'], ['Via', 'SIP/2.0/TLS a.b:5061;rport;branch=z9;alias;X=1'],
  ['From', '"Caller" <sip:caller.1@beacon.local>;tag=t1'], ['From', '<sip:dispatch@beacon.local>;tag=a'], ['From', '"" <sip:a@b.c>;TAG=x;Foo=Bar;tag=y'],
  ['To', '<sip:110@beacon.local>'], ['To', '<sip:dispatch@beacon.local>;tag=b'], ['To', '"Agent, 122" <sip:122@beacon.local;user-x=1>'],
  ['Contact', '<sip:caller.1@127.0.1.1:40000>'], ['Contact', '"Agent" <sip:122@127.0.1.1:40010;transport=UDP>;expires=3600'],
  ['Contact', '<sip:a@b.c;transport=ws>;expires=0,<sip:d@e.f:5060>;+sip.ice;reg-id=1'],
  ['Record_Route', '<sip:127.0.0.1:5066;transport=ws;r2=on;lr=on;ftag=t1>'], ['Record_Route', '<sip:127.0.0.1:5060;r2=on;lr=on;ftag=t1>'],
  ['Record_Route', '<sip:127.0.0.1:5060;r2=on;lr=on;ftag=a>, <sip:127.0.0.1:5066;transport=ws;r2=on;lr=on;ftag=a>'], ['Record_Route', '"P" <sip:p.example;LR>;x'],
  ['Call_ID', '1-123@127.0.1.1'], ['CSeq', '2 INVITE'], ['CSeq', '1 REGISTER'], ['Max_Forwards', '69'], ['Content_Type', 'message/sipfrag'], ['Content_Length', '16'],
];
/** Their near misses, left to the parser (it accepts some, refuses others). */
const NEAR_MISSES: [string, string][] = [
  ['Request_Response', 'INVITE sip:[::1]:5060 SIP/2.0'], ['Request_Response', 'INVITE  sip:a@b.c SIP/2.0'], ['Request_Response', 'ACKNOWLEDGE sip:a@b.c SIP/2.0'],
  ['Request_Response', 'INVITE sip:a@b.c?Subject=x SIP/2.0'], ['Request_Response', 'INVITE sip:a:pw@b.c SIP/2.0'], ['Request_Response', 'SIP/2.0 200 OK\t'],
  ['Request_Response', 'SIP/2.1 200 OK'], ['Request_Response', 'INVITE sip:a@b.c;transport=tlsx SIP/2.0'],
  ['Via', 'SIP/2.0/UDP 127.0.0.1:5060 ;branch=z9'], ['Via', 'SIP/2.0/UDP 127.0.0.1;branch=z9;received=[::1]'], ['Via', 'SIP/2.0/UDP a.b;rport=x'],
  ['Via', 'SIP/2.0/UDP a.b.;branch=z9'], ['Via', 'SIP/2.0/UDP a_b.c;branch=z9'], ['Via', 'SIP/2.0/UDP 1.2.3.04'], ['Via', 'SIP/2.0/UDP a.b;branch="z9"'],
  ['From', '"A" <sip:a@b.c> ;tag=x'], ['From', '<sip:a@b.c>;tag=x;foo="bar"'], ['From', '<sip:a@b.c;ttl=5>'], ['From', '<sip:a@b.c;method=INVITE>'],
  ['From', '<sip:a@b.c;maddr=1.2.3.4>'], ['From', '<sip:a@b.c;lr=>'], ['From', '< sip:a@b.c>'], ['From', '"A"  <sip:a@b.c>'], ['To', '<tel:+15551234>'],
  ['To', '<sip:a@b.c;transport=TCPX>'], ['To', '<sip:a@b.c>;tag=t;tag'], ['Contact', '<sip:a@b.c>;expires=abc'], ['Contact', 'sip:a@b.c;expires=60'],
  ['Contact', '<sip:a@b.c>;Q=1'], ['Contact', '<sip:a@b.c>;expires=1234567890'], ['Record_Route', '<sip:p.example;lrx>'], ['Record_Route', '<sip:a@b.c>,, <sip:d@e.f>'],
  ['Record_Route', '<sip:a@b.c>, sip:d@e.f'], ['Content_Type', 'applicationx/sdp'], ['Content_Type', 'TEXTS/plain'], ['CSeq', '2 BYEBYE'],
  ['CSeq', '2 REFERRED'],
];

const logger = new Core.LoggerFactory().getLogger('sip-grammar.test');
const ALL_HEADERS = [...HEADERS, ...PLAIN_FORMS, ...NEAR_MISSES, ...PLAIN_SAMPLES, ['From', '<sip:a@b.c>;hasOwnProperty=x'], ['Via', 'SIP/2.0/UDP a.b;__proto__=x']];
const parseAll = () => ({
  messages: MESSAGES.map((m) => fingerprint(Core.Parser.parseMessage(m, logger))),
  headers: ALL_HEADERS.map(([rule, value]) => `${rule} ${value} ${fingerprint(Grammar.parse(value!, rule!))}`),
});

test('sip.js reads the messages a node gets from the edge the same with the compiled-once parser', () => {
  const slow = parseAll();
  expect(slow.messages.every((m) => m.startsWith('Incoming') && m.includes('"method"'))).toBe(true);
  const original = Grammar.parse;
  expect(installFastSipGrammar()).toBeNull();
  expect(Grammar.parse).not.toBe(original);
  expect(parseAll()).toEqual(slow);
});

test('the readers read the plain forms and leave their near misses to the parser', () => {
  expect(PLAIN_FORMS.filter(([rule, value]) => PLAIN[rule]!(value) === undefined)).toEqual([]);
  expect(NEAR_MISSES.filter(([rule, value]) => PLAIN[rule]!(value) !== undefined)).toEqual([]);
});

test('a generated parser of another shape is refused rather than rearranged', () => {
  expect(() => hoistedParserSource('export function parse(input) { return input; }')).toThrow(/peg\$parse not where expected/);
});
