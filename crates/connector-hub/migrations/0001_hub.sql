-- The hub's tables. Portable SQL: the same file runs on SQLite and PostgreSQL. Times are Unix
-- seconds; ids are text, time-ordered, so keyset pagination follows creation order.

CREATE TABLE hub_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    tail TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    regenerated_at BIGINT,
    revoked_at BIGINT
);

-- Hashes of keys that were regenerated, so the old key gets a 401 that says so.
CREATE TABLE retired_hub_keys (
    hash TEXT PRIMARY KEY,
    key_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    retired_at BIGINT NOT NULL
);

CREATE TABLE connect_sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    connectors TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    account_id TEXT
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    connector TEXT NOT NULL,
    variant TEXT NOT NULL,
    owner TEXT NOT NULL,
    label TEXT NOT NULL,
    masked_key TEXT NOT NULL,
    public_fields TEXT NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    proves TEXT NOT NULL,
    http_status BIGINT,
    last_verified_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ciphertext TEXT NOT NULL
);
CREATE INDEX accounts_by_connector ON accounts (connector, id);
CREATE INDEX accounts_by_status ON accounts (status, id);
CREATE INDEX accounts_by_owner ON accounts (owner, id);
CREATE INDEX accounts_by_key_id ON accounts (key_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    account_id TEXT,
    connector TEXT,
    owner TEXT,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_by_account ON audit_log (account_id, id);

CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    hub_key_id TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
