-- Which event types an endpoint receives: empty for every type (types added later included), or
-- their names joined by commas. Endpoints registered before subscriptions existed receive every
-- type, as one registered without `events` does.
ALTER TABLE webhooks ADD COLUMN events TEXT NOT NULL DEFAULT '';
