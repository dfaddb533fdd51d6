/**
 * The compiled-once header parser (./sip-grammar.ts) reads SIP exactly as sip.js's own does:
 * the same parsed messages for what the edge sends a node (INVITE through Kamailio, responses
 * with Record-Route and a digest challenge, a NOTIFY with a sipfrag, the BYE), the same
 * refusals for malformed headers (the plain headers it reads without the parser included), and
 * a generated parser of another shape is refused.
 */
import { Core, Grammar } from 'sip.js';
import { hoistedParserSource, installFastSipGrammar } from './sip-grammar';

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
];
const HEADERS: [string, string][] = [
  ['From', 'no angle brackets <<'], ['Via', 'SIP/2.0/UDP'], ['CSeq', 'INVITE 2'], ['Contact', '*'], ['Refer_To', '<sip:122@beacon.local>'],
  ['Subscription_State', 'active;expires=60'], ['Session_Expires', '1800;refresher=uac'], ['Content_Disposition', 'render;handling=optional'],
  // The plain forms read without the generated parser, and their near misses.
  ['Call_ID', 'a<b>"c"@[d]:e'], ['Call_ID', 'x@y@z'], ['Call_ID', ''], ['Call_ID', 'é@x'], ['CSeq', '4294967296 INVITE'], ['CSeq', '7 IN VITE'],
  ['CSeq', '7 x-Custom.M!'], ['Content_Length', '12a'], ['Content_Length', ' 3'], ['Max_Forwards', ''], ['Max_Forwards', '999999999'],
  ['Content_Type', 'text/plain ; charset=x'], ['Content_Type', 'application/'], ['Content_Type', 'Application/SDP'],
];

const logger = new Core.LoggerFactory().getLogger('sip-grammar.test');
const parseAll = () => ({
  messages: MESSAGES.map((m) => JSON.stringify(Core.Parser.parseMessage(m, logger))),
  headers: HEADERS.map(([rule, value]) => JSON.stringify(Grammar.parse(value, rule))),
});

test('sip.js reads the messages a node gets from the edge the same with the compiled-once parser', () => {
  const slow = parseAll();
  expect(slow.messages.every((m) => m !== undefined && m.includes('"method"'))).toBe(true);
  const original = Grammar.parse;
  expect(installFastSipGrammar()).toBeNull();
  expect(Grammar.parse).not.toBe(original);
  expect(parseAll()).toEqual(slow);
});

test('a generated parser of another shape is refused rather than rearranged', () => {
  expect(() => hoistedParserSource('export function parse(input) { return input; }')).toThrow(/peg\$parse not where expected/);
});
