-- Switching a captured table to a new CDC capture instance, after an ALTER TABLE.
-- Not a migration (no NNN_ prefix: `cashflow db migrate` does not run it). Run it by hand, or
-- copy its steps into the migration that alters the table.
--
-- Why: a capture instance keeps the column list the table had when it was enabled. A column
-- added later is not captured (Debezium sends its old row shape), a dropped one stays as NULL.
-- 001_init.sql enables CDC only where `is_tracked_by_cdc = 0`, so for a table already tracked it
-- does nothing: a migration that alters a captured table must add the new instance itself,
-- guarded by the instance name (cdc.change_tables), not by is_tracked_by_cdc.
--
-- Usage (sqlcmd variables):
--   sqlcmd -S <server> -d <database> -b -v TABLE=contracts NEW=dbo_contracts_v2 OLD=dbo_contracts -i capture-instance-switch.sql
-- The first instance of a table is named dbo_<table> (sp_cdc_enable_table's default).
--
-- Steps (Debezium SQL Server connector documentation, "Schema evolution", online update):
--   1. ALTER TABLE dbo.$(TABLE) …            (already done when you run this)
--   2. create the new capture instance        (this script, step 2; at most two per table)
--   3. Debezium switches to the newer instance by itself once it reads changes past that
--      instance's start_lsn (its log: "Migrating schema to …"); check with step 3's query
--      that the new instance receives changes, and the connector's task is RUNNING
--   4. drop the old instance                  (this script, step 4: run it only after 3)

-- 2. the new capture instance, next to the old one
IF NOT EXISTS (SELECT 1 FROM cdc.change_tables WHERE capture_instance = N'$(NEW)')
EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'$(TABLE)', @role_name = NULL,
  @capture_instance = N'$(NEW)', @supports_net_changes = 0;
GO

-- 3. both instances and where they start: the connector moves to $(NEW) past its start_lsn
SELECT capture_instance, start_lsn, create_date FROM cdc.change_tables
WHERE source_object_id = OBJECT_ID(N'dbo.$(TABLE)') ORDER BY create_date;
GO

-- 4. after the connector has switched: drop the old instance (uncomment to run)
-- EXEC sys.sp_cdc_disable_table @source_schema = N'dbo', @source_name = N'$(TABLE)', @capture_instance = N'$(OLD)';
-- GO
