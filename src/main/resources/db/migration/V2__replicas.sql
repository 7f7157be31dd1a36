-- Many replicas, one registry (issue 16). Portable SQL: the same script runs on H2 and PostgreSQL.

-- The active model is one row every replica follows; activation bumps the generation.
CREATE TABLE active_model (
    slot         INTEGER     PRIMARY KEY,
    model_id     VARCHAR(64) NOT NULL,
    generation   BIGINT      NOT NULL,
    activated_at TIMESTAMP WITH TIME ZONE NOT NULL
);

INSERT INTO active_model (slot, model_id, generation, activated_at)
SELECT 1, COALESCE(MAX(setting_value), 'default'), 1, CURRENT_TIMESTAMP FROM settings WHERE setting_key = 'active-model';

DELETE FROM settings WHERE setting_key = 'active-model';

-- Stored objects carry their SHA-256 (hex); rows written before this migration have none and are not checked.
ALTER TABLE models ADD COLUMN sha256 VARCHAR(64);
ALTER TABLE datasets ADD COLUMN sha256 VARCHAR(64);
ALTER TABLE datasets ADD COLUMN labels_sha256 VARCHAR(64);

-- A running job is held by one replica (owner) until lease_until; the owner renews it. Cancellation from any
-- replica sets cancel_requested, which the owner polls. claims counts how often the job was taken from the queue.
ALTER TABLE jobs ADD COLUMN owner VARCHAR(200);
ALTER TABLE jobs ADD COLUMN lease_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE jobs ADD COLUMN cancel_requested BOOLEAN DEFAULT FALSE NOT NULL;
ALTER TABLE jobs ADD COLUMN claims INTEGER DEFAULT 0 NOT NULL;
