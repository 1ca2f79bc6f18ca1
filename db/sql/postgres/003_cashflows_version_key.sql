-- contract_cashflows' primary key becomes (contract_id, version, seq): the same rows, columns and
-- one-version-per-contract rule, with a key that a replace never inserts twice.
--
-- The sink replaces a contract's rows by DELETE and COPY in one transaction. Under MVCC the
-- deleted rows keep their index entries until vacuum, so with the key (contract_id, seq) every
-- new row found an equal key in the unique index and PostgreSQL fetched the old row from the heap
-- to check that it was dead: one heap visit per row written. With the version in the key the new
-- rows' keys are new, and the uniqueness check ends in the index. Measured by `cashflow bench
-- table` on 13.8 M rows (docs/operations.md "The result table's key"): replacing 1,000
-- contracts' 86,000 rows took 752 ms and 680 ms of PostgreSQL's CPU with the old key, 489 ms
-- and 410 ms with this one.
--
-- Rebuilds the index once (about 20 s at 13 M rows) and locks the table while it does.
ALTER TABLE contract_cashflows DROP CONSTRAINT IF EXISTS contract_cashflows_pkey;
ALTER TABLE contract_cashflows ADD CONSTRAINT contract_cashflows_pkey PRIMARY KEY (contract_id, version, seq);
