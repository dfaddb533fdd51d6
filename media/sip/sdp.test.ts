/** Plain RTP/AVP offers and answers for G.711 phones. */
import { answerDirection, buildLocalSdp, parseRemoteAudio } from './sdp';

const offer = (extra: string[] = [], m = 'm=audio 4000 RTP/AVP 8 0 101') =>
  ['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', m, 'a=rtpmap:101 telephone-event/8000', ...extra].join('\r\n');

test("a phone's offer: address, port, its first G.711 codec, telephone-event, direction, rtcp-mux", () => {
  expect(parseRemoteAudio(offer())).toEqual({ ip: '10.0.0.5', port: 4000, codec: 'PCMA', telephoneEvent: 101, direction: 'sendrecv', rtcpMux: false });
  expect(parseRemoteAudio(offer(['a=sendonly', 'a=rtcp-mux']))).toMatchObject({ direction: 'sendonly', rtcpMux: true });
  expect(parseRemoteAudio(offer([], 'm=audio 4000 RTP/AVP 18'))).toMatchObject({ codec: null });
  expect(parseRemoteAudio(offer([], 'm=audio 0 RTP/AVP 0'))).toBeNull();
  expect(parseRemoteAudio('v=0\r\nm=video 5000 RTP/AVP 96')).toBeNull();
});

test('answer directions mirror the offer (a held caller is answered recvonly)', () => {
  expect(answerDirection('sendonly')).toBe('recvonly');
  expect(answerDirection('recvonly')).toBe('sendonly');
  expect(answerDirection('inactive')).toBe('inactive');
  expect(answerDirection('sendrecv', 'sendonly')).toBe('sendonly');
});

test('our SDP names the PlainTransport, one codec, telephone-event and RTCP on the RTP port', () => {
  const sdp = buildLocalSdp({ ip: '192.0.2.1', port: 40002, codec: 'PCMU', telephoneEvent: 101, direction: 'sendonly', rtcpMux: false, version: 2, sessionId: 7 });
  expect(sdp).toContain('c=IN IP4 192.0.2.1\r\n');
  expect(sdp).toContain('m=audio 40002 RTP/AVP 0 101\r\n');
  expect(sdp).toContain('a=rtcp:40002\r\n');
  expect(sdp).toContain('a=sendonly\r\n');
  expect(sdp).toContain('o=beacon 7 2 IN IP4');
});

test("telephone-event is answered with the phone's own payload type and the DTMF events 0-16 (RFC 4733 §2.4)", () => {
  const phone = parseRemoteAudio(offer([], 'm=audio 4000 RTP/AVP 0 96').replace('a=rtpmap:101 telephone-event/8000', 'a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15'));
  expect(phone).toMatchObject({ codec: 'PCMU', telephoneEvent: 96 });
  const sdp = buildLocalSdp({ ip: '192.0.2.1', port: 40002, codec: 'PCMU', telephoneEvent: phone!.telephoneEvent, direction: 'sendrecv', rtcpMux: true, version: 1, sessionId: 7 });
  expect(sdp).toContain('m=audio 40002 RTP/AVP 0 96\r\n');
  expect(sdp).toContain('a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n');
  // Only the 8 kHz events ride with G.711; a phone without them is answered without.
  expect(parseRemoteAudio(offer([], 'm=audio 4000 RTP/AVP 0 101').replace('telephone-event/8000', 'telephone-event/48000'))).toMatchObject({ telephoneEvent: null });
  const plain = buildLocalSdp({ ip: '192.0.2.1', port: 40002, codec: 'PCMU', telephoneEvent: null, direction: 'sendrecv', rtcpMux: true, version: 1, sessionId: 7 });
  expect(plain).toContain('m=audio 40002 RTP/AVP 0\r\n');
  expect(plain).not.toContain('telephone-event');
});
