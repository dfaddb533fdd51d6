/**
 * Instant recall and call recordings in the console (issue #5 item 6): a real SIP caller (sipp
 * through the server's Kamailio) dials 110 and its phone talks G.711; the police call taker in
 * Debian's Chromium answers with A. While the call is up, R replays the last seconds from the
 * browser's own buffer: the replay element plays (its time advances, no error) while the live
 * audio keeps arriving. After Hang up, the call is in the recent calls with the caller's leg and
 * the call taker's own, stored on the server; Play on the caller's leg asks for a logged
 * playback and the `<audio>` plays the WAV. Screenshot: tests/artifacts/screenshots/call-recall-1920.png
 * and call-recall-1280.png.
 */
import type { Browser } from 'playwright-core';
import type { CallView } from '../../server/calls/kind';
import type { CallAudioStats } from '../../client/src/lib/callAudio';
import { startTestServer, type TestServer } from '../support/app';
import { callerWaitingForBye, runCaller, type CallerScript } from '../sip/caller';
import { PhoneAudio } from '../sip/phone';
import { launchMediaBrowser } from './bodycam-support';
import { bothSizes, setReady } from './calls-support';
import { assertClientBuilt, clearFailureScreenshots, eventually, openApp, tid, waitForAttribute, withEvidence, type OpenApp } from './support';

jest.setTimeout(150_000);

let server: TestServer;
let browser: Browser;
let taker: OpenApp;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  assertClientBuilt();
  clearFailureScreenshots();
  server = await startTestServer({ env: { SIP_ENABLED: 'true' } });
  expect(await server.app.sipBridge!.whenRegistered(10_000)).toBe(true);
  browser = await launchMediaBrowser();
  taker = await openApp(browser, server, 'console', 'calltaker.police');
}, 60_000);

afterAll(async () => {
  for (const o of opened) o.close();
  await taker?.close().catch(() => {});
  await browser?.close();
  await server?.stop();
}, 60_000);

const waitsForBye = (s: CallerScript) => callerWaitingForBye(s, 120_000);

const callView = async (id: string) => (await server.app.pipeline.load('call', id))!.view as unknown as CallView;

test('R replays the last seconds of the call in hand while it stays live, and after Hang up the stored legs play from the recent calls', async () => {
  const page = taker.page;
  const phone = await PhoneAudio.open();
  opened.push(phone);
  const s: CallerScript = {
    sipPort: server.app.sip.edge.sipPort, line: '110', user: 'caller.1', password: 'beacon', domain: 'beacon.local', rtpPort: phone.port, body: 'sdp', ending: 'answer',
  };
  const run = runCaller(s, 120_000, waitsForBye(s));
  let talking = true;
  let talk: Promise<void> = Promise.resolve();
  await withEvidence('call-recall', () => [taker], async () => {
    try {
      await setReady(page, true);
      await page.waitForSelector(tid('call-answer'), { timeout: 15_000 });
      const callId = (await page.getByTestId('call-offer').getAttribute('data-call-id'))!;
      await page.keyboard.press('a');
      await waitForAttribute(page, `${tid('active-call')}[data-call-id="${callId}"]`, 'data-state', 'answered', 10_000);
      const leg = server.app.sipBridge!.leg(callId)!;
      await eventually('the answer with the leg\'s RTP port', () => leg.audio !== null, 10_000);
      talk = (async () => { while (talking) await phone.send(leg.audio!.port, 10); })();
      await waitForAttribute(page, tid('call-audio'), 'data-audio-state', 'live', 15_000);

      // The browser buffers what it hears; R replays it.
      await eventually('two seconds of the call buffered for recall', async () =>
        (await page.evaluate(() => window.__beaconRecall?.bufferedSeconds() ?? 0)) >= 2, 15_000);
      const liveBefore = (await page.evaluate(() => window.__beaconCallAudio!.stats())) as CallAudioStats;
      await page.keyboard.press('r');
      await waitForAttribute(page, tid('call-recall'), 'data-replay-state', 'playing', 5_000);
      const replay = await eventually('the replay playing', async () => {
        const r = await page.evaluate(() => {
          const el = document.querySelector<HTMLAudioElement>('[data-testid="call-replay-audio"]');
          return el ? { t: el.currentTime, d: el.duration, error: el.error?.message ?? null, paused: el.paused } : null;
        });
        return r && r.t > 0.5 ? r : null;
      }, 10_000);
      expect(replay.error).toBeNull();
      expect(replay.paused).toBe(false);
      expect(replay.d).toBeGreaterThanOrEqual(2);
      expect(replay.d).toBeLessThanOrEqual(30.5);
      // The call is still live under the replay: the caller's packets keep coming, its audio element still plays.
      await eventually('live audio during the replay', async () => {
        const now = (await page.evaluate(() => window.__beaconCallAudio!.stats())) as CallAudioStats;
        return now.packetsReceived >= liveBefore.packetsReceived + 25 && now.remoteTracks === 1;
      }, 10_000);
      expect(await page.getByTestId('call-audio').getAttribute('data-audio-state')).toBe('live');
      expect(await page.evaluate(() => (document.querySelector<HTMLAudioElement>('[data-testid="call-audio-out"]')!.srcObject as MediaStream).getAudioTracks().length)).toBe(1);
      await bothSizes(page, 'call-recall');

      // Hang up: the BYE reaches the phone, the legs are stored, and the recent calls list them.
      await page.getByTestId('call-hangup').click();
      const result = await run;
      expect(result.log.join('\n')).toContain('bye-received');
      talking = false;
      const stored = await eventually('the caller\'s and the call taker\'s legs stored', async () => {
        const recs = (await callView(callId)).recordings;
        return recs.length === 2 && recs.every((r) => r.state === 'stored') ? recs : null;
      }, 30_000);
      expect(stored.map((r) => r.source).sort()).toEqual(['agent:calltaker.police', 'caller']);
      const caller = stored.find((r) => r.source === 'caller')!;
      const recent = page.locator(`${tid('recent-call')}[data-call-id="${callId}"]`);
      await recent.getByTestId(`recording-play-${caller.id}`).click({ timeout: 15_000 });
      const played = await eventually('the caller\'s leg playing', async () => {
        const r = await page.evaluate((id) => {
          const el = document.querySelector<HTMLAudioElement>(`[data-testid="recording-player-${id}"]`);
          return el ? { t: el.currentTime, error: el.error?.message ?? null, tag: el.tagName } : null;
        }, caller.id);
        return r && r.t > 0.3 ? r : null;
      }, 10_000);
      expect(played).toMatchObject({ error: null, tag: 'AUDIO' });
      await expect(recent.getByTestId(`recording-${stored.find((r) => r.source !== 'caller')!.id}`).textContent()).resolves.toContain('You');
      // The playback is in the call's access log, beside the live listening.
      const log = await (await fetch(`http://127.0.0.1:${server.port}/api/v1/calls/${callId}/media-access`, {
        headers: { authorization: `Bearer ${server.token('supervisor.police')}` },
      })).json() as { views: { mode: string; viewerUsername: string; streams: { streamId: string }[] }[] };
      expect(log.views).toEqual(expect.arrayContaining([
        expect.objectContaining({ mode: 'live', viewerUsername: 'calltaker.police' }),
        expect.objectContaining({ mode: 'recording', viewerUsername: 'calltaker.police', streams: [expect.objectContaining({ streamId: caller.id })] }),
      ]));
      expect(taker.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
    } finally {
      talking = false;
      await talk;
    }
  });
});
