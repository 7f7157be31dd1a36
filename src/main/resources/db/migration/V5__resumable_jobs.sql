-- Resumable jobs (issue 23). Portable SQL: the same script runs on H2 and PostgreSQL.

-- The job's last training checkpoint in the object store (network, Adam moments, position in the run), with its
-- SHA-256, the epoch it continues and the minibatches done over the whole run.
ALTER TABLE jobs ADD COLUMN checkpoint_key VARCHAR(300);
ALTER TABLE jobs ADD COLUMN checkpoint_sha256 VARCHAR(64);
ALTER TABLE jobs ADD COLUMN checkpoint_epoch INTEGER;
ALTER TABLE jobs ADD COLUMN checkpoint_step BIGINT;
-- Where the current run continued from, how many times the job was resumed, and why it was last interrupted.
ALTER TABLE jobs ADD COLUMN resumed_epoch INTEGER;
ALTER TABLE jobs ADD COLUMN resumed_step BIGINT;
ALTER TABLE jobs ADD COLUMN resumes INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE jobs ADD COLUMN interruption VARCHAR(500);
-- A client asked the replica running the job to pause it (it saves a training checkpoint and stops as PAUSED).
ALTER TABLE jobs ADD COLUMN pause_requested BOOLEAN DEFAULT FALSE NOT NULL;
