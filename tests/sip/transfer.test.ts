/**
 * A dispatcher's own calls out and the hand-overs that need the server to call a second phone
 * (issue #5): a call taker dials a registered field phone (sipp UAS) and talks to it through
 * mediasoup; an attended transfer holds the caller, calls the field phone into the call's room
 * for a consultation, and on completion bridges the caller to it (RTP counted at both phones)
 * until the caller's BYE, which the field phone then gets too; a consultation nobody answers
 * gives the caller back to the call taker, off hold; a conference with the caller, the call
 * taker and a field phone gives each phone the mix of the other two (a tone per party, found
 * in what each phone hears). Real sipp peers through Kamailio.
 */
import { until } from '../support/until';
import { runCaller, type CallerScript } from './caller';
import { sippRegister } from './peers';
import { PhoneAudio, runCallee } from './phone';
import { dispatcherMicrophone, talkBothWays } from './call-room';
import { sipSuite } from './suite';
import { freePort } from '../../media/sip/free-port';
import { udpPortFree } from '../../media/udp-ports';
import { Tone, tonesIn } from '../support/tones';

const suite = sipSuite();
const { opened, callView, boardOf } = suite;

beforeAll(async () => {
  await suite.taker.ok({ type: 'call.agent.ready' });
});

/** The SIP user of a police unit's phone (demo accounts: the unit id in lower case). */
const fieldPhone = () => suite.server.app.city.seed.units.find((u) => u.agencyId === 'police')!.id.toLowerCase();

/** A field phone registered at the edge that answers one INVITE (its RTP socket counts what it hears). */
async function registeredPhone(user: string) {
  const sipPort = await freePort('127.0.0.1', { udp: true });
  expect(await sippRegister({ port: suite.server.app.sip.edge.sipPort, domain: 'beacon.local', user, password: 'beacon', localPort: sipPort })).toBe(200);
  const audio = await PhoneAudio.open();
  opened.push(audio);
  const run = runCallee(sipPort, audio.port, 60_000);
  await until(`${user}'s sipp listening`, async () => !(await udpPortFree('127.0.0.1', sipPort)), 5_000);
  return { audio, run };
}

/** A 110 caller answered by the call taker; its sipp takes `reinvites` re-INVITEs, then hangs up after `talkMs`. */
async function answeredCaller(user: string, reinvites: number, talkMs: number) {
  const audio = await PhoneAudio.open();
  opened.push(audio);
  const script: CallerScript = {
    sipPort: suite.server.app.sip.edge.sipPort, line: '110', user, password: 'beacon', domain: 'beacon.local', rtpPort: audio.port, body: 'sdp',
    ending: 'answer', reinvites, talkMs,
  };
  const run = runCaller(script, 60_000);
  let callId = '';
  await until(`${user}'s call offered to the call taker`, async () => {
    callId = (await boardOf()).waiting.find((w) => w.callerNumber === user)?.callId ?? '';
    return callId !== '' && (await callView(callId)).offer?.username === 'calltaker.police';
  }, 15_000);
  await suite.taker.ok({ type: 'call.answer', callId });
  await until('answered on SIP', async () => suite.server.app.sipBridge!.leg(callId)?.state === 'Established', 10_000);
  const leg = suite.server.app.sipBridge!.leg(callId)!;
  await audio.send(leg.audio!.port, 5); // latches the phone's stream
  await until('the caller\'s producer', async () => leg.audio!.producerId !== null, 5_000);
  return { audio, run, callId, leg };
}

test('a call taker dials a registered field phone: it rings, answers, audio flows both ways through mediasoup, and the hang-up sends it a BYE', async () => {
  const number = fieldPhone();
  const phone = await registeredPhone(number);
  const { createdId } = await suite.taker.ok({ type: 'call.dial', number });
  const callId = createdId!;
  expect(await callView(callId)).toMatchObject({ direction: 'outbound', callerNumber: number, line: '110', agent: { username: 'calltaker.police' } });
  await until('the field phone answered', async () => (await callView(callId)).state === 'answered', 15_000);
  await talkBothWays(suite.server, callId, phone.audio, opened, 40, 25);
  await suite.taker.ok({ type: 'call.hangup', callId });
  const result = await phone.run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
  expect(await callView(callId)).toMatchObject({ state: 'ended', outcome: 'completed', endedBy: 'agent' });
}, 90_000);

test('a dispatcher\'s call to a number nobody answers ends unanswered, with the SIP reason', async () => {
  const { createdId } = await suite.taker.ok({ type: 'call.dial', number: 'nobody.here' });
  await until('the call ended', async () => (await callView(createdId!)).state === 'ended', 15_000);
  expect(await callView(createdId!)).toMatchObject({ outcome: 'no_answer', endedBy: 'system', endReason: expect.stringMatching(/failure 4\d\d/) });
  await expect(suite.taker.ok({ type: 'call.dial', number: 'not a number!' })).rejects.toThrow(/phone number/);
  await expect(suite.taker.ok({ type: 'call.dial', number: '2001', line: '119' })).rejects.toThrow(/not a line of agency police/);
}, 30_000);

test('an attended transfer to a field phone: the caller is held, the phone is consulted, completing bridges the caller to it, and the caller\'s BYE reaches the phone', async () => {
  const number = fieldPhone();
  const phone = await registeredPhone(number);
  // Re-INVITEs: hold for the consultation, resume on completion; then the caller talks and hangs up.
  const caller = await answeredCaller('caller.1', 2, 5000);
  await suite.taker.ok({ type: 'call.transfer', callId: caller.callId, mode: 'attended', to: { number } });
  await until('the consultation answered', async () => (await callView(caller.callId)).transfer?.targetAnsweredAt != null, 15_000);
  expect(caller.leg.held).toBe(true);
  const party = suite.server.app.sipBridge!.parties.leg(caller.callId, number)!;
  await phone.audio.send(party.audio!.port, 5);
  await until('the party\'s producer', async () => party.audio!.producerId !== null, 5_000);
  // While consulting, the held caller hears nothing of the party, and the party nothing of the caller.
  const heardBefore = { caller: caller.audio.received, party: phone.audio.received };
  await Promise.all([caller.audio.send(caller.leg.audio!.port, 15), phone.audio.send(party.audio!.port, 15)]);
  expect(caller.audio.received - heardBefore.caller).toBeLessThan(3);
  expect(phone.audio.received - heardBefore.party).toBeLessThan(3);
  await suite.taker.ok({ type: 'call.transfer.complete', callId: caller.callId });
  await until('the call handed over', async () => (await callView(caller.callId)).state === 'ended', 10_000);
  expect(await callView(caller.callId)).toMatchObject({ outcome: 'transferred' });
  await until('the caller off hold', async () => !caller.leg.held, 10_000);
  const before = { caller: caller.audio.received, party: phone.audio.received };
  await Promise.all([caller.audio.send(caller.leg.audio!.port, 50), phone.audio.send(party.audio!.port, 50)]);
  await until('the caller and the phone hear each other', async () =>
    caller.audio.received - before.caller >= 30 && phone.audio.received - before.party >= 30, 5_000);
  const [callerRun, phoneRun] = await Promise.all([caller.run, phone.run]);
  expect(callerRun.code === 0 ? 0 : callerRun.out).toBe(0);
  expect(phoneRun.code === 0 ? 0 : phoneRun.out).toBe(0);
  await until('the room closed', async () => suite.server.app.media.room(`call:${caller.callId}`) === undefined, 10_000);
}, 120_000);

test('a consultation nobody answers gives the caller back to the call taker, off hold', async () => {
  const caller = await answeredCaller('caller.2', 2, 1000);
  await suite.taker.ok({ type: 'call.transfer', callId: caller.callId, mode: 'attended', to: { number: 'nobody.here' } });
  await until('back with the call taker', async () => (await callView(caller.callId)).state === 'answered', 15_000);
  await until('the caller off hold', async () => !caller.leg.held, 10_000);
  const call = await callView(caller.callId);
  expect(call.agent?.username).toBe('calltaker.police');
  expect(call.transfer).toBeNull();
  const result = await caller.run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
}, 60_000);

test('a conference: the call taker adds a field phone; each phone hears the other two mixed (its own voice left out), and removing the phone hangs it up', async () => {
  const number = fieldPhone();
  const phone = await registeredPhone(number);
  const caller = await answeredCaller('caller.3', 0, 12_000);
  const tones = { caller: new Tone(440), taker: new Tone(1000), party: new Tone(1800) };
  const mic = await dispatcherMicrophone(suite.server, caller.callId, opened, tones.taker);
  await suite.taker.ok({ type: 'call.conference.add', callId: caller.callId, to: { number } });
  await until('the party answered', async () => suite.server.app.sipBridge!.parties.leg(caller.callId, number)?.state === 'Established', 15_000);
  const party = suite.server.app.sipBridge!.parties.leg(caller.callId, number)!;
  expect((await callView(caller.callId)).state).toBe('conferenced');
  let talking = true;
  const talk = Promise.all([
    (async () => { while (talking) await caller.audio.send(caller.leg.audio!.port, 5, { tone: tones.caller }); })(),
    (async () => { while (talking) await phone.audio.send(party.audio!.port, 5, { tone: tones.party }); })(),
    (async () => { while (talking) await mic.send(5); })(),
  ]);
  try {
    await until('both phones on the conference mix', async () => caller.leg.audio!.mixing && party.audio!.mixing, 10_000);
    const heardAt = { caller: caller.audio.received, party: phone.audio.received };
    await until('a second of the mix at both phones', async () => caller.audio.received >= heardAt.caller + 60 && phone.audio.received >= heardAt.party + 60, 10_000);
    const all = [440, 1000, 1800];
    // One stream to each phone: its mix (two copies of a stream would also cancel tones out).
    expect([caller.audio.streams(50), phone.audio.streams(50)]).toEqual([1, 1]);
    expect(tonesIn(caller.audio.signal(50), all)).toEqual([1000, 1800]);
    expect(tonesIn(phone.audio.signal(50), all)).toEqual([440, 1000]);
    await suite.taker.ok({ type: 'call.conference.remove', callId: caller.callId, to: { number } });
    const partyRun = await phone.run;
    expect(partyRun.code === 0 ? 0 : partyRun.out).toBe(0);
    await until('back to two voices', async () => (await callView(caller.callId)).state === 'answered' && !caller.leg.audio!.mixing, 10_000);
    const back = caller.audio.received;
    await until('the caller hears the call taker directly', async () => caller.audio.received >= back + 50, 10_000);
    expect(tonesIn(caller.audio.signal(40), all)).toEqual([1000]);
  } finally {
    talking = false;
    await talk;
  }
  const result = await caller.run;
  expect(result.code === 0 ? 0 : result.out).toBe(0);
}, 120_000);
