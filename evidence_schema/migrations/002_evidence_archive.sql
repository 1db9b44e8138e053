-- Version 2: where each item sits in its run's archive, which step wrote an archive, and lookups that
-- kill (is the running image preserved?) and evidence verify make on every run.
ALTER TABLE evidence ADD COLUMN archive_entry TEXT;   -- path of the item inside its archive
ALTER TABLE archives ADD COLUMN step_id INTEGER REFERENCES steps(id);
ALTER TABLE archives ADD COLUMN collector TEXT;
ALTER TABLE archives ADD COLUMN note TEXT;
CREATE INDEX evidence_status_kind ON evidence(case_id, status, kind);
CREATE INDEX evidence_archive ON evidence(archive_id);
