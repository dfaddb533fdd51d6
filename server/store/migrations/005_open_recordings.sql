-- Start-up finishes recordings an earlier run left open: only incidents with one "recording"
-- match, so a partial index keeps that from reading every incident snapshot.
CREATE INDEX aggregates_incidents_recording ON aggregates (id)
  WHERE type = 'incident' AND snapshot->'context'->'recordings' @> '[{"state":"recording"}]';
