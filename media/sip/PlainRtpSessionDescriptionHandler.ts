/**
 * A sip.js SessionDescriptionHandler for plain RTP/AVP (no WebRTC in Node): it hands the
 * phone's SDP to the call leg and returns the leg's SDP, which describes the leg's mediasoup
 * PlainTransport. Offer or answer is the leg's business (`PlainRtpEndpoint`); sip.js only
 * decides when to ask.
 */
import type { BodyAndContentType, Session, SessionDescriptionHandler, SessionDescriptionHandlerFactory, SessionDescriptionHandlerOptions } from 'sip.js';

/** What the handler asks of a call leg. */
export interface PlainRtpEndpoint {
  /** The phone's offer or answer. Rejects an SDP without usable G.711 audio. */
  setRemoteDescription(sdp: string): Promise<void>;
  /** Our answer to the phone's pending offer, or our new offer (`hold`: a=sendonly). */
  localDescription(options: { hold?: boolean }): Promise<string>;
}

export class PlainRtpSessionDescriptionHandler implements SessionDescriptionHandler {
  constructor(private readonly endpoint: PlainRtpEndpoint) {}

  /** `options` carries `{ hold }` when the leg re-INVITEs (sip.js passes it through untouched). */
  async getDescription(options?: SessionDescriptionHandlerOptions): Promise<BodyAndContentType> {
    return { body: await this.endpoint.localDescription((options ?? {}) as { hold?: boolean }), contentType: 'application/sdp' };
  }

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]!.trim().toLowerCase() === 'application/sdp';
  }

  async setDescription(sdp: string): Promise<void> {
    await this.endpoint.setRemoteDescription(sdp);
  }

  /** DTMF is received, not sent, by the bridge (for now). */
  sendDtmf(): boolean {
    return false;
  }

  close(): void {
    // The leg owns the media and closes it when the call ends.
  }
}

/** The factory for a user agent: each session's leg is its `data` (set before any offer/answer). */
export const plainRtpHandlerFactory: SessionDescriptionHandlerFactory = (session: Session) => {
  const endpoint = session.data as PlainRtpEndpoint | undefined;
  if (!endpoint) throw new Error('no call leg bound to this SIP session');
  return new PlainRtpSessionDescriptionHandler(endpoint);
};
