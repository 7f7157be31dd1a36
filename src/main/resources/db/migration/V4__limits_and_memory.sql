-- Hostile input, round three (issue 24). Portable SQL: the same script runs on H2 and PostgreSQL.

-- One row per limited table: an insert locks its row (SELECT ... FOR UPDATE), counts and inserts in one
-- transaction, so a limit holds across threads and replicas.
CREATE TABLE row_limits (
    name VARCHAR(64) PRIMARY KEY
);

INSERT INTO row_limits (name) VALUES ('datasets');
INSERT INTO row_limits (name) VALUES ('models');

-- A job's estimated peak memory, heap and native bytes: a replica claims a queued job only while it fits
-- beside what that replica's running jobs and imports hold. Jobs queued before this migration have none (0).
ALTER TABLE jobs ADD COLUMN heap_bytes BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE jobs ADD COLUMN native_bytes BIGINT DEFAULT 0 NOT NULL;
