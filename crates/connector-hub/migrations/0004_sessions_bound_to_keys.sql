-- A sign-in session remembers the hash of the key value it was opened with: a regenerated key
-- ends the sessions of its old value whatever the second. A connect session counts the provider
-- checks it ran, so one leaked link cannot drive unlimited checks.
ALTER TABLE web_sessions ADD COLUMN key_hash TEXT;
ALTER TABLE connect_sessions ADD COLUMN checks BIGINT NOT NULL DEFAULT 0;
