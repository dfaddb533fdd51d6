/**
 * sip.js 0.21.2 parses every header of every SIP message with a PEG.js parser generated for
 * size: its constants (~800, with closures) and its bytecode (~240 rules, decoded from
 * strings) are rebuilt inside `peg$parse` on each call. One header then costs about 1 ms of CPU
 * and an INVITE from the edge about 15 ms, whatever its length: most of what a call costs the
 * server (the call bench, BENCHMARKS.md section 6, measured it).
 *
 * This builds sip.js's own generated parser once, with the per-call state moved out of
 * `peg$parse` to the parser's scope and reset at each call (the parser is not re-entrant: no
 * grammar action parses again), and points sip.js's `Grammar.parse` at it. The source is read
 * from the installed sip.js and rearranged statement by statement; when it does not have the
 * expected shape (another sip.js version) or the result disagrees with sip.js's parser on a
 * sample of headers, sip.js keeps its own parser and the reason is returned.
 */
import { readFileSync } from 'node:fs';
import { Grammar, NameAddrHeader, URI } from 'sip.js';

type PegParse = (input: string, options: { startRule?: string; data?: unknown }) => unknown;

const HEAD = 'function peg$parse(input, options) {\n';
const TAIL = '\n}\nexport const parse = peg$parse;';

/** The top-level statements of the body of `peg$parse` (4-space indent; closers and `else` continue a statement). */
function statements(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    const top = /^ {4}\S/.test(line) && !/^ {4}(\}|\]|\)|else\b)/.test(line);
    if (top || out.length === 0) out.push(line);
    else out[out.length - 1] += `\n${line}`;
  }
  return out;
}

/** The generated parser's source, rearranged: module-level tables and functions, per-call resets. */
export function hoistedParserSource(source: string): string {
  const start = source.indexOf(HEAD);
  const end = source.lastIndexOf(TAIL);
  if (start < 0 || end < start) throw new Error('sip.js grammar: peg$parse not where expected');
  const shared: string[] = ['let input;', 'let options;'];
  const perCall: string[] = [];
  for (const s of statements(source.slice(start + HEAD.length, end))) {
    const decl = /^ {4}(const|let) (peg\$\w+)(?:;| = ([\s\S]*))$/.exec(s);
    if (/^ {4}function /.test(s)) shared.push(s);
    else if (decl && decl[1] === 'const' && !['peg$source', 'peg$posDetailsCache'].includes(decl[2]!)) shared.push(s);
    else if (decl) {
      shared.push(`let ${decl[2]};`);
      if (decl[3] !== undefined) perCall.push(`    ${decl[2]} = ${decl[3]}`);
    } else perCall.push(s);
  }
  const before = source.slice(0, start).replace(/^import .*$/gm, '').replace('export class SyntaxError', 'class SyntaxError');
  return `${before}\n${shared.join('\n')}\nfunction peg$parse(input1, options1) {\n    input = input1;\n    options = options1;\n${perCall.join('\n')}\n}\nreturn peg$parse;\n`;
}

/** RFC 3261 `word` (Call-ID) and `token` (methods, media types) characters. */
const WORD = "[A-Za-z0-9\\-.!%*_+`'~()<>:\\\\\"/\\[\\]?{}]+";
const TOKEN = "[A-Za-z0-9\\-.!%*_+`'~]+";
/**
 * The headers every message carries whose grammar is trivial, read without the generated parser
 * when they are in their plain form (what sip.js's parser gives for them: the Call-ID and the
 * media type as they are, lengths as numbers, the CSeq as number and method). Anything else
 * (folded lines, parameters, odd spacing, errors) goes to the parser as before.
 */
const CALL_ID = new RegExp(`^${WORD}(@${WORD})?$`);
const CSEQ = new RegExp(`^(\\d{1,9}) (${TOKEN})$`);
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}$`);
const PLAIN: Record<string, (v: string) => unknown> = {
  Call_ID: (v) => (CALL_ID.test(v) ? v : undefined),
  Content_Length: (v) => (/^\d{1,9}$/.test(v) ? Number(v) : undefined),
  Max_Forwards: (v) => (/^\d{1,9}$/.test(v) ? Number(v) : undefined),
  CSeq: (v) => {
    const m = CSEQ.exec(v);
    return m ? { value: Number(m[1]), method: m[2] } : undefined;
  },
  Content_Type: (v) => (MEDIA_TYPE.test(v) ? v : undefined),
};

/** sip.js's `Grammar.parse`, on a given generated parser: the parsed data, or -1. */
function parseWith(peg: PegParse) {
  return (input: string, startRule: string): unknown => {
    const plain = PLAIN[startRule]?.(input);
    if (plain !== undefined) return plain;
    const options: { startRule: string; data?: unknown } = { startRule };
    try {
      peg(input, options);
    } catch {
      options.data = -1;
    }
    return options.data;
  };
}

/** Headers both parsers must agree on (rules sip.js uses on every message, and a syntax error). */
const SAMPLES: [string, string][] = [
  ['Via', 'SIP/2.0/UDP 127.0.1.1:40000;received=127.0.1.1;rport=40000;branch=z9hG4bK1i2n1'],
  ['From', '"Caller" <sip:caller.1@beacon.local>;tag=1tag1'],
  ['To', '<sip:110@beacon.local>'],
  ['Call_ID', '1-123@127.0.1.1'],
  ['CSeq', '2 INVITE'],
  ['Contact', '<sip:caller.1@127.0.1.1:40000;transport=udp>;expires=60, <sip:x@y.invalid;transport=ws>'],
  ['Record_Route', '<sip:127.0.0.1:5066;transport=ws;r2=on;lr=on;ftag=1tag1>, <sip:127.0.0.1:5060;r2=on;lr=on>'],
  ['Content_Length', '150'],
  ['Content_Type', 'application/sdp'],
  ['Proxy_Authenticate', 'Digest realm="beacon.local", nonce="abc", qop="auth"'],
  ['SIP_URI', 'sip:node-abc@abc.invalid;transport=ws'],
  ['Name_Addr_Header', '"A" <sip:a@b.c;x=y>;tag=z'],
  ['Event', 'refer;id=3'],
  ['CSeq', 'not a cseq'],
  ['CSeq', '314159 INFO'], ['CSeq', '1  INVITE'], ['Call_ID', 'a84b4c76e66710'], ['Call_ID', 'bad id'], ['Content_Length', '0'],
  ['Max_Forwards', '070'], ['Content_Type', 'multipart/mixed;boundary=b1'], ['Content_Type', 'application/pidf+xml'],
];

const fingerprint = (v: unknown) => `${(v as object | null)?.constructor?.name ?? typeof v}:${JSON.stringify(v, (_k, x) => (x instanceof Map ? [...x] : x))}`;

let installed: string | null = null;

/**
 * Points sip.js's `Grammar.parse` at the compiled-once parser (once per process). Returns null
 * when installed, or why sip.js keeps its own parser.
 */
export function installFastSipGrammar(): string | null {
  if (installed !== null) return installed === 'ok' ? null : installed;
  const original = Grammar.parse;
  try {
    const source = readFileSync(require.resolve('sip.js/lib/grammar/pegjs/dist/grammar.js'), 'utf8');
    // The code is sip.js's own generated parser, rearranged; it runs with sip.js's URI and NameAddrHeader.
    const peg = new Function('NameAddrHeader', 'URI', hoistedParserSource(source))(NameAddrHeader, URI) as PegParse;
    const fast = parseWith(peg);
    for (const [rule, value] of SAMPLES) {
      if (fingerprint(fast(value, rule)) !== fingerprint(original(value, rule))) throw new Error(`sip.js grammar: the compiled-once parser disagrees on ${rule}`);
    }
    (Grammar as { parse: typeof Grammar.parse }).parse = fast;
    installed = 'ok';
    return null;
  } catch (err) {
    installed = err instanceof Error ? err.message : String(err);
    return installed;
  }
}
