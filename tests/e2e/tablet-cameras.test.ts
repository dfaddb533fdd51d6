/**
 * The fire commander's tablet shows the incident's body cameras: Engine 21 is dispatched to a
 * structure fire and its crew turns the camera on; the commander (commander.fire) opens the
 * incident, sees Engine 21's tile decoding, taps it to enlarge it (it then gets a larger
 * simulcast layer), and taps Close to go back. One Chromium with fake media devices.
 */
import { framesRising, mediaSuite, unitVideo } from './bodycam-support';
import { ApiAs, eventually, screenshot, tid, waitForAttribute } from './support';

jest.setTimeout(90_000);

const FIRE = { lat: 30.2762, lon: 120.1680 };

const suite = mediaSuite();

test('the fire commander watches Engine 21\'s body camera on the tablet and enlarges it with a tap', async () => {
  const fire = new ApiAs(suite.server, 'dispatcher.fire');
  const incidentId = await fire.createIncident({
    incidentType: 'structure-fire', priority: 2, ...FIRE, description: 'smoke from the 3rd floor of a warehouse', address: 'Yan\'an Rd 98',
  });
  await fire.command({ type: 'incident.dispatch', incidentId, unitIds: ['E-21'] });
  const crew = await suite.crew('e-21', FIRE);
  const commander = await suite.open('tablet', 'commander.fire');
  const tablet = commander.page;
  const viewer = '__beaconTabletVideo' as const;
  await suite.withEvidence('tablet-cameras', async () => {
    await tablet.getByTestId(`incident-item-${incidentId}`).tap();
    const tile = tablet.getByTestId('camera-tile-E-21');
    await tile.waitFor({ timeout: 15_000 });
    expect(await tile.locator('figcaption').innerText()).toContain('Engine 21');
    expect(await tile.locator('video').evaluate((v: HTMLVideoElement) => v.muted)).toBe(true);
    const small = await framesRising(tablet, 'E-21', 'Engine 21 decoding on the tablet', 15_000, 10, viewer);
    await waitForAttribute(tablet, tid('camera-tile-E-21'), 'data-signal', 'live');
    expect(await tablet.getByTestId('cameras-panel').getAttribute('data-cameras')).toBe('1');
    expect(small.frameWidth).toBeLessThanOrEqual(320);
    await screenshot(tablet, 'tablet-cameras');

    // Tap: the camera fills the screen and asks for the top layer.
    await tile.locator('.camera-video').tap();
    const focus = tablet.getByTestId('camera-focus');
    await focus.waitFor();
    expect(await focus.getAttribute('data-unit-id')).toBe('E-21');
    const big = await eventually('the enlarged camera gets a larger layer', async () => {
      const v = await unitVideo(tablet, 'E-21', viewer);
      return v && v.frameWidth > 320 ? v : undefined;
    }, 20_000);
    console.log(`tablet: enlarged E-21 ${big.frameWidth}x${big.frameHeight}`);
    const box = await tablet.getByTestId('camera-tile-E-21-big').boundingBox();
    expect(box!.width).toBeGreaterThan(900);
    await screenshot(tablet, 'tablet-camera-enlarged');

    // Listening in from the enlarged view, then Close.
    await tablet.getByTestId('camera-listen-E-21').last().tap();
    await waitForAttribute(tablet, tid('camera-tile-E-21-big'), 'data-listening', 'true');
    await tablet.getByTestId('camera-close').tap();
    await focus.waitFor({ state: 'detached' });
    await eventually('back on the small layer', async () => {
      const v = await unitVideo(tablet, 'E-21', viewer);
      return v && v.frameWidth <= 320 ? v : undefined;
    }, 15_000);
    // Tapping the enlarged video itself also goes back.
    await tile.locator('.camera-video').tap();
    await focus.waitFor();
    await tablet.getByTestId('camera-tile-E-21-big').locator('.camera-video').tap();
    await focus.waitFor({ state: 'detached' });
    expect([...commander.errors, ...crew.errors]).toEqual([]);
  });
});
