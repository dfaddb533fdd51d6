/** The OpenAPI 3.1 document, generated from the same zod schemas the server validates with. */
import { z } from 'zod';
import { avlBatch, command, commandResult, errorBody, PROTOCOL_VERSION } from '../protocol';

let cached: Record<string, unknown> | null = null;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any' });
  const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
  const errors = {
    400: { description: 'Invalid input; nothing changed', ...json('Error') },
    401: { description: 'Missing or invalid token', ...json('Error') },
    403: { description: 'Outside the actor\'s role, agency or jurisdiction', ...json('Error') },
    404: { description: 'No such incident, unit or feed', ...json('Error') },
    409: { description: 'Refused by the state machine, or a conflict', ...json('Error') },
  };
  const secured = { security: [{ bearer: [] }] };
  const getJson = (summary: string, params: object[] = []) => ({
    get: { summary, ...secured, parameters: params, responses: { 200: { description: 'OK', content: { 'application/json': { schema: {} } } }, ...errors } },
  });
  const path = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
  cached = {
    openapi: '3.1.0',
    info: { title: 'Beacon dispatch API', version: `${PROTOCOL_VERSION}.0.0`, description: 'Commands, queries and AVL. Live feeds: WebSocket at /ws (see the protocol in server/protocol).' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Command: schema(command), CommandResult: schema(commandResult), AvlBatch: schema(avlBatch), Error: schema(errorBody) },
    },
    paths: {
      '/api/v1/auth/login': { post: { summary: 'Sign in; returns a bearer token', requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } }, required: ['username', 'password'] } } } }, responses: { 200: { description: 'Token' }, 401: errors[401] } } },
      '/api/v1/commands': { post: { summary: 'Apply a command; answered after it is durable', ...secured, requestBody: json('Command'), responses: { 200: { description: 'Acknowledged', ...json('CommandResult') }, ...errors } } },
      '/api/v1/incidents': getJson('Open incidents visible to the caller', [{ name: 'agencyId', in: 'query', schema: { type: 'string' } }]),
      '/api/v1/incidents/{incidentId}': getJson('One incident', [path('incidentId')]),
      '/api/v1/incidents/{incidentId}/recommendations': getJson('Recommended units by travel time', [path('incidentId'), { name: 'limit', in: 'query', schema: { type: 'integer' } }]),
      '/api/v1/incidents/{incidentId}/recordings': getJson('Recordings of the incident (its readers, or holders of a media access grant)', [path('incidentId')]),
      '/api/v1/incidents/{incidentId}/recordings/{recordingId}/playback': { post: { summary: 'Log a playback in the access audit; returns a signed file URL valid 15 minutes', ...secured, parameters: [path('incidentId'), path('recordingId')], responses: { 200: { description: 'url, expiresAt, viewId, recording' }, ...errors } } },
      '/api/v1/recordings/{recordingId}/file': { get: { summary: 'The recording file (byte ranges); authorized by the signed playback URL', parameters: [path('recordingId')], responses: { 200: { description: 'video/webm, video/x-matroska, or audio/wav (a call leg, G.711 as the phone sent it)' }, 206: { description: 'A byte range' }, 401: errors[401], 404: errors[404] } } },
      '/api/v1/calls/recent': getJson('Recently ended calls of an agency (default: the caller\'s) with their leg recordings, newest first (its call takers, dispatchers, supervisors; auditors)', [{ name: 'agencyId', in: 'query', schema: { type: 'string' } }]),
      '/api/v1/calls/{callId}/recordings': getJson('Leg recordings of a call: caller, agent:<username>, party:<number> (its agency\'s call takers, dispatchers, supervisors; auditors)', [path('callId')]),
      '/api/v1/calls/{callId}/recordings/{recordingId}/playback': { post: { summary: 'Log a playback of a call leg in the access audit; returns a signed file URL valid 15 minutes', ...secured, parameters: [path('callId'), path('recordingId')], responses: { 200: { description: 'url, expiresAt, viewId, recording' }, ...errors } } },
      '/api/v1/calls/{callId}/media-access': getJson('Who listened to the call live or played its recordings (supervisors, auditors)', [path('callId')]),
      '/api/v1/media/shared': getJson('Incidents whose media the caller may view now on a time-limited grant'),
      '/api/v1/incidents/{incidentId}/media-access': getJson('Media access audit: grants and every viewing (dispatchers and supervisors of the incident, auditors)', [path('incidentId')]),
      '/api/v1/calls': getJson('ACD board of an agency (default: the caller\'s): waiting calls by priority then wait, calls in hand, abandoned calls, agents', [{ name: 'agencyId', in: 'query', schema: { type: 'string' } }]),
      '/api/v1/units': getJson('Units with status and latest position', [{ name: 'districtId', in: 'query', schema: { type: 'string' } }]),
      '/api/v1/units/{unitId}': getJson('One unit', [path('unitId')]),
      '/api/v1/avl': { post: { summary: 'Report unit positions; answered after the trail is written', ...secured, requestBody: json('AvlBatch'), responses: { 200: { description: 'Accepted' }, ...errors } } },
      '/api/v1/feeds/{feed}': getJson('A feed snapshot, or the events after afterSeq', [path('feed'), { name: 'afterSeq', in: 'query', schema: { type: 'integer' } }]),
      '/api/v1/audit/verify': getJson('Verify the audit hash chain; names the first broken link'),
      '/api/v1/city': getJson('Reference data: agencies, districts, stations, unit types, plans'),
      '/health': { get: { summary: 'Health of this node and its dependencies', responses: { 200: { description: 'Healthy' }, 503: { description: 'Unhealthy' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition' } } } },
    },
  };
  return cached;
}
