/**
 * The other phones the SIP bridge calls into a call's room: the party consulted for an
 * attended transfer (the caller is held meanwhile) and conference parties. A consultation
 * completed to a number leaves the caller bridged with that party in the room after the call
 * ended for the command room, until one of them hangs up. What happens goes to the call core
 * as commands (`call.transfer.progress`, `call.party.left`) through the bridge's `report`.
 */
import type { Inviter } from 'sip.js';
import type { Logger } from '../log';
import type { Room } from '../../media/Room';
import { SipCall, type SipMediaListen } from '../../media/sip/SipCall';
import { sipCommandId } from './sip-ids';

/** Why the server called another phone into a call. */
export type PartyRole = 'consult' | 'conference';

/** A phone the server called into a call's room. */
interface PartyLeg {
  number: string;
  role: PartyRole;
  leg: SipCall;
}

/** What the parties need of the bridge that holds the callers' legs. */
export interface PartyHost {
  caller(callId: string): SipCall | undefined;
  /** An INVITE to `number` from the node's user agent; null when it is not started. */
  inviter(number: string): Inviter | null;
  room(callId: string): Room | undefined;
  listen: SipMediaListen;
  log: Logger;
  report(log: Logger, cmd: Record<string, unknown>): Promise<void>;
  /** The far end of a handed-over caller hung up: the caller's leg goes too, the call is released. */
  releaseCaller(callId: string, log: Logger): Promise<void>;
}

export class CallParties {
  /** By call id, then number. */
  private readonly parties = new Map<string, Map<string, PartyLeg>>();
  /**
   * Calls an attended transfer handed to a number: the call ended for the command room, the
   * caller and the party stay bridged in the room until one of them hangs up.
   */
  private readonly handedOver = new Set<string>();

  constructor(private readonly host: PartyHost) {}

  /** The phone called into a call for `number`, if any (consulted or conferenced). */
  leg(callId: string, number: string): SipCall | undefined {
    return this.parties.get(callId)?.get(number)?.leg;
  }

  /**
   * Calls `number` into the call's room: the party consulted for an attended transfer (the
   * caller is held first, so the dispatcher and the party talk alone) or a conference party.
   * The outcome goes to the core: a consultation answered or failed (`call.transfer.progress`),
   * a conference party that could not be reached or hung up (`call.party.left`).
   */
  async call(callId: string, number: string, role: PartyRole): Promise<void> {
    const caller = this.host.caller(callId);
    const inviter = caller && this.host.inviter(number);
    if (!caller || !inviter) return;
    const log = this.host.log.child({ callId, party: number, role });
    const room = this.host.room(callId);
    if (!room) throw new Error(`call ${callId} has no media room on this node`);
    const parties = this.parties.get(callId) ?? new Map<string, PartyLeg>();
    this.parties.set(callId, parties);
    if (parties.has(number)) return;
    if (role === 'consult' && !caller.held) await caller.hold(true);
    const leg = new SipCall(inviter, null, log.child({ sipCallId: inviter.request.callId }));
    const party: PartyLeg = { number, role, leg };
    parties.set(number, party);
    leg.on('ended', (cause, detail) => void this.ended(callId, party, `${cause}: ${detail}`, log));
    // Answered is when the phone's 200 comes, before its first RTP packet (the leg waits for that).
    leg.on('connected', () => {
      log.info('party answered');
      if (party.role !== 'consult') return;
      void this.host.report(log, { type: 'call.transfer.progress', commandId: sipCommandId('consult-answered', leg.sipCallId), callId, outcome: 'answered' });
    });
    try {
      await leg.dial(room, this.host.listen, number);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.info({ err: reason }, 'party not reached');
      await this.ended(callId, party, reason, log);
    }
  }

  /** Attended transfer to an agent: the caller waits on hold while the two agents talk. */
  async holdForConsultation(callId: string): Promise<void> {
    const caller = this.host.caller(callId);
    if (caller && !caller.held) await caller.hold(true);
  }

  /**
   * Completes an attended transfer: the caller comes off hold and, for a number, stays bridged
   * with the consulted party in the room after the dispatcher lets go; for an agent, talks to
   * the agent who takes over.
   */
  async complete(callId: string): Promise<void> {
    const log = this.host.log.child({ callId });
    const consult = this.consulted(callId);
    if (consult) {
      consult.role = 'conference';
      this.handedOver.add(callId);
      log.info({ party: consult.number }, 'attended transfer completed: caller bridged to the party');
    }
    await this.resumeCaller(callId, log);
  }

  /** Drops the consultation (if a phone was consulted) and gives the caller back to the transferor. */
  async cancel(callId: string): Promise<void> {
    const log = this.host.log.child({ callId });
    const consult = this.consulted(callId);
    if (consult) {
      this.parties.get(callId)!.delete(consult.number);
      await consult.leg.hangup().catch((err) => log.warn({ err }, 'the consulted party could not be released'));
    }
    await this.resumeCaller(callId, log);
  }

  /** Hangs up a conference party (removed by the dispatcher). */
  async drop(callId: string, number: string): Promise<void> {
    const party = this.parties.get(callId)?.get(number);
    if (!party) return;
    this.parties.get(callId)!.delete(number);
    await party.leg.hangup();
  }

  /** Hangs up every party of a call (the caller is gone, or a dispatcher hung up). */
  async hangUp(callId: string, log: Logger): Promise<void> {
    const parties = this.parties.get(callId);
    if (!parties) return;
    this.parties.delete(callId);
    for (const p of parties.values()) await p.leg.hangup().catch((err) => log.warn({ err, party: p.number }, 'a party could not be released'));
  }

  /** Forgets a released call's parties (their media goes with the room). */
  forget(callId: string): void {
    this.handedOver.delete(callId);
    for (const p of this.parties.get(callId)?.values() ?? []) p.leg.audio?.close();
    this.parties.delete(callId);
  }

  /** Every party of every call, hung up (the node stops). */
  async stop(): Promise<void> {
    for (const parties of this.parties.values()) for (const p of parties.values()) await p.leg.hangup().catch(() => undefined);
    this.parties.clear();
  }

  private consulted(callId: string): PartyLeg | undefined {
    return [...(this.parties.get(callId)?.values() ?? [])].find((p) => p.role === 'consult');
  }

  /** A party's phone is gone (hung up, refused, not reached): what that means depends on its role. */
  private async ended(callId: string, party: PartyLeg, reason: string, log: Logger): Promise<void> {
    const parties = this.parties.get(callId);
    if (parties?.get(party.number) !== party) return;
    parties.delete(party.number);
    party.leg.audio?.close();
    if (this.handedOver.has(callId)) {
      log.info('the party of a handed-over call hung up; releasing the caller');
      await this.host.releaseCaller(callId, log);
      return;
    }
    const sipReason = reason.slice(0, 200);
    if (party.role === 'consult') {
      await this.resumeCaller(callId, log);
      await this.host.report(log, { type: 'call.transfer.progress', commandId: sipCommandId('consult-failed', party.leg.sipCallId), callId, outcome: 'failed', sipReason });
    } else {
      await this.host.report(log, { type: 'call.party.left', commandId: sipCommandId('party-left', party.leg.sipCallId), callId, number: party.number, sipReason });
    }
  }

  private async resumeCaller(callId: string, log: Logger): Promise<void> {
    const caller = this.host.caller(callId);
    if (caller?.held) await caller.hold(false).catch((err) => log.warn({ err }, 'the caller could not be taken off hold'));
  }
}
