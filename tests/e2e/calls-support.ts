/**
 * Support for the console's call stories: a stand-in for the SIP bridge (what Kamailio and
 * sip.js will report, sent as the system actor through the server's own command pipeline,
 * as `server/calls/bridge.ts` expects), the seat's readiness through the calls panel, and
 * screenshots at the command room's screen and a laptop's.
 */
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../server/auth/users';
import type { Command } from '../../server/protocol';
import type { CallView } from '../../server/calls/kind';
import type { TestServer } from '../support/app';
import type { CallAudioStats } from '../../client/src/lib/callAudio';
import { eventually, screenshot, tid, waitForAttribute } from './support';

/** A PIDF-LO location as the bridge reads it from an INVITE. */
export interface PidfLocation { lat: number; lon: number; radiusM?: number; method?: string }

/** What the SIP bridge reports, for one test server. */
export class BridgeDouble {
  constructor(private readonly server: TestServer) {}

  /** Sends a bridge command (`call.offered`, `call.ended`...) through the pipeline, as the system. */
  async send(cmd: Record<string, unknown>): Promise<string | null> {
    const result = await this.server.app.services.execute(SYSTEM_ACTOR, { ...cmd, commandId: randomUUID().replaceAll('-', '') } as Command);
    return result.createdId;
  }

  /** An INVITE to a line, optionally with the phone's location; the new call's id. */
  async ring(line: string, callerNumber: string, location?: PidfLocation): Promise<string> {
    return (await this.send({ type: 'call.offered', sipCallId: `${randomUUID()}@edge`, callerNumber, line, location }))!;
  }

  /** BYE (hangup) or CANCEL (before an answer) from the caller. */
  async hangUp(callId: string, cause: 'hangup' | 'cancel' = 'hangup'): Promise<void> {
    await this.send({ type: 'call.ended', callId, cause, ...(cause === 'cancel' ? { sipStatus: 487 } : {}) });
  }

  /** The call as the server holds it. */
  async call(callId: string): Promise<CallView> {
    return (await this.server.app.pipeline.load('call', callId))!.view as unknown as CallView;
  }
}

/** Ready or away for the ACD, through the panel's toggle (whatever the seat was before). */
export async function setReady(page: Page, ready: boolean): Promise<void> {
  const want = ready ? 'ready' : 'away';
  if ((await page.getByTestId('calls-panel').getAttribute('data-agent-state')) !== want) await page.getByTestId('agent-toggle').click();
  await waitForAttribute(page, tid('calls-panel'), 'data-agent-state', want);
}

/** Screenshots `<name>-1920` and `<name>-1280` (1280×800), back at 1920×1080 after. */
export async function bothSizes(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-1920`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(300);
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: 1920, height: 1080 });
}

/** Css selector of a waiting caller's row in the calls panel. */
export const callRow = (callId: string) => `${tid('call-row')}[data-call-id="${callId}"]`;

/** The call in hand's audio statistics on the page (null while it is not playing). */
export const audioStats = (page: Page): Promise<CallAudioStats | null> => page.evaluate(() => window.__beaconCallAudio?.stats() ?? null);

/** Waits until the browser has received `n` more phone packets and sent `n` more microphone packets than `from`. */
export async function bothWaysRising(page: Page, from: CallAudioStats | null, n: number, what: string): Promise<CallAudioStats> {
  return eventually(what, async () => {
    const s = await audioStats(page);
    return s && s.packetsReceived >= (from?.packetsReceived ?? 0) + n && s.packetsSent >= (from?.packetsSent ?? 0) + n ? s : null;
  }, 15_000);
}
