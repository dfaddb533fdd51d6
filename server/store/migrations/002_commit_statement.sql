-- Lets the single-statement command commit abort itself (version conflict, timer already
-- consumed) with a retryable SQLSTATE; volatile, so the planner never evaluates it early.
CREATE FUNCTION beacon_abort(code text, message text) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = code, MESSAGE = message;
END
$$;
