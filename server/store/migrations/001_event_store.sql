-- The command pipeline's durable state: aggregates (current snapshots), the event log with
-- its per-stream hash chain, idempotent commands, live feeds, the outbox and timers.

CREATE TABLE aggregates (
  type        text        NOT NULL,
  id          text        NOT NULL,
  version     integer     NOT NULL CHECK (version > 0),
  state       text        NOT NULL,
  snapshot    jsonb       NOT NULL,
  agency_id   text,
  district_id text,
  last_hash   text        NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (type, id)
);
CREATE INDEX aggregates_open_by_agency ON aggregates (type, agency_id, state);

CREATE TABLE events (
  id             bigserial   PRIMARY KEY,
  stream_type    text        NOT NULL,
  stream_id      text        NOT NULL,
  stream_version integer     NOT NULL,
  type           text        NOT NULL,
  payload        jsonb       NOT NULL,
  state          text        NOT NULL,
  view           jsonb       NOT NULL,
  actor          jsonb       NOT NULL,
  occurred_at    timestamptz NOT NULL,
  command_id     text        NOT NULL,
  causation_id   text,
  prev_hash      text        NOT NULL,
  hash           text        NOT NULL,
  UNIQUE (stream_type, stream_id, stream_version)
);
CREATE INDEX events_by_command ON events (command_id);

-- One row per applied command: a retried command id returns the stored reply.
CREATE TABLE commands (
  id         text        PRIMARY KEY,
  type       text        NOT NULL,
  actor_id   text        NOT NULL,
  result     jsonb       NOT NULL,
  created_at timestamptz NOT NULL
);

-- Live feeds (an incident, an agency's queue, a district's unit map): gap-free sequences.
-- The feed counter row is updated last in a command's transaction, so a feed's sequence
-- numbers commit in order.
CREATE TABLE feeds (
  id  text   PRIMARY KEY,
  seq bigint NOT NULL
);
CREATE TABLE feed_entries (
  feed     text   NOT NULL,
  seq      bigint NOT NULL,
  event_id bigint NOT NULL REFERENCES events (id),
  PRIMARY KEY (feed, seq)
);

CREATE TABLE outbox (
  id           bigserial   PRIMARY KEY,
  command_id   text        NOT NULL,
  stream_type  text        NOT NULL,
  stream_id    text        NOT NULL,
  action       text        NOT NULL,
  params       jsonb       NOT NULL,
  created_at   timestamptz NOT NULL,
  available_at timestamptz NOT NULL,
  attempts     integer     NOT NULL DEFAULT 0,
  processed_at timestamptz,
  last_error   text
);
CREATE INDEX outbox_pending ON outbox (available_at) WHERE processed_at IS NULL;

CREATE TABLE timers (
  stream_type text        NOT NULL,
  stream_id   text        NOT NULL,
  send_id     text        NOT NULL,
  event       jsonb       NOT NULL,
  due_at      timestamptz NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (stream_type, stream_id, send_id)
);
CREATE INDEX timers_due ON timers (due_at);

-- AVL breadcrumb trail, written in batches.
CREATE TABLE unit_positions (
  unit_id    text             NOT NULL,
  at         timestamptz      NOT NULL,
  lat        double precision NOT NULL,
  lon        double precision NOT NULL,
  heading    real,
  speed_kmh  real,
  accuracy_m real,
  PRIMARY KEY (unit_id, at)
);

-- Node-shared settings (e.g. the token signing secret when AUTH_SECRET is not set).
CREATE TABLE settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);
