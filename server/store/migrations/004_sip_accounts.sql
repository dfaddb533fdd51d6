-- SIP accounts: who may register at the SIP edge (Kamailio). The server owns them; Kamailio
-- only reads the "subscriber" view (PostgreSQL, through a SELECT-only role) or a db_text file
-- the server writes from that same view (PGlite). Digest hashes only, never a password:
-- ha1 = MD5(username:domain:password), ha1b = MD5(username@domain:domain:password), the realm
-- being the domain.
CREATE TABLE sip_accounts (
  username     text        NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
  domain       text        NOT NULL CHECK (domain ~ '^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$'),
  ha1          text        NOT NULL CHECK (ha1 ~ '^[0-9a-f]{32}$'),
  ha1b         text        NOT NULL CHECK (ha1b ~ '^[0-9a-f]{32}$'),
  enabled      boolean     NOT NULL DEFAULT true,
  -- phone: a desk phone, a field unit's phone, a caller; node: a server node's own user agent
  kind         text        NOT NULL CHECK (kind IN ('phone', 'node')),
  display_name text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
  unit_id      text,
  agency_id    text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (username, domain)
);
CREATE UNIQUE INDEX sip_accounts_one_phone_per_unit ON sip_accounts (unit_id, domain) WHERE unit_id IS NOT NULL;

-- What Kamailio's auth_db reads (columns named by its modparams): enabled accounts only, so a
-- disabled account is unknown to the edge at its next request.
CREATE VIEW subscriber AS
  SELECT username, domain, ha1, ha1b, kind FROM sip_accounts WHERE enabled;
