/**
 * A caller on a SIP phone, played by sipp (Debian's sip-tester) through the server's Kamailio:
 * an INVITE to a line with digest authentication, ringing, then either a CANCEL while queued
 * or an answer, the server's hold and resume re-INVITEs, and a BYE. The scenario is written
 * per call, so the body (plain SDP, SDP + PIDF-LO, garbage) and the ending can vary. sipp
 * only signals: the phone's RTP is a Node socket whose port the SDP names (`PhoneAudio`, ./phone.ts).
 */
import { freePort } from '../../media/sip/free-port';
import { audioSdp, runSippScenario, sippReply, type SippRun } from './phone';

export interface CallerScript {
  sipPort: number;
  line: string;
  /** Phone account (caller.1 ...) and its password. */
  user: string;
  password: string;
  domain: string;
  /** Where the phone's RTP socket listens (the SDP's m= port). */
  rtpPort: number;
  /** `sdp`, or SDP with a PIDF-LO part, or a multipart body whose second part is garbage. */
  body: 'sdp' | 'pidf' | 'garbage';
  /** `refused`: expect a final error (`refusedWith`, default 404) instead of ringing. `cancel`: hang up while ringing after `ringMs`. `answer`: wait for 200, then hold/resume re-INVITEs (`reinvites`), then BYE after `talkMs`. */
  ending: 'cancel' | 'answer' | 'refused';
  refusedWith?: number;
  ringMs?: number;
  reinvites?: number;
  talkMs?: number;
  /** Sends DTMF digit 5 by SIP INFO (application/dtmf-relay) once the call is up. */
  infoDtmf?: boolean;
  /** The phone itself holds (re-INVITE a=sendonly) and resumes (a=sendrecv) once the call is up; the answers' directions are logged. */
  phoneHolds?: boolean;
  /** Instead of hanging up: accept the server's REFER, report the transfer done (NOTIFY 200) and take the server's BYE. */
  referred?: boolean;
  /** A trunk the edge trusts: the INVITE carries no credentials and is not challenged. */
  trusted?: boolean;
  /** Address sipp sends from. Default 127.0.0.1. */
  localIp?: string;
}

const SDP = (port: number) => audioSdp(port, { pcma: true });

const PIDF = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0" entity="pres:caller@beacon.local">
<tuple id="loc"><status><gp:geopriv><gp:location-info>
<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>30.2741 120.1551</gml:pos><gs:radius uom="urn:ogc:def:uom:EPSG::9001">25</gs:radius></gs:Circle>
</gp:location-info><gp:usage-rules/><gp:method>GPS</gp:method></gp:geopriv></status></tuple></presence>`;

function body(s: CallerScript): { headers: string; content: string } {
  if (s.body === 'sdp') return { headers: 'Content-Type: application/sdp', content: SDP(s.rtpPort) };
  const second = s.body === 'pidf' ? `Content-Type: application/pidf+xml\nContent-ID: <loc1@caller>\n\n${PIDF}` : 'Content-Type: application/pidf+xml\nContent-ID: <loc1@caller>\n\n<presence><<<&&& not xml at all';
  return {
    headers: 'Content-Type: multipart/mixed;boundary=b0undary\nGeolocation: <cid:loc1@caller>\nGeolocation-Routing: no',
    content: `--b0undary\nContent-Type: application/sdp\n\n${SDP(s.rtpPort)}\n--b0undary\n${second}\n--b0undary--`,
  };
}

const invite = (s: CallerScript, cseq: number, auth: boolean) => {
  const b = body(s);
  return `<send retrans="500"><![CDATA[
INVITE sip:[service]@${s.domain} SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=z9hG4bK[pid]i${cseq}n[call_number]
From: "Caller" <sip:${s.user}@${s.domain}>;tag=[pid]tag[call_number]
To: <sip:[service]@${s.domain}>
Call-ID: [call_id]
CSeq: ${cseq} INVITE
Contact: <sip:${s.user}@[local_ip]:[local_port]>
Max-Forwards: 70
${auth ? '[authentication]\n' : ''}${b.headers}
Content-Length: [len]

${b.content}
]]></send>`;
};

const inDialog = (method: string, cseq: number) => `<send><![CDATA[
${method} [next_url] SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]
From: "Caller" <sip:[$user]@[$domain]>;tag=[pid]tag[call_number]
To:[$remoteto]
Call-ID: [call_id]
CSeq: ${cseq} ${method}
[routes]
Max-Forwards: 70
Content-Length: 0

]]></send>`;

/** The 200 OK a phone sends for the server's re-INVITE: same port, the direction it was offered, mirrored. */
const answerReinvite = (s: CallerScript) => `<recv request="INVITE" timeout="30000"><action><ereg regexp="a=(sendonly|sendrecv|inactive)" search_in="body" check_it="true" assign_to="dirline,dir"/><log message="reinvite=[$dir] [$dirline]"/></action></recv>
${sippReply('200 OK', { contact: s.user, sdp: audioSdp(s.rtpPort, { version: 2 }) })}
<recv request="ACK" timeout="10000"/>`;

/** The phone's own re-INVITE with `direction`; the server's answer direction is logged as `<tag>=<direction>`. */
function phoneReinvite(s: CallerScript, cseq: number, direction: string, tag: string, pauseAfter: boolean): string[] {
  const sdp = audioSdp(s.rtpPort, { version: cseq, direction });
  const request = inDialog('INVITE', cseq).replace('[$user]', s.user).replace('[$domain]', s.domain)
    .replace('Content-Length: 0\n\n', `Contact: <sip:${s.user}@[local_ip]:[local_port]>\nContent-Type: application/sdp\nContent-Length: [len]\n\n${sdp}\n`);
  return [
    request.replace('<send>', '<send retrans="500">'),
    '<recv response="100" optional="true"/>',
    `<recv response="200" timeout="10000"><action><ereg regexp="a=(sendrecv|sendonly|recvonly|inactive)" search_in="body" check_it="true" assign_to="${tag}line,${tag}"/><log message="${tag}=[$${tag}] [$${tag}line]"/></action></recv>`,
    inDialog('ACK', cseq).replace('[$user]', s.user).replace('[$domain]', s.domain),
    // A phone does not re-INVITE on the heels of its ACK: through the edge the two may arrive
    // swapped, and a UAS answers an INVITE that overtakes the previous ACK with 500 (RFC 3261 §14.2).
    ...(pauseAfter ? ['<pause milliseconds="200"/>'] : []),
  ];
}

/** A phone that is REFERred elsewhere (blind transfer): 202, NOTIFY with the target's 200, then the server's BYE. */
function referred(s: CallerScript, cseq: number): string[] {
  const reply = (status: string) => sippReply(status, { contact: s.user });
  return [
    '<recv request="REFER" timeout="30000"><action><ereg regexp="sip:([^@]+)@" search_in="hdr" header="Refer-To:" check_it="true" assign_to="rt,referto"/><log message="referto=[$referto] [$rt]"/></action></recv>',
    reply('202 Accepted'),
    inDialog('NOTIFY', cseq).replace('[$user]', s.user).replace('[$domain]', s.domain)
      .replace('Content-Length: 0\n\n', 'Event: refer\nSubscription-State: terminated;reason=noresource\nContent-Type: message/sipfrag;version=2.0\nContent-Length: [len]\n\nSIP/2.0 200 OK\n'),
    '<recv response="200" timeout="10000"/>',
    '<recv request="BYE" timeout="10000"/>',
    reply('200 OK'),
  ];
}

/** The ACK of the failed INVITE with CSeq `cseq` (407, 404, 487): hop by hop, the INVITE's branch. */
const nonDialogAck = (s: CallerScript, cseq: number) => `<send><![CDATA[
ACK sip:[service]@${s.domain} SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=z9hG4bK[pid]i${cseq}n[call_number]
From: "Caller" <sip:${s.user}@${s.domain}>;tag=[pid]tag[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: ${cseq} ACK
Max-Forwards: 70
Content-Length: 0

]]></send>`;

export function callerScenario(s: CallerScript): string {
  const ack2 = nonDialogAck(s, 2);
  // CSeq 2 is the INVITE the call goes on with: after a digest challenge, or at once from a trusted trunk.
  const steps = s.trusted ? [invite(s, 2, false), '<recv response="100" optional="true"/>'] : [
    invite(s, 1, false),
    '<recv response="100" optional="true"/>',
    '<recv response="407" auth="true"/>',
    nonDialogAck(s, 1),
    invite(s, 2, true),
    '<recv response="100" optional="true"/>',
  ];
  if (s.ending === 'refused') {
    steps.push(`<recv response="${s.refusedWith ?? 404}" timeout="10000"/>`, ack2);
  } else {
    steps.push('<recv response="180" timeout="10000"><action><log message="ringing"/></action></recv>');
  }
  if (s.ending === 'cancel') {
    steps.push(`<pause milliseconds="${s.ringMs ?? 1500}"/>`, `<send><![CDATA[
CANCEL sip:[service]@${s.domain} SIP/2.0
Via: SIP/2.0/UDP [local_ip]:[local_port];branch=z9hG4bK[pid]i2n[call_number]
From: "Caller" <sip:${s.user}@${s.domain}>;tag=[pid]tag[call_number]
To: <sip:[service]@${s.domain}>
Call-ID: [call_id]
CSeq: 2 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>`, '<recv response="200"/>', '<recv response="487" timeout="10000"/>', ack2);
  } else if (s.ending === 'answer') {
    steps.push(
      '<recv response="200" rrs="true" timeout="30000"><action><ereg regexp=".*" search_in="hdr" header="To:" check_it="true" assign_to="remoteto"/><ereg regexp="c=IN IP4 ([0-9.]+)" search_in="body" check_it="true" assign_to="cline,answerip"/><ereg regexp="m=audio ([0-9]+) RTP/AVP 0" search_in="body" check_it="true" assign_to="mline,answerport"/><log message="answered=[$answerip]:[$answerport] [$cline][$mline]"/></action></recv>',
      inDialog('ACK', 2).replace('[$user]', s.user).replace('[$domain]', s.domain),
    );
    if (s.infoDtmf) steps.push(inDialog('INFO', 3).replace('[$user]', s.user).replace('[$domain]', s.domain)
      .replace('Content-Length: 0\n\n', 'Content-Type: application/dtmf-relay\nContent-Length: [len]\n\nSignal=5\nDuration=160\n'), '<recv response="200" timeout="10000"/>');
    for (let i = 0; i < (s.reinvites ?? 0); i++) steps.push(answerReinvite(s));
    let cseq = s.infoDtmf ? 4 : 3;
    if (s.phoneHolds) {
      // A person presses Hold after the call is up: a re-INVITE right behind the first ACK crosses
      // the answer's processing at sip.js ("re-INVITE while processing initial ACK": 500).
      steps.push('<pause milliseconds="300"/>');
      steps.push(...phoneReinvite(s, cseq, 'sendonly', 'phonehold', true), ...phoneReinvite(s, cseq + 1, 'sendrecv', 'phoneresume', false));
      cseq += 2;
    }
    if (s.referred) steps.push(...referred(s, cseq));
    else steps.push(`<pause milliseconds="${s.talkMs ?? 500}"/>`, inDialog('BYE', cseq).replace('[$user]', s.user).replace('[$domain]', s.domain), '<recv response="200" timeout="10000"/>');
  }
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="caller">\n${steps.join('\n')}\n</scenario>\n`;
}

/** Runs one caller to the end (bounded by `timeoutMs`); `scenario` is `callerScenario(s)` unless a test varies it. */
export async function runCaller(s: CallerScript, timeoutMs = 60_000, scenario = callerScenario(s)): Promise<SippRun> {
  const localIp = s.localIp ?? '127.0.0.1';
  const localPort = await freePort(localIp, { udp: true });
  return runSippScenario(scenario, [`127.0.0.1:${s.sipPort}`, '-s', s.line, '-au', s.user, '-ap', s.password, '-p', String(localPort)], timeoutMs, localIp);
}

/**
 * The caller of `callerScenario` (INVITE with digest, 180 while queued, 200, the server's hold
 * and resume re-INVITEs), except that it does not hang up: it waits up to `byeTimeoutMs` for
 * the BYE of the dispatcher's Hang up and answers it 200 (logging `bye-received`); `beforeBye`:
 * sipp steps to run first.
 */
export function callerWaitingForBye(s: CallerScript, byeTimeoutMs = 90_000, beforeBye = ''): string {
  const xml = callerScenario({ ...s, ending: 'answer', talkMs: 0 });
  const tail = xml.lastIndexOf('<pause milliseconds="0"/>');
  if (tail < 0) throw new Error('caller scenario changed: no final pause before the BYE');
  return `${xml.slice(0, tail)}${beforeBye}<recv request="BYE" timeout="${byeTimeoutMs}"><action><log message="bye-received"/></action></recv>
${sippReply('200 OK', { contact: s.user })}
</scenario>
`;
}
