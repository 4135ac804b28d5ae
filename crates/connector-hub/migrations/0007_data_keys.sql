-- Envelope encryption: rows are sealed under a data key, and data keys are stored here sealed
-- (wrapped) by a master key every hub process holds. The newest key not retired is current.
CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    wrapped_by TEXT NOT NULL,
    nonce TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT
);
