/**
 * Body-camera video, end to end with real WebRTC: the police dispatcher dispatches Patrol 101,
 * the crew turns on the body camera on the unit page (Chromium's fake camera and microphone),
 * and the dispatcher's console shows the camera's tile on the video wall with frames decoded
 * and audio received through the incident's mediasoup room. A dispatcher of another agency is
 * refused the incident's media. Uses its own Chromium, launched with fake media devices and
 * loopback ICE candidates.
 */
import { TestClient } from '../support/ws-client';
import { mediaSuite, videoStats } from './bodycam-support';
import { ApiAs, eventually, screenshot, tid, waitForAttribute } from './support';

jest.setTimeout(90_000);


const suite = mediaSuite();

test('a crew\'s body camera reaches the dispatcher\'s video wall; another agency may not view it', async () => {
  const police = new ApiAs(suite.server, 'dispatcher.police');
  const incidentId = await police.createIncident({
    incidentType: 'theft', priority: 2, lat: 30.2772, lon: 120.1207, description: 'shop robbery, suspect still on scene', address: '18 Shuguang Rd',
  });
  await police.command({ type: 'incident.dispatch', incidentId, unitIds: ['P-101'] });
  expect(await police.incident(incidentId)).toMatchObject({ units: { 'P-101': { status: 'dispatched' } } });

  const unit = await suite.open('unit', 'p-101', { geolocation: { lat: 30.2772, lon: 120.1207 } });
  const desk = await suite.open('console', 'dispatcher.police');
  await suite.withEvidence('bodycam', async () => {
    // The console has the incident open before the camera starts (a producer.added later).
    await desk.page.getByTestId(`queue-row-${incidentId}`).click();
    await waitForAttribute(desk.page, tid('incident-detail'), 'data-incident-id', incidentId);
    await waitForAttribute(desk.page, tid('slot-video'), 'data-incident-id', incidentId);

    // The crew shares its location and turns the camera on; GPS keeps going.
    await unit.page.getByTestId('gps-toggle').click();
    await waitForAttribute(unit.page, tid('gps-last-sent'), 'data-sent-at', /\d{4}-/, 10_000);
    const toggle = unit.page.getByTestId('camera-toggle');
    await toggle.waitFor();
    expect(await toggle.getAttribute('data-live')).toBe('false');
    const started = Date.now();
    await toggle.click();
    await waitForAttribute(unit.page, tid('camera-toggle'), 'data-live', 'true', 15_000);
    expect(await unit.page.getByTestId('gps-toggle').getAttribute('aria-checked')).toBe('true');

    const tile = desk.page.getByTestId('video-tile-P-101');
    await tile.waitFor({ timeout: 15_000 });
    expect(await tile.locator('video').count()).toBe(1);
    expect(await tile.locator('video').evaluate((v: HTMLVideoElement) => ({ muted: v.muted, autoplay: v.autoplay, playsInline: v.playsInline })))
      .toEqual({ muted: true, autoplay: true, playsInline: true });

    const first = await eventually('frames decoded on the console', async () => {
      const s = await videoStats(desk.page);
      return s && s.framesDecoded > 0 ? s : undefined;
    }, 15_000);
    const firstFrameMs = Date.now() - started;
    const later = await eventually('framesDecoded rising and audio received', async () => {
      const s = await videoStats(desk.page);
      return s && s.framesDecoded > first.framesDecoded + 10 && s.audioBytes > 0 ? s : undefined;
    }, 15_000);
    expect(later.audioBytes).toBeGreaterThan(0);
    const size = await tile.locator('video').evaluate((v: HTMLVideoElement) => ({ w: v.videoWidth, h: v.videoHeight }));
    expect(size.w).toBeGreaterThan(0);
    console.log(`bodycam: camera on → first decoded frame ${firstFrameMs} ms; ${JSON.stringify(later)}; tile video ${size.w}x${size.h}`);
    expect([...desk.errors, ...unit.errors]).toEqual([]);
    await screenshot(desk.page, 'bodycam-console');
    await screenshot(unit.page, 'bodycam-unit');

    // The fire dispatcher asks for the same incident's media over the signalling: refused.
    const fire = await TestClient.connect(suite.server.port, suite.server.token('dispatcher.fire'));
    try {
      const roomId = `incident:${incidentId}`;
      expect(await fire.media({ action: 'router.capabilities', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });
      expect(await fire.media({ action: 'producers.list', roomId })).toMatchObject({ ok: false, code: 'not_authorized' });
      expect(await fire.media({ action: 'transport.create', roomId, direction: 'recv' })).toMatchObject({ ok: false, code: 'not_authorized' });
    } finally {
      await fire.close();
    }
  });
});
