/**
 * The CAD command line as a dispatcher types it. (jest's default roots do not include
 * client/: run with `npx jest --roots '<rootDir>/client' client/src/console`.)
 */
import { demoCity } from '../../../../config/seed/demo-city';
import { CityIndex } from '../city';
import { remainingNeeds, unitsToDispatch } from '../detail/needs';
import { complete } from './complete';
import { parseCommand, type ParseContext } from './parse';

const { users: _users, ...cityData } = demoCity;
const city = new CityIndex(cityData);

function context(selectedIncidentId: string | null = null, agencyId = 'police'): ParseContext {
  const units = new Map<string, string>();
  for (const u of city.unitSeeds.values()) {
    units.set(u.id.toLowerCase(), u.id);
    units.set(u.callsign.replace(/\s+/g, '').toLowerCase(), u.id);
  }
  return {
    city, selectedIncidentId, actorAgencyId: agencyId,
    resolveUnit: (t) => units.get(t.toLowerCase()) ?? null,
    resolveIncident: (t) => (/^inc-/i.test(t) ? t.toUpperCase() : null),
  };
}

describe('CAD command line', () => {
  it('creates an incident at typed coordinates for the agency that handles its type', () => {
    const r = parseCommand('new structure-fire P1 30.25,120.16 smoke from the third floor', context());
    expect(r).toEqual({
      ok: true, describe: 'new structure-fire P1',
      input: {
        type: 'incident.create', incidentType: 'structure-fire', priority: 1, location: { lat: 30.25, lon: 120.16 },
        address: undefined, description: 'smoke from the third floor', agencyId: 'fire',
      },
    });
  });

  it('creates an incident at the midpoint of a street named with @, even a name of several words', () => {
    const r = parseCommand('new theft 2 @beishan road bicycle taken', context());
    if (!r.ok || r.input.type !== 'incident.create') throw new Error(JSON.stringify(r));
    expect(r.input.address).toBe('Beishan Road');
    expect(r.input.description).toBe('bicycle taken');
    expect(r.input.location.lat).toBeGreaterThan(30);
    expect(r.input.agencyId).toBe('police');
  });

  it('refuses a priority out of range and an unknown street, saying why', () => {
    expect(parseCommand('new theft P7 30.2,120.1 x', context())).toMatchObject({ ok: false, error: expect.stringContaining('1 to 4') });
    expect(parseCommand('new theft P2 @Nowhere Lane x', context())).toMatchObject({ ok: false, error: expect.stringContaining('Nowhere') });
  });

  it('dispatches several units, by id or callsign, to the named or the selected incident', () => {
    expect(parseCommand('d P-101,patrol102 INC-1', context())).toMatchObject({
      ok: true, input: { type: 'incident.dispatch', incidentId: 'INC-1', unitIds: ['P-101', 'P-102'] },
    });
    expect(parseCommand('d P-101', context('INC-9'))).toMatchObject({ ok: true, input: { incidentId: 'INC-9', unitIds: ['P-101'] } });
    expect(parseCommand('d P-101', context())).toMatchObject({ ok: false, error: expect.stringContaining('No incident selected') });
    expect(parseCommand('d X-1', context('INC-9'))).toMatchObject({ ok: false, error: 'Unknown unit X-1' });
  });

  it('sets a unit status; out of service needs a reason', () => {
    expect(parseCommand('st p-101 on_scene', context())).toMatchObject({ ok: true, input: { type: 'unit.status', unitId: 'P-101', status: 'on_scene' } });
    expect(parseCommand('st P-101 out_of_service', context())).toMatchObject({ ok: false });
    expect(parseCommand('st P-101 out_of_service flat tyre', context())).toMatchObject({ ok: true, input: { reason: 'flat tyre' } });
    expect(parseCommand('st P-101 parked', context())).toMatchObject({ ok: false, error: expect.stringContaining('Unknown status') });
  });

  it('acknowledges for a unit, notes, closes and changes priority', () => {
    expect(parseCommand('ack P-101', context())).toMatchObject({ ok: true, input: { type: 'unit.acknowledge', unitId: 'P-101' } });
    expect(parseCommand('note caller called back', context('INC-2'))).toMatchObject({ ok: true, input: { type: 'incident.note', incidentId: 'INC-2', text: 'caller called back' } });
    expect(parseCommand('note INC-3 two casualties', context('INC-2'))).toMatchObject({ ok: true, input: { incidentId: 'INC-3', text: 'two casualties' } });
    expect(parseCommand('close report taken', context('INC-2'))).toMatchObject({ ok: true, input: { type: 'incident.close', disposition: 'report taken' } });
    expect(parseCommand('p INC-2 1 weapon seen', context())).toMatchObject({ ok: true, input: { type: 'incident.priority', priority: 1, reason: 'weapon seen' } });
  });

  it('tells an unknown verb apart', () => {
    expect(parseCommand('launch P-101', context())).toMatchObject({ ok: false, error: expect.stringContaining('Unknown command') });
  });
});

describe('Tab completion', () => {
  const src = {
    city,
    units: () => [{ id: 'P-101', hint: '' }, { id: 'P-102', hint: '' }, { id: 'E-21', hint: '' }],
    incidents: () => [{ id: 'INC-1', hint: '' }],
  };
  it('completes verbs, then units, then incidents, after a comma too', () => {
    expect(complete('cl', 2, src).suggestions.map((s) => s.value)).toEqual(['close']);
    expect(complete('d P-10', 6, src).suggestions.map((s) => s.value)).toEqual(['P-101', 'P-102']);
    expect(complete('d P-101,E', 9, src)).toMatchObject({ start: 8, suggestions: [{ value: 'E-21' }] });
    expect(complete('d P-101 IN', 10, src).suggestions.map((s) => s.value)).toEqual(['INC-1']);
  });
  it('completes street names of several words after @', () => {
    const r = complete('new theft P2 @Beish', 19, src);
    expect(r.suggestions.map((s) => s.value)).toContain('@Beishan Road');
    expect(r.start).toBe(13);
  });
});

describe('one-key dispatch', () => {
  const rec = {
    incidentId: 'INC-1',
    requirements: [
      { capability: 'fire-suppression', count: 2, shortBy: 0, units: ['E-21', 'E-22', 'E-23'].map((unitId) => ({ unitId })) },
      { capability: 'aerial-ladder', count: 1, shortBy: 0, units: [{ unitId: 'L-21' }] },
    ],
    recommended: ['E-21', 'E-22', 'L-21'],
  } as unknown as Parameters<typeof remainingNeeds>[0];
  const caps = (id: string) => (id.startsWith('L') ? ['aerial-ladder', 'fire-suppression'] : ['fire-suppression']);

  it('sends the whole recommendation to an incident with no units', () => {
    expect(unitsToDispatch(remainingNeeds(rec, [], caps))).toEqual(['E-21', 'E-22', 'L-21']);
  });
  it('sends only what the assigned units do not already cover, so a second D adds nothing', () => {
    expect(unitsToDispatch(remainingNeeds(rec, ['E-30'], caps))).toEqual(['E-21', 'L-21']);
    expect(unitsToDispatch(remainingNeeds(rec, ['E-30', 'E-31', 'L-22'], caps))).toEqual([]);
  });
});
