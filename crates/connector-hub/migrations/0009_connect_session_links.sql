-- How a connect session ends and where it leads: the URL the browser returns to (`return_url`),
-- the origin of the page that embeds or opened the connect page and receives its events
-- (`origin`), the account whose credentials a re-link replaces (`relink_account_id`; the
-- existing `account_id` is the account the session linked, once it did), and when the person
-- pressed Cancel. `created_by` already names the hub key that opened the session.
ALTER TABLE connect_sessions ADD COLUMN return_url TEXT;
ALTER TABLE connect_sessions ADD COLUMN origin TEXT;
ALTER TABLE connect_sessions ADD COLUMN relink_account_id TEXT;
ALTER TABLE connect_sessions ADD COLUMN cancelled_at BIGINT;
