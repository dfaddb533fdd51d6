/**
 * Command ids for what the SIP bridge reports once per SIP dialog (or once per event of one):
 * derived from the SIP Call-ID, so a retransmission or a second report is applied once.
 */
import { createHash } from 'node:crypto';

export const sipCommandId = (what: string, sipCallId: string) => `sip-${what}-${createHash('sha256').update(sipCallId).digest('hex').slice(0, 40)}`;
