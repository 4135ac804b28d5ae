-- Scheduled re-verification, status history and webhooks.

-- When each account is next due for re-verification, and the lease a process holds on it while
-- checking, so several hub processes never check one account twice.
ALTER TABLE accounts ADD COLUMN next_check_at BIGINT;
ALTER TABLE accounts ADD COLUMN lease_until BIGINT;
ALTER TABLE accounts ADD COLUMN lease_owner TEXT;
CREATE INDEX accounts_due ON accounts (next_check_at);
-- Scratch column: an update copies the old status here and returns it, so a status change is
-- seen in the same statement that makes it (no read-then-write race).
ALTER TABLE accounts ADD COLUMN previous_status TEXT;

-- Every change of an account's status, appended; kept after the account is unlinked.
CREATE TABLE status_history (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    connector TEXT NOT NULL,
    owner TEXT NOT NULL,
    at BIGINT NOT NULL,
    old_status TEXT NOT NULL,
    new_status TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX status_history_by_account ON status_history (account_id, id);

-- Endpoints the operator registered; the signing secret is sealed like a credential.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    secret_tail TEXT NOT NULL
);

-- One row per event and endpoint, written in the same transaction as the status change (an
-- outbox): a delivery is never lost to a crash between the change and the POST.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_status BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    lease_until BIGINT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
