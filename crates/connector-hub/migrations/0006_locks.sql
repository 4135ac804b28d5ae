-- Named locks held for a while by one process (a rotation), visible to every process sharing the
-- database; a holder that died lets go when its `until` passes.
CREATE TABLE locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until BIGINT NOT NULL
);
