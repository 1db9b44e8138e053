-- unmine case database, version 1. Applied in one transaction; PRAGMA user_version records the version.
CREATE TABLE cases (
  id            INTEGER PRIMARY KEY,
  uuid          TEXT NOT NULL UNIQUE,
  created_at    TEXT NOT NULL,            -- ISO 8601 UTC; time boxes are measured from here
  hostname      TEXT,
  root          TEXT,
  playbook      TEXT NOT NULL,
  unmine_version TEXT NOT NULL
);

-- One row per command run that works on the case (a playbook step).
CREATE TABLE steps (
  id           INTEGER PRIMARY KEY,
  case_id      INTEGER NOT NULL REFERENCES cases(id),
  step         TEXT NOT NULL,             -- playbook step id (validate, identify, preserve, kill, ...)
  command      TEXT NOT NULL,
  argv         TEXT NOT NULL,             -- JSON array
  started_at   TEXT NOT NULL,
  finished_at  TEXT,
  status       TEXT NOT NULL DEFAULT 'running',  -- running|done|planned|failed|refused
  outcome      TEXT,                      -- one line for status/report
  exit_code    INTEGER
);

-- Current state of each distinct finding (by its stable id).
CREATE TABLE findings (
  id            INTEGER PRIMARY KEY,
  case_id       INTEGER NOT NULL REFERENCES cases(id),
  finding_id    TEXT NOT NULL,
  group_name    TEXT NOT NULL,
  kind          TEXT NOT NULL,
  severity      TEXT NOT NULL,
  summary       TEXT NOT NULL,
  pid           INTEGER,
  path          TEXT,
  line          INTEGER,
  evidence      TEXT NOT NULL,            -- JSON object
  first_step_id INTEGER REFERENCES steps(id),
  last_step_id  INTEGER REFERENCES steps(id),
  first_seen    TEXT NOT NULL,
  last_seen     TEXT NOT NULL,
  times_seen    INTEGER NOT NULL DEFAULT 1,
  UNIQUE (case_id, finding_id)
);

-- Which findings each step saw (a verify check's findings, a validate run's findings).
CREATE TABLE step_findings (
  step_id    INTEGER NOT NULL REFERENCES steps(id),
  finding_id TEXT NOT NULL,
  PRIMARY KEY (step_id, finding_id)
);

-- Miners as identify/validate described them (SPEC miners[] object), one row per observation.
CREATE TABLE miners (
  id          INTEGER PRIMARY KEY,
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  step_id     INTEGER REFERENCES steps(id),
  pid         INTEGER,
  exe         TEXT,
  exe_sha256  TEXT,
  family      TEXT,
  data        TEXT NOT NULL,             -- JSON: the SPEC miners[] object
  seen_at     TEXT NOT NULL
);

-- Indicators of this incident: what verify checks against, block blocks and report exports.
CREATE TABLE indicators (
  id          INTEGER PRIMARY KEY,
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  type        TEXT NOT NULL,   -- sha256|sha1|md5|path|domain|ipv4|ipv6|port|wallet|cmdline|inode
  value       TEXT NOT NULL,
  context     TEXT,            -- JSON: coin, family, where it was seen
  source      TEXT,            -- finding id or command that recorded it
  first_seen  TEXT NOT NULL,
  UNIQUE (case_id, type, value)
);

CREATE TABLE archives (
  id          INTEGER PRIMARY KEY,
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  stored_path TEXT NOT NULL,     -- relative to the case folder
  sha256      TEXT,
  size        INTEGER,
  items       INTEGER,
  created_at  TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'writing'   -- writing|stored
);

CREATE TABLE evidence (
  id           INTEGER PRIMARY KEY,
  case_id      INTEGER NOT NULL REFERENCES cases(id),
  step_id      INTEGER REFERENCES steps(id),
  kind         TEXT NOT NULL,    -- exe|config|cmdline|environ|maps|status|fds|cwd_listing|persistence|script|file|container_layer|container_meta
  source_path  TEXT,             -- as seen on the host (inside --root), printable
  pid          INTEGER,
  sha256       TEXT,
  sha1         TEXT,
  md5          TEXT,
  size         INTEGER,
  stored_path  TEXT,             -- relative to the case folder (evidence/sha256/xx/...)
  owner_uid    INTEGER,
  owner_gid    INTEGER,
  mode         INTEGER,
  mtime        TEXT,
  ctime        TEXT,
  collected_at TEXT NOT NULL,
  collector    TEXT NOT NULL,    -- "unmine <version> <command>"
  archive_id   INTEGER REFERENCES archives(id),
  status       TEXT NOT NULL DEFAULT 'pending',  -- pending|stored|failed: only 'stored' counts as preserved
  note         TEXT
);
CREATE INDEX evidence_sha256 ON evidence(case_id, sha256);

-- Every change to the host. Undo data is enough to restore byte for byte.
CREATE TABLE actions (
  id          INTEGER PRIMARY KEY,
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  step_id     INTEGER REFERENCES steps(id),
  kind        TEXT NOT NULL,    -- kill|unpersist.cron_line|unpersist.file|block.nft|block.hosts|schedule|...
  target      TEXT NOT NULL,    -- JSON
  reason      TEXT,             -- finding id
  status      TEXT NOT NULL,    -- pending|done|failed|skipped|undone
  before      TEXT,             -- JSON
  after       TEXT,             -- JSON
  evidence_id INTEGER REFERENCES evidence(id),
  undo        TEXT,             -- JSON
  error       TEXT,
  at          TEXT NOT NULL,
  undone_at   TEXT,
  undo_of     INTEGER REFERENCES actions(id)
);

-- Append-only log; hash = SHA-256(prev_hash || seq || at || actor || event || details).
CREATE TABLE custody (
  seq        INTEGER PRIMARY KEY,
  case_id    INTEGER NOT NULL REFERENCES cases(id),
  at         TEXT NOT NULL,
  actor      TEXT NOT NULL,
  event      TEXT NOT NULL,
  details    TEXT NOT NULL,     -- JSON
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody BEGIN SELECT RAISE(ABORT, 'custody is append-only'); END;
CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody BEGIN SELECT RAISE(ABORT, 'custody is append-only'); END;

CREATE TABLE checks (
  id          INTEGER PRIMARY KEY,
  case_id     INTEGER NOT NULL REFERENCES cases(id),
  step_id     INTEGER REFERENCES steps(id),
  started_at  TEXT NOT NULL,
  finished_at TEXT,
  verdict     TEXT,             -- JSON verdict
  severity    TEXT,
  exit_code   INTEGER,
  findings    TEXT              -- JSON array of finding objects
);
