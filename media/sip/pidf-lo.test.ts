/** Caller locations from INVITE bodies: what phones send is read; anything else is refused without a throw escaping. */
import { inviteBody, parsePidfLo, PidfError, splitMultipart } from './pidf-lo';

const point = `<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:a@b"><tuple id="t"><status><gp:geopriv xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10">
<gp:location-info><gml:Point xmlns:gml="http://www.opengis.net/gml" srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>30.25 120.16</gml:pos></gml:Point></gp:location-info>
<gp:method>Cell</gp:method></gp:geopriv></status></tuple></presence>`;

test('a GML point gives lat/lon and the method', () => {
  expect(parsePidfLo(point)).toEqual({ lat: 30.25, lon: 120.16, method: 'Cell' });
});

test('a circle in metres gives its radius; another unit is not guessed at', () => {
  const circle = (uom: string) => `<presence><gs:Circle><gml:pos>-33.9 151.2</gml:pos><gs:radius uom="${uom}">40</gs:radius></gs:Circle></presence>`;
  expect(parsePidfLo(circle('urn:ogc:def:uom:EPSG::9001'))).toEqual({ lat: -33.9, lon: 151.2, radiusM: 40 });
  expect(parsePidfLo(circle('urn:ogc:def:uom:EPSG::9093'))).toEqual({ lat: -33.9, lon: 151.2 });
});

test('garbage, shapes without a position and positions out of range are PidfErrors', () => {
  for (const bad of ['not xml', '<presence></presence>', '<presence><gml:Point><gml:pos>x y</gml:pos></gml:Point></presence>', '<presence><gml:Point><gml:pos>95 10</gml:pos></gml:Point></presence>']) {
    expect(() => parsePidfLo(bad)).toThrow(PidfError);
  }
});

test('a multipart INVITE body gives its SDP and the PIDF-LO part the Geolocation header names', () => {
  const body = ['--XX', 'Content-Type: application/sdp', '', 'v=0', '--XX', 'Content-Type: application/pidf+xml', 'Content-ID: <other@x>', '', '<presence>bad</presence>',
    '--XX', 'Content-Type: application/pidf+xml', 'Content-ID: <loc@x>', '', point, '--XX--', ''].join('\r\n');
  expect(splitMultipart('multipart/mixed; boundary="XX"', body)).toHaveLength(3);
  const read = inviteBody('multipart/mixed;boundary=XX', body, '<cid:loc@x>');
  expect(read).toEqual({ sdp: 'v=0', location: { lat: 30.25, lon: 120.16, method: 'Cell' }, locationError: null });
  expect(inviteBody('multipart/mixed;boundary=XX', body, '<cid:other@x>')).toMatchObject({ sdp: 'v=0', location: null, locationError: expect.stringContaining('Point') });
  expect(inviteBody('application/sdp', 'v=0', null)).toEqual({ sdp: 'v=0', location: null, locationError: null });
  expect(() => inviteBody('multipart/mixed', 'no boundary', null)).toThrow(PidfError);
});
