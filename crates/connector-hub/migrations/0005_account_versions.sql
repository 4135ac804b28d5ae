-- An account's version, bumped by every edit of its label or credentials: an edit made from a
-- stale read is refused, and a verification of credentials that were replaced meanwhile is
-- dropped instead of written over the newer result.
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
