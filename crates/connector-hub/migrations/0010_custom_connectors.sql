-- Connectors added through the API as definition files (`PUT /api/v1/connectors/{id}`): the
-- canonical TOML of each, and one registry revision every change bumps, so each process sharing
-- the database can tell with one read whether its copy of the registry is current.
CREATE TABLE custom_connectors (
    id TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    revision BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE connector_registry (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    revision BIGINT NOT NULL
);

INSERT INTO connector_registry (singleton, revision) VALUES (1, 0);
