/**
 * sip.js 0.21.2 parses every header of every SIP message with a PEG.js parser generated for
 * size: its constants (~800, with closures) and its bytecode (~240 rules, decoded from
 * strings) are rebuilt inside `peg$parse` on each call. One header then costs about 1 ms of CPU
 * and an INVITE from the edge about 15 ms, whatever its length: most of what a call costs the
 * server (the call bench, BENCHMARKS.md section 6, measured it).
 *
 * This builds sip.js's own generated parser once, with the per-call state moved out of
 * `peg$parse` to the parser's scope and reset at each call (the parser is not re-entrant: no
 * grammar action parses again), and points sip.js's `Grammar.parse` at it; the plain forms of
 * the first line and of the headers every message carries are read without it
 * (./sip-headers-fast.ts). The source is read from the installed sip.js and rearranged statement
 * by statement; when it does not have the expected shape (another sip.js version) or either
 * result disagrees with sip.js's parser on a sample of headers (prototypes, keys and values),
 * sip.js keeps its own parser and the reason is returned.
 */
import { readFileSync } from 'node:fs';
import { Grammar, NameAddrHeader, URI } from 'sip.js';
import { PLAIN, PLAIN_SAMPLES } from './sip-headers-fast';

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

type PlainReaders = Record<string, (v: string) => unknown>;

/** A plain form read without the parser, or undefined (for one whose objects refuse to be built too). */
function readPlain(readers: PlainReaders, input: string, startRule: string): unknown {
  try {
    return readers[startRule]?.(input);
  } catch {
    return undefined;
  }
}

/** sip.js's `Grammar.parse`, on a given generated parser and plain-form readers: the parsed data, or -1. */
function parseWith(peg: PegParse, readers: PlainReaders) {
  return (input: string, startRule: string): unknown => {
    const plain = readPlain(readers, input, startRule);
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

/** Headers the compiled-once parser must read as sip.js's does (rules sip.js uses on every message and others, a syntax error). */
const SAMPLES: [string, string][] = [
  ['Request_Response', 'INVITE sip:node-abc@abc.invalid;transport=ws SIP/2.0'],
  ['Via', 'SIP/2.0/UDP 127.0.1.1:40000;received=127.0.1.1;rport=40000;branch=z9hG4bK1i2n1'],
  ['From', '"Caller" <sip:caller.1@beacon.local>;tag=1tag1'],
  ['Contact', '<sip:caller.1@127.0.1.1:40000;transport=udp>;expires=60, <sip:x@y.invalid;transport=ws>'],
  ['Record_Route', '<sip:127.0.0.1:5066;transport=ws;r2=on;lr=on;ftag=1tag1>, <sip:127.0.0.1:5060;r2=on;lr=on>'],
  ['CSeq', '2 INVITE'],
  ['Proxy_Authenticate', 'Digest realm="beacon.local", nonce="abc", qop="auth"'],
  ['SIP_URI', 'sip:node-abc@abc.invalid;transport=ws'],
  ['Name_Addr_Header', '"A" <sip:a@b.c;x=y>;tag=z'],
  ['Event', 'refer;id=3'],
  ['From', 'no angle brackets <<'],
];

/** A parse result as the self-check compares it: prototypes, own keys in order (undefined-valued ones too), values. */
export function fingerprint(v: unknown): string {
  if (v === null || typeof v !== 'object') return typeof v === 'string' ? JSON.stringify(v) : String(v);
  const entries = v instanceof Map ? [...v] : Object.entries(v);
  return `${Object.getPrototypeOf(v)?.constructor?.name}{${entries.map(([k, x]) => `${fingerprint(k)}:${fingerprint(x)}`).join(',')}}`;
}

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
    const compiled = parseWith(peg, {});
    for (const [rule, value] of SAMPLES) {
      if (fingerprint(compiled(value, rule)) !== fingerprint(original(value, rule))) throw new Error(`sip.js grammar: the compiled-once parser disagrees on ${rule}`);
    }
    // A value the readers decline goes to the parser checked above; the ones they read must read the same.
    for (const [rule, value] of PLAIN_SAMPLES) {
      const plain = readPlain(PLAIN, value, rule);
      if (plain !== undefined && fingerprint(plain) !== fingerprint(original(value, rule))) throw new Error(`sip.js grammar: the plain-form reader disagrees on ${rule}`);
    }
    (Grammar as { parse: typeof Grammar.parse }).parse = parseWith(peg, PLAIN);
    installed = 'ok';
    return null;
  } catch (err) {
    installed = err instanceof Error ? err.message : String(err);
    return installed;
  }
}
