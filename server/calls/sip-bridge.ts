/**
 * The SIP bridge of one server node: calls from phones into the call core, and the core's
 * call effects back onto the phones. The node's user agent receives each INVITE for a
 * configured line (Kamailio routes them to the node AoR with `X-Original-RURI`); the bridge
 * rings the phone (180), reports `call.offered` as the system (command id from the SIP
 * Call-ID, so a retransmission is offered once), keeps the leg in memory by call id, and
 * reports what the phone does later (`call.media.up`, `call.ended`, `call.dtmf`).
 *
 * Reports go through the command pipeline after the SIP event, never inside an outbox
 * handler: handlers run in the outbox transaction and, on PGlite, one connection.
 */
import type { Invitation } from 'sip.js';
import type { Logger } from '../log';
import type { Actor, Command, CommandResult } from '../protocol';
import { command as commandSchema } from '../protocol';
import { SYSTEM_ACTOR } from '../auth/users';
import { ValidationError, describeError } from '../errors';
import type { CityModel } from '../city';
import type { MediaService } from '../../media/MediaService';
import type { Room } from '../../media/Room';
import { NodeUserAgent, type NodeUserAgentSettings } from '../../media/sip/NodeUserAgent';
import { SipCall, type DtmfVia, type SipCallEndCause, type SipMediaListen } from '../../media/sip/SipCall';
import { inviteBody, type PidfLocation } from '../../media/sip/pidf-lo';
import { lineOf } from './steps';
import { CallParties } from './sip-parties';
import { sipCommandId } from './sip-ids';

/** The media room of a call: its own router, G.711 only. */
export const callRoomId = (callId: string) => `call:${callId}`;

export interface SipBridgeDeps {
  city: CityModel;
  media: MediaService;
  execute: (actor: Actor, command: Command) => Promise<CommandResult>;
  /** Where call legs' PlainTransports listen and what their SDP announces. */
  listen: SipMediaListen;
  /** This server node (several nodes may share an edge). */
  nodeId?: string;
  log: Logger;
}

/** What the bridge counts (Prometheus). */
export interface SipBridgeCounters {
  invites: number;
  dtmf: number;
  dtmfByVia: Record<DtmfVia, number>;
}

/** The longest tone `call.dtmf` takes (a longer one is reported as this long). */
const MAX_DIGIT_MS = 60_000;


/** The user part of a SIP URI header value, if any. */
function uriUser(value: string | undefined): string | null {
  return value ? /sips?:([^@;>\s]+)@/i.exec(value)?.[1] ?? null : null;
}

export class SipBridge {
  readonly counters: SipBridgeCounters = { invites: 0, dtmf: 0, dtmfByVia: { rfc4733: 0, info: 0 } };
  private readonly legs = new Map<string, SipCall>();
  /** The other phones called into the calls (consultations, conference parties). */
  readonly parties: CallParties;
  private ua: NodeUserAgent | null = null;

  constructor(private readonly deps: SipBridgeDeps) {
    this.parties = new CallParties({
      caller: (callId) => this.legs.get(callId),
      inviter: (number) => this.ua?.inviter(number) ?? null,
      room: (callId) => deps.media.room(callRoomId(callId)),
      listen: deps.listen,
      log: deps.log,
      report: (log, cmd) => this.report(log, cmd),
      releaseCaller: async (callId, log) => {
        await this.legs.get(callId)?.hangup().catch((err) => log.warn({ err }, 'the caller could not be released'));
        await this.release(callId);
      },
    });
  }

  /** Connects and registers the node's user agent (retrying in the background when the edge is not up yet). */
  async start(settings: NodeUserAgentSettings): Promise<void> {
    this.ua = new NodeUserAgent(settings, (invitation) => void this.incoming(invitation), this.deps.log.child({ component: 'sip-ua' }));
    await this.ua.start();
  }

  get registered(): boolean {
    return this.ua?.registered ?? false;
  }

  /** Times the node's user agent registered (once per connection to the edge). */
  get registrations(): number {
    return this.ua?.registrations ?? 0;
  }

  whenRegistered(timeoutMs: number): Promise<boolean> {
    return this.ua?.whenRegistered(timeoutMs) ?? Promise.resolve(false);
  }

  /** The leg of a call on this node. */
  leg(callId: string): SipCall | undefined {
    return this.legs.get(callId);
  }

  async stop(): Promise<void> {
    await this.parties.stop();
    for (const leg of this.legs.values()) await leg.hangup().catch(() => undefined);
    this.legs.clear();
    await this.ua?.stop();
  }

  /** An INVITE for the node AoR: a configured line rings and queues, anything else is refused. */
  private async incoming(invitation: Invitation): Promise<void> {
    this.counters.invites++;
    const request = invitation.request;
    const sipCallId = request.callId;
    const log = this.deps.log.child({ sipCallId });
    const line = uriUser(request.getHeader('X-Original-RURI'));
    if (!line || !lineOf(this.deps.city, line)) {
      log.info({ line }, 'INVITE for a number that is no configured line: 404');
      await invitation.reject({ statusCode: 404 });
      return;
    }
    const { sdp, location } = this.readBody(invitation, log);
    const leg = new SipCall(invitation, sdp, log);
    if (!leg.acceptable) {
      log.info({ line }, 'INVITE without G.711 audio: 488');
      await invitation.reject({ statusCode: 488 });
      return;
    }
    await leg.ring();
    const from = request.from;
    const number = from.uri.user ?? 'anonymous';
    const offered = {
      // Per node: a retransmitted INVITE reaches the same node (one offer), but an INVITE the edge
      // fails over to another node after this one refused it is a new call there, not the old one.
      type: 'call.offered', commandId: sipCommandId('offered', `${this.deps.nodeId ?? ''}\n${sipCallId}`), sipCallId: sipCallId.slice(0, 256),
      callerNumber: /^[A-Za-z0-9+*#._@-]{1,64}$/.test(number) ? number : 'anonymous', line,
      ...(from.displayName ? { callerName: from.displayName.slice(0, 100) } : {}),
      ...(location ? { location } : {}),
    };
    try {
      const result = await this.deps.execute(SYSTEM_ACTOR, commandSchema.parse(offered));
      this.adopt(result.createdId!, leg, log.child({ callId: result.createdId }));
    } catch (err) {
      const status = err instanceof ValidationError ? 404 : 500;
      log.error({ err, status }, 'the call core did not take the call');
      await invitation.reject({ statusCode: status }).catch(() => undefined);
    }
  }

  /**
   * The SDP and the PIDF-LO of the INVITE. sip.js takes a multipart body for something to
   * render, so the request is rewritten to carry its SDP part only. A body that cannot be
   * read leaves the call without a location, never without an answer.
   */
  private readBody(invitation: Invitation, log: Logger): { sdp: string | null; location: PidfLocation | null } {
    const message = invitation.request;
    const contentType = message.getHeader('Content-Type') ?? '';
    try {
      const { sdp, location, locationError } = inviteBody(contentType, message.body ?? '', message.getHeader('Geolocation') ?? null);
      if (locationError) log.warn({ reason: locationError }, 'caller location in the INVITE ignored');
      if (/^\s*multipart\//i.test(contentType) && sdp !== null) {
        message.setHeader('Content-Type', 'application/sdp');
        message.body = sdp;
      }
      return { sdp, location };
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'INVITE body could not be read; answering without a location');
      return { sdp: /^\s*application\/sdp/i.test(contentType) ? message.body : null, location: null };
    }
  }

  private adopt(callId: string, leg: SipCall, log: Logger): void {
    this.legs.set(callId, leg);
    leg.on('media.up', () => void this.report(log, { type: 'call.media.up', commandId: sipCommandId('media', leg.sipCallId), callId }));
    // Digits are reported one after the other, so the call keeps them in the order pressed.
    let digits = Promise.resolve();
    leg.on('dtmf', (digit, via, durationMs, pressId) => {
      this.counters.dtmf++;
      this.counters.dtmfByVia[via]++;
      log.info({ digit, via, durationMs, pressId }, 'DTMF from the caller');
      const duration = durationMs === undefined ? {} : { durationMs: Math.min(durationMs, MAX_DIGIT_MS) };
      // The press's id in the dialog names the command: a retransmitted INFO or RTP press is applied once.
      const cmd = { type: 'call.dtmf', commandId: sipCommandId('dtmf', `${leg.sipCallId}\n${pressId}`), callId, digit, via, ...duration };
      digits = digits.then(() => this.report(log, cmd));
    });
    leg.on('ended', (cause, detail, sipStatus) => this.ended(callId, leg, cause, detail, log, sipStatus));
    // A CANCEL may have come while the call was being offered.
    if (leg.state === 'Terminated') this.ended(callId, leg, 'cancel', 'ended before the call was queued', log);
  }

  private ended(callId: string, leg: SipCall, cause: SipCallEndCause, detail: string, log: Logger, sipStatus?: number): void {
    if (this.legs.get(callId) !== leg) return;
    this.legs.delete(callId);
    log.info({ cause, detail, sipStatus }, 'SIP call ended by the far end');
    const status = sipStatus && sipStatus >= 300 ? { sipStatus } : {};
    // Without the caller the phones called into the call have nobody to talk to.
    void this.parties.hangUp(callId, log)
      .then(() => this.report(log, { type: 'call.ended', commandId: sipCommandId('ended', leg.sipCallId), callId, cause, sipReason: detail, ...status }))
      .finally(() => this.release(callId));
  }

  /**
   * Calls a phone or number for an outbound call (a callback): the leg is this call's from the
   * start; the phone answering is `call.connected`, a refusal or no answer `call.ended` (failure).
   */
  async dial(callId: string, number: string, room: Room): Promise<void> {
    if (!this.ua || this.legs.has(callId)) return;
    const inviter = this.ua.inviter(number);
    const leg = new SipCall(inviter, null, this.deps.log.child({ sipCallId: inviter.request.callId }));
    const log = this.deps.log.child({ callId, sipCallId: leg.sipCallId });
    this.adopt(callId, leg, log);
    leg.on('connected', () => void this.report(log, { type: 'call.connected', commandId: sipCommandId('connected', leg.sipCallId), callId }));
    await leg.dial(room, this.deps.listen).catch((err) => log.info({ err: err instanceof Error ? err.message : String(err) }, 'outbound call not answered'));
  }

  /**
   * Blind transfer of the caller to a number (REFER); the outcome goes to the core as
   * `call.transfer.progress`. Completed: the caller is with the number now, the leg is released.
   */
  async transferToNumber(callId: string, number: string): Promise<void> {
    const leg = this.legs.get(callId);
    if (!leg || !this.ua) return;
    const log = this.deps.log.child({ callId, sipCallId: leg.sipCallId });
    const { outcome, reason } = await leg.referTo(this.ua.uriOf(number));
    log.info({ number, outcome, reason }, 'blind transfer by REFER');
    await this.report(log, { type: 'call.transfer.progress', commandId: sipCommandId(`refer-${outcome}`, leg.sipCallId), callId, outcome, sipReason: reason.slice(0, 200) });
    if (outcome === 'completed') {
      await leg.hangup().catch((err) => log.warn({ err }, 'the transferred leg could not be released'));
      await this.release(callId);
    }
  }

  /** A leg the bridge could not carry on (answering failed): released, and the call ends as a failure. */
  async fail(callId: string, reason: string): Promise<void> {
    const leg = this.legs.get(callId);
    if (!leg) return;
    const log = this.deps.log.child({ callId, sipCallId: leg.sipCallId });
    await leg.hangup().catch((err) => log.warn({ err }, 'the failed leg could not be released'));
    await this.release(callId);
    await this.report(log, { type: 'call.ended', commandId: sipCommandId('failed', leg.sipCallId), callId, cause: 'failure', sipReason: reason.slice(0, 200) });
  }

  /** Ends the call's legs from our side (a dispatcher hung up): the caller and every party. */
  async hangup(callId: string): Promise<void> {
    const log = this.deps.log.child({ callId });
    await this.parties.hangUp(callId, log);
    await this.legs.get(callId)?.hangup();
    await this.release(callId);
  }

  /** Forgets a call's legs and closes its room. */
  async release(callId: string): Promise<void> {
    this.legs.delete(callId);
    this.parties.forget(callId);
    await this.deps.media.closeRoom(callRoomId(callId));
  }

  private async report(log: Logger, cmd: Record<string, unknown>): Promise<void> {
    try {
      await this.deps.execute(SYSTEM_ACTOR, commandSchema.parse(cmd));
    } catch (err) {
      // The call ended here first (a dispatcher hung up): nothing to report.
      if (describeError(err).code === 'rejected_by_state_machine') return;
      log.warn({ err, type: cmd.type }, 'the SIP bridge could not report to the call core');
    }
  }
}

/**
 * The node's bridge, when this node runs a SIP edge and a media plane; null otherwise (the
 * call effects are then only logged). The user agent registers in the background.
 */
export async function startSipBridge(
  sip: { edge: { state: string; wsUrl: string | null }; node: { username: string; password: string; aor: string } },
  domain: string, deps: SipBridgeDeps,
): Promise<SipBridge | null> {
  // An edge that is restarting still gets a bridge: the user agent reconnects when it is back;
  // so does an external one (run by another node), which the user agent simply keeps trying.
  const server = sip.edge.wsUrl;
  if (['disabled', 'unavailable', 'stopped'].includes(sip.edge.state) || !server || !deps.media.available) {
    deps.log.info({ edge: sip.edge.state, media: deps.media.available }, 'no SIP bridge on this node (needs the SIP edge and the media plane)');
    return null;
  }
  const bridge = new SipBridge(deps);
  await bridge.start({ server, domain, aor: sip.node.aor, username: sip.node.username, password: sip.node.password });
  return bridge;
}
