-- The access audit lists an incident's viewings (media_view aggregates) by incident id.
CREATE INDEX aggregates_media_view_by_incident ON aggregates ((snapshot->'context'->>'incidentId')) WHERE type = 'media_view';
