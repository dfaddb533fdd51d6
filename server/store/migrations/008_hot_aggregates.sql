-- Four indexes read the snapshot (open recordings of incidents and calls, 005/006; media views
-- by incident and by call, 003/006). PostgreSQL updates a row in place (HOT, no index entries)
-- only when no indexed column changed, and any index reading `snapshot` made every command's
-- UPDATE write new entries in every index of the table. What they index now lives in small
-- columns the command statement writes from the view (AggregateScope: `recording`, `refs`),
-- so an update that keeps an aggregate's state (media up, an agent offered a call) can stay on
-- its page; fillfactor leaves room there.
ALTER TABLE aggregates ADD COLUMN recording boolean NOT NULL DEFAULT false;
ALTER TABLE aggregates ADD COLUMN refs text[];
UPDATE aggregates SET recording = true
  WHERE type IN ('incident', 'call') AND snapshot->'context'->'recordings' @> '[{"state":"recording"}]';
UPDATE aggregates SET refs = array_remove(ARRAY[
  'incident:' || (snapshot->'context'->>'incidentId'), 'call:' || (snapshot->'context'->>'callId')
], NULL) WHERE type = 'media_view';
CREATE INDEX aggregates_recording ON aggregates (type, id) WHERE recording;
CREATE INDEX aggregates_media_view_refs ON aggregates USING gin (refs) WHERE type = 'media_view';
DROP INDEX aggregates_incidents_recording;
DROP INDEX aggregates_calls_recording;
DROP INDEX aggregates_media_view_by_incident;
DROP INDEX aggregates_media_view_by_call;
ALTER TABLE aggregates SET (fillfactor = 85);
