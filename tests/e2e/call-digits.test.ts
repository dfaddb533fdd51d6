/**
 * The keys a caller pressed, in the call in hand (issue #5 item 7). The SIP bridge is played by
 * the test (`BridgeDouble`): it offers a 110 call and reports `call.dtmf` as the bridge does for
 * SIP INFO and RFC 4733 digits. The police call taker answers with A; nothing shows until a key
 * is pressed, then the digits appear in order, each telling how it came and how long it was
 * held. Screenshots: tests/artifacts/screenshots/call-digits-1920.png and call-digits-1280.png.
 */
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/app';
import { assertClientBuilt, clearFailureScreenshots, launchBrowser, openApp, tid, waitForAttribute, withEvidence, type OpenApp } from './support';
import { BridgeDouble, bothSizes, setReady } from './calls-support';

jest.setTimeout(90_000);

let server: TestServer;
let bridge: BridgeDouble;
let browser: Browser;
let taker: OpenApp;

beforeAll(async () => {
  assertClientBuilt();
  clearFailureScreenshots();
  server = await startTestServer({ env: { MEDIA_ENABLED: 'false' } });
  bridge = new BridgeDouble(server);
  browser = await launchBrowser();
  taker = await openApp(browser, server, 'console', 'calltaker.police');
}, 60_000);

afterAll(async () => {
  await taker?.close().catch(() => {});
  await browser?.close();
  await server?.stop();
}, 60_000);

test('a caller who keys 1 2 # while on the line: the call in hand shows 12# in order, each digit with how it came and how long', async () => {
  const page = taker.page;
  await withEvidence('call-digits', () => [taker], async () => {
    const callId = await bridge.ring('110', '13900139000');
    await setReady(page, true);
    await waitForAttribute(page, tid('call-offer'), 'data-call-id', callId);
    await page.keyboard.press('a');
    const inHand = `${tid('active-call')}[data-call-id="${callId}"]`;
    await waitForAttribute(page, inHand, 'data-state', 'answered', 10_000);
    expect(await page.locator(`${inHand} ${tid('call-digits')}`).count()).toBe(0);

    await bridge.send({ type: 'call.dtmf', callId, digit: '1', via: 'info', durationMs: 250 });
    await bridge.send({ type: 'call.dtmf', callId, digit: '2', via: 'info' });
    await bridge.send({ type: 'call.dtmf', callId, digit: '#', via: 'rfc4733', durationMs: 100 });
    await waitForAttribute(page, `${inHand} ${tid('call-digits')}`, 'data-digits', '12#', 10_000);
    const digits = page.locator(`${inHand} ${tid('call-digits')} [data-via]`);
    expect(await digits.allInnerTexts()).toEqual(['1', '2', '#']);
    expect(await digits.evaluateAll((els) => els.map((e) => e.getAttribute('title')))).toEqual(['SIP INFO, 250 ms', 'SIP INFO', 'tone in the audio (RFC 4733), 100 ms']);
    await bothSizes(page, 'call-digits');

    await bridge.hangUp(callId);
    await page.locator(inHand).waitFor({ state: 'detached', timeout: 10_000 });
  });
});
