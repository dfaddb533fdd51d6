-- Call-leg recordings (issue #5): start-up finishes call recordings an earlier run left open,
-- so calls get the same partial index as incidents (005); the access log lists the live
-- listening and playbacks of a call (media_view aggregates) by call id.
CREATE INDEX aggregates_calls_recording ON aggregates (id)
  WHERE type = 'call' AND snapshot->'context'->'recordings' @> '[{"state":"recording"}]';
CREATE INDEX aggregates_media_view_by_call ON aggregates ((snapshot->'context'->>'callId')) WHERE type = 'media_view';
