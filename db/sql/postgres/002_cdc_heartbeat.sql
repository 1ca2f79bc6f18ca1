-- The row the source connector's heartbeat rewrites every few seconds (its
-- heartbeat.action.query): a change in a captured table, so that the replication slot confirms
-- a recent LSN even while only the result tables are written. Without it a full recompute keeps
-- every byte of its WAL on disk until a source table changes (docs/operations.md "The
-- replication slot"). Not read by anyone; PostgreSQL only.
CREATE TABLE IF NOT EXISTS cdc_heartbeat (
  id      integer NOT NULL PRIMARY KEY,
  beat_at timestamp NOT NULL
);
