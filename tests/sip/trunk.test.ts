/**
 * The trunk to the outside world (SIP_TRUNK: a PBX or PSTN gateway, played by sipp on
 * 127.0.0.2): a dispatcher's call to a number no phone registered goes out through it and
 * talks through mediasoup; a caller coming in from the trunk dials 110 without a digest (the
 * trunk's address is trusted) and queues like any caller; a number nobody registered still
 * gets 404 from the edge for phones that are not a server node.
 */
import { PhoneAudio, runCallee } from './phone';
import { runCaller } from './caller';
import { talkBothWays } from './call-room';
import { sipSuite } from './suite';
import { until } from '../support/until';
import { freePort } from '../../media/sip/free-port';
import { udpPortFree } from '../../media/udp-ports';

const TRUNK_IP = '127.0.0.2';
let trunkPort = 0;
const suite = sipSuite(async () => {
  trunkPort = await freePort(TRUNK_IP, { udp: true });
  return { SIP_TRUNK: `${TRUNK_IP}:${trunkPort}` };
});
const { opened, callView, queuedCall } = suite;

test('a dispatcher calls an outside number: the edge sends it to the trunk, which answers; audio flows both ways and the hang-up reaches it', async () => {
  const audio = await PhoneAudio.open();
  opened.push(audio);
  const trunk = runCallee(trunkPort, audio.port, 40_000, TRUNK_IP);
  await until('the trunk listening', async () => !(await udpPortFree(TRUNK_IP, trunkPort)), 5_000);
  const { createdId } = await suite.taker.ok({ type: 'call.dial', number: '87001234' });
  const callId = createdId!;
  await until('the outside number answered', async () => (await callView(callId)).state === 'answered', 15_000);
  const leg = suite.server.app.sipBridge!.leg(callId)!;
  await talkBothWays(suite.server, callId, audio, opened, 40, 25);
  await suite.taker.ok({ type: 'call.hangup', callId });
  const result = await trunk;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  expect(result.log.find((l) => l.includes('offered='))).toContain(`offered=${leg.audio!.port}`);
}, 60_000);

test('a caller from the trunk dials 110 without a digest (the trunk is trusted), queues for police and is answered', async () => {
  await suite.taker.ok({ type: 'call.agent.ready' });
  const audio = await PhoneAudio.open();
  opened.push(audio);
  const run = runCaller({
    sipPort: suite.server.app.sip.edge.sipPort, line: '110', user: '02151234567', password: 'unused', domain: 'beacon.local', rtpPort: audio.port,
    body: 'sdp', ending: 'answer', talkMs: 500, trusted: true, localIp: TRUNK_IP,
  });
  const callId = await queuedCall('02151234567');
  expect(await callView(callId)).toMatchObject({ line: '110', agencyId: 'police', direction: 'inbound' });
  await until('the call offered', async () => (await callView(callId)).offer?.username === 'calltaker.police', 10_000);
  await suite.taker.ok({ type: 'call.answer', callId });
  const result = await run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  await until('the call ended by the caller', async () => (await callView(callId)).state === 'ended', 10_000);
}, 60_000);
