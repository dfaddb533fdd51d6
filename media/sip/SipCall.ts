/**
 * One SIP call leg between a phone and the server: the phone's INVITE (a sip.js Invitation),
 * ringing until a dispatcher answers, the answer with the leg's PlainTransport SDP — or the
 * server's own INVITE to a phone (an Inviter, `dial`: callbacks) — hold and
 * resume by re-INVITE, the phone's own re-INVITEs answered, DTMF (RFC 4733 and SIP INFO), and the end
 * (BYE, CANCEL, failure). The leg knows nothing of the call core: it tells its owner what
 * happened through events, and the owner (the SIP bridge) reports commands.
 *
 *   ringing ──answer()──▶ answering ──200/ACK──▶ up ⇄ held (re-INVITE sendonly / sendrecv)
 *      │ CANCEL / hangup()                         │ BYE either way, or REFER (blind transfer) then BYE
 *      └──────────────────────────▶ ended ◀────────┘
 */
import { Invitation, Inviter, SessionState, type Info, type URI } from 'sip.js';
import type { Logger } from '../../server/log';
import type { Room } from '../Room';
import { GuardedEmitter } from '../GuardedEmitter';
import { CallAudio } from './CallAudio';
import type { PlainRtpEndpoint } from './PlainRtpSessionDescriptionHandler';
import { answerDirection, buildLocalSdp, parseRemoteAudio, type G711Codec, type RemoteAudio, type SdpDirection } from './sdp';

export type SipCallEndCause = 'hangup' | 'cancel' | 'failure';

/** How a digit came: RFC 4733 telephone-event in the RTP, or SIP INFO. */
export type DtmfVia = 'rfc4733' | 'info';

export type SipCallEvents = {
  /** The phone's audio reached the call room. */
  'media.up': [];
  /** A key the caller pressed; `pressId` names it in the dialog (RTP SSRC and timestamp, or the INFO's CSeq), so a retransmission is recognised. */
  dtmf: [digit: string, via: DtmfVia, durationMs: number | undefined, pressId: string];
  /** The phone answered the server's INVITE (outbound legs). */
  connected: [];
  /** The leg ended by the far end or the network; not emitted for our own hangup. */
  ended: [cause: SipCallEndCause, detail: string, sipStatus?: number];
};

/** Where the leg's media listens and what address its SDP announces. */
export interface SipMediaListen {
  ip: string;
  announcedIp?: string;
}

export class SipCall extends GuardedEmitter<SipCallEvents> implements PlainRtpEndpoint {
  audio: CallAudio | null = null;
  /** Offers the phone made in this dialog (its INVITE, then each re-INVITE with SDP). */
  phoneOffers = 0;
  /** ACKs from the phone for our 200s: to its INVITE, then to each of its re-INVITEs. */
  phoneAcks = 0;
  /** We hold the phone (our last re-INVITE was sendonly). */
  held = false;
  private remote: RemoteAudio | null;
  private pendingOffer: RemoteAudio | null = null;
  private offerSent = false;
  private direction: SdpDirection = 'sendrecv';
  private codec: G711Codec = 'PCMU';
  private sdpVersion = 1;
  private readonly sessionId = Math.floor(Math.random() * 1e9);
  private endedLocally = false;
  private endReported = false;

  /**
   * @param offerSdp the SDP of the phone's INVITE (already taken out of a multipart body); null for an outbound leg
   */
  constructor(readonly session: Invitation | Inviter, offerSdp: string | null, private readonly log: Logger) {
    super((err, event) => log.error({ err, event }, 'SIP call listener failed'));
    this.remote = offerSdp ? parseRemoteAudio(offerSdp) : null;
    this.pendingOffer = this.remote;
    session.data = this;
    session.delegate = {
      onCancel: () => this.report('cancel', 'CANCEL from the caller'),
      onBye: (bye) => {
        // With a delegate, sip.js leaves answering the BYE to us.
        void bye.accept().catch((err) => log.warn({ err }, 'BYE could not be answered'));
        this.report('hangup', 'BYE from the caller');
      },
      onInfo: (info) => this.onInfo(info),
      onAck: () => void this.phoneAcks++,
    };
    session.stateChange.addListener((state) => {
      if (state !== SessionState.Terminated) return;
      this.audio?.close();
      // After the turn in which sip.js tells why (a rejected INVITE's status, a BYE, a CANCEL).
      setImmediate(() => this.report('failure', 'session terminated'));
    });
  }

  get sipCallId(): string {
    return this.session.request.callId;
  }

  /** Whether the phone offered audio the server can answer without transcoding. */
  get acceptable(): boolean {
    return this.remote !== null && this.remote.codec !== null;
  }

  get state(): SessionState {
    return this.session.state;
  }

  private get invitation(): Invitation {
    if (!(this.session instanceof Invitation)) throw new Error(`call ${this.sipCallId} is an outbound leg`);
    return this.session;
  }

  /** 180 Ringing (no SDP): the caller waits in the queue. */
  async ring(): Promise<void> {
    await this.invitation.progress({ statusCode: 180 });
  }

  /**
   * Outbound: INVITE with the SDP of a PlainTransport in `room`; resolves when the phone
   * answered (then `connected`), rejects with its final status otherwise (then `ended`).
   * `party`: the number of a phone called into an existing call (consultation, conference).
   */
  async dial(room: Room, listen: SipMediaListen, party: string | null = null): Promise<void> {
    if (!(this.session instanceof Inviter)) throw new Error('only an outbound leg dials');
    const inviter = this.session;
    this.audio = await CallAudio.open(room, listen.ip, listen.announcedIp, this.log, party);
    this.audio.on('media.up', () => this.emit('media.up'));
    this.audio.on('dtmf', (digit, durationMs, pressId) => this.emit('dtmf', digit, 'rfc4733', durationMs, `rtp-${pressId}`));
    await new Promise<void>((resolve, reject) => {
      inviter.invite({
        requestDelegate: {
          onAccept: () => resolve(),
          onReject: (r) => {
            this.report('failure', `${r.message.statusCode} ${r.message.reasonPhrase}`, r.message.statusCode);
            reject(new Error(`the phone refused the call: ${r.message.statusCode}`));
          },
        },
      }).catch(reject);
    });
    this.emit('connected');
    await this.audio.start(this.remote!, this.codec);
  }

  /** 200 OK with the SDP of a PlainTransport in `room`; media flows once the phone sends. */
  async answer(room: Room, listen: SipMediaListen): Promise<void> {
    if (this.state !== SessionState.Initial && this.state !== SessionState.Establishing) {
      throw new Error(`call ${this.sipCallId} cannot be answered: it is ${this.state}`);
    }
    const audio = await CallAudio.open(room, listen.ip, listen.announcedIp, this.log);
    this.audio = audio;
    audio.on('media.up', () => this.emit('media.up'));
    audio.on('dtmf', (digit, durationMs, pressId) => this.emit('dtmf', digit, 'rfc4733', durationMs, `rtp-${pressId}`));
    await this.invitation.accept();
    await audio.start(this.remote!, this.codec);
  }

  /** Puts the phone on hold (re-INVITE a=sendonly) or takes it off hold (a=sendrecv). */
  async hold(on: boolean): Promise<void> {
    if (this.state !== SessionState.Established) throw new Error(`call ${this.sipCallId} is ${this.state}; only an established call is held`);
    await new Promise<void>((resolve, reject) => {
      this.session.invite({
        sessionDescriptionHandlerOptions: { hold: on } as object,
        requestDelegate: { onAccept: () => resolve(), onReject: (r) => reject(new Error(`re-INVITE refused: ${r.message.statusCode} ${r.message.reasonPhrase}`)) },
      }).catch(reject);
    });
    this.held = on;
    await (on ? this.audio?.hold() : this.audio?.resume());
  }

  /**
   * Blind transfer (RFC 3515): REFER the phone to `target` (a SIP URI). Resolves with the
   * outcome the phone's NOTIFYs report (message/sipfrag status line): completed on 2xx, failed
   * on a refused REFER, an error status or no final NOTIFY within `timeoutMs`.
   */
  async referTo(target: URI, timeoutMs = 30_000): Promise<{ outcome: 'completed' | 'failed'; reason: string }> {
    if (this.state !== SessionState.Established) throw new Error(`call ${this.sipCallId} is ${this.state}; only an established call is transferred`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ outcome: 'failed', reason: 'no final NOTIFY for the REFER' }), timeoutMs);
      const done = (outcome: 'completed' | 'failed', reason: string) => {
        clearTimeout(timer);
        resolve({ outcome, reason });
      };
      this.session.refer(target, {
        requestDelegate: { onReject: (r) => done('failed', `REFER refused: ${r.message.statusCode} ${r.message.reasonPhrase}`) },
        onNotify: (notification) => {
          void notification.accept().catch(() => undefined);
          const status = Number(/^SIP\/2\.0 (\d{3})/.exec(notification.request.body ?? '')?.[1]);
          if (status >= 200 && status < 300) done('completed', `${status}`);
          else if (status >= 300) done('failed', `transfer target answered ${status}`);
        },
      }).catch((err) => done('failed', err instanceof Error ? err.message : String(err)));
    });
  }

  /** Ends the leg from our side: BYE when answered, a final response while it rings. */
  async hangup(): Promise<void> {
    this.endedLocally = true;
    switch (this.state) {
      case SessionState.Initial:
      case SessionState.Establishing:
        if (this.session instanceof Inviter) await this.session.cancel();
        else await this.session.reject({ statusCode: 480, reasonPhrase: 'Temporarily Unavailable' });
        break;
      case SessionState.Established:
        await this.session.bye();
        break;
      default:
        break;
    }
    this.audio?.close();
  }

  // PlainRtpEndpoint: sip.js asks for descriptions when it sends or receives offers and answers.
  async setRemoteDescription(sdp: string): Promise<void> {
    const remote = parseRemoteAudio(sdp);
    if (!remote || remote.codec === null) throw new Error('no G.711 audio (PCMU or PCMA over RTP/AVP) in the SDP');
    if (this.offerSent) {
      this.offerSent = false; // the phone's answer to our (re-)INVITE; the first one picks the codec
      if (this.sdpVersion === 2) this.codec = remote.codec;
      this.remote = { ...remote, codec: this.codec };
      return;
    }
    if (this.remote && (remote.ip !== this.remote.ip || remote.port !== this.remote.port)) {
      this.log.warn({ from: `${this.remote.ip}:${this.remote.port}`, to: `${remote.ip}:${remote.port}` }, 'phone moved its media in a re-INVITE; RTP stays latched to where it sends from');
    }
    this.pendingOffer = remote;
    this.remote = remote;
    this.phoneOffers++;
  }

  async localDescription(options: { hold?: boolean }): Promise<string> {
    if (!this.audio) throw new Error('no media for this call yet');
    const offer = this.pendingOffer;
    this.pendingOffer = null;
    if (offer) {
      if (this.sdpVersion === 1) this.codec = offer.codec!;
      this.direction = answerDirection(offer.direction, this.direction === 'sendonly' ? 'sendonly' : 'sendrecv');
      await this.phoneDirection(offer.direction);
    } else {
      this.direction = options.hold ? 'sendonly' : 'sendrecv';
      this.offerSent = true;
    }
    return buildLocalSdp({
      ip: this.audio.announcedIp, port: this.audio.port, codec: this.codec, telephoneEvent: this.remote ? this.remote.telephoneEvent : 101,
      direction: this.direction, rtcpMux: this.remote?.rtcpMux ?? false, version: this.sdpVersion++, sessionId: this.sessionId,
    });
  }

  /** The phone held us (sendonly / inactive) or came back (sendrecv). */
  private async phoneDirection(direction: SdpDirection): Promise<void> {
    if (this.sdpVersion === 1) return;
    this.log.info({ direction }, 'phone changed the call direction');
    await (direction === 'sendrecv' ? this.audio?.resume() : this.audio?.hold());
  }

  /** SIP INFO DTMF (application/dtmf-relay "Signal=5" with an optional "Duration=160" in ms, or application/dtmf "5"). */
  private onInfo(info: Info): void {
    const body = info.request.body ?? '';
    const signal = /Signal\s*=\s*([0-9*#A-D])/i.exec(body)?.[1] ?? /^\s*([0-9*#A-D])\s*$/i.exec(body)?.[1];
    const duration = /Duration\s*=\s*(\d{1,5})\b/i.exec(body)?.[1];
    void info.accept().catch((err) => this.log.warn({ err }, 'INFO could not be answered'));
    if (signal) this.emit('dtmf', signal.toUpperCase(), 'info', duration === undefined ? undefined : Number(duration), `info-${info.request.cseq}`);
    else this.log.info({ contentType: info.request.getHeader('Content-Type') }, 'SIP INFO without a DTMF signal ignored');
  }

  private report(cause: SipCallEndCause, detail: string, sipStatus?: number): void {
    if (this.endReported || this.endedLocally) return;
    this.endReported = true;
    this.emit('ended', cause, detail, sipStatus);
  }
}
