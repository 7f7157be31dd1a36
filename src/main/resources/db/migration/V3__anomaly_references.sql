-- Anomaly scores (issue 22). Portable SQL: the same script runs on H2 and PostgreSQL.

-- A model version's reference distribution of -log p(x): the sorted IWAE scores of held-out normal data,
-- stored as base64 of little-endian float64 values. One row per model; calibrating again replaces it.
CREATE TABLE model_references (
    model_id    VARCHAR(64)  PRIMARY KEY,
    k           INTEGER      NOT NULL,
    score_count INTEGER      NOT NULL,
    scores      TEXT         NOT NULL,
    source      VARCHAR(300) NOT NULL,
    seed        BIGINT       NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- What a job measured at its end: the reference it stored and, with held-out classes, AUROC and the true-positive
-- rate at the chosen false-positive rate of each score (JSON).
ALTER TABLE jobs ADD COLUMN anomaly TEXT;
