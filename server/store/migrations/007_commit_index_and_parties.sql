-- The command statement's version-checked UPDATE joined aggregates to jsonb_to_recordset(),
-- which the planner takes for 100 rows: it hashed them and read the whole aggregates table
-- once per command (the call bench: 745 rows per command, most of PostgreSQL's CPU). Rows
-- through beacon_each() are estimated at 2 (a plpgsql function is not inlined), so each is
-- looked up by primary key.
CREATE FUNCTION beacon_each(items jsonb) RETURNS SETOF jsonb
LANGUAGE plpgsql IMMUTABLE STRICT ROWS 2 AS $$
BEGIN
  RETURN QUERY SELECT jsonb_array_elements(items);
END
$$;

-- Whom an aggregate keeps busy right now (a call: its agents, see agentsBusyWith), so the ACD
-- checks an agent without reading every live call's snapshot. Open calls of an earlier
-- version get every agent their context names (more than keeps them busy: their next event
-- sets it exactly).
ALTER TABLE aggregates ADD COLUMN parties text[];
UPDATE aggregates SET parties = ARRAY(
  SELECT DISTINCT a #>> '{}' FROM jsonb_path_query(snapshot->'context', '$.**.agentId') AS a
) WHERE type = 'call' AND state <> 'ended';
