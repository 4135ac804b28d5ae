-- "Due now" is 0 rather than NULL, so the schedule claims due accounts by one range of the
-- accounts_due index, already in order, instead of merging two lookups and sorting.
UPDATE accounts SET next_check_at = 0 WHERE next_check_at IS NULL;
