-- Version 4: fleet cases (`case merge`). Each host's case becomes one more row of cases in the fleet case,
-- every row of its tables under that case_id; hosts names them, and host_custody keeps each host's own
-- custody chain as the host wrote it (evidence verify recomputes every chain).
CREATE TABLE hosts (
  id             INTEGER PRIMARY KEY,
  case_id        INTEGER NOT NULL UNIQUE REFERENCES cases(id),  -- the host's case inside the fleet case
  name           TEXT NOT NULL UNIQUE,     -- the bundle's host name (the inventory name)
  bundle_sha256  TEXT NOT NULL,            -- of the bundle file merged
  schema_version INTEGER NOT NULL,         -- of the host's case as exported
  id_offsets     TEXT NOT NULL,            -- JSON {table: n}: a host row id + n is its id here (custody names host ids)
  merged_at      TEXT NOT NULL
);

CREATE TABLE host_custody (
  case_id    INTEGER NOT NULL REFERENCES cases(id),
  seq        INTEGER NOT NULL,
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  event      TEXT NOT NULL,
  details    TEXT NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL,
  PRIMARY KEY (case_id, seq)
);
CREATE TRIGGER host_custody_no_update BEFORE UPDATE ON host_custody BEGIN SELECT RAISE(ABORT, 'custody is append-only'); END;
CREATE TRIGGER host_custody_no_delete BEFORE DELETE ON host_custody BEGIN SELECT RAISE(ABORT, 'custody is append-only'); END;
