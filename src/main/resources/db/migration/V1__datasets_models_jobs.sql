-- Metadata of datasets, model versions and training jobs. The arrays themselves live in files under
-- vae.storage.dir; every file is written to a temporary name and renamed, and its row is written after it.
-- Portable SQL: the same script runs on H2 (the default) and PostgreSQL.

CREATE TABLE datasets (
    id            VARCHAR(64)   PRIMARY KEY,
    name          VARCHAR(200)  NOT NULL,
    description   VARCHAR(1000) NOT NULL,
    source        VARCHAR(20)   NOT NULL,
    example_count INTEGER       NOT NULL,
    height        INTEGER       NOT NULL,
    width         INTEGER       NOT NULL,
    channels      INTEGER       NOT NULL,
    has_labels    BOOLEAN       NOT NULL,
    size_bytes    BIGINT        NOT NULL,
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE models (
    id         VARCHAR(64)  PRIMARY KEY,
    name       VARCHAR(200) NOT NULL,
    source     VARCHAR(20)  NOT NULL,
    job_id     VARCHAR(64),
    manifest   TEXT         NOT NULL,
    size_bytes BIGINT       NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE jobs (
    id           VARCHAR(64) PRIMARY KEY,
    status       VARCHAR(20) NOT NULL,
    spec         TEXT        NOT NULL,
    dataset_id   VARCHAR(64) NOT NULL,
    created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at   TIMESTAMP WITH TIME ZONE,
    finished_at  TIMESTAMP WITH TIME ZONE,
    epoch        INTEGER     NOT NULL,
    total_epochs INTEGER     NOT NULL,
    step         BIGINT      NOT NULL,
    total_steps  BIGINT      NOT NULL,
    error        VARCHAR(2000),
    model_id     VARCHAR(64)
);

CREATE INDEX jobs_by_status ON jobs (status, created_at);

CREATE TABLE job_epochs (
    job_id                    VARCHAR(64)      NOT NULL,
    epoch                     INTEGER          NOT NULL,
    train_neg_elbo            DOUBLE PRECISION NOT NULL,
    train_reconstruction      DOUBLE PRECISION NOT NULL,
    train_kl                  DOUBLE PRECISION NOT NULL,
    validation_neg_elbo       DOUBLE PRECISION NOT NULL,
    validation_reconstruction DOUBLE PRECISION NOT NULL,
    validation_kl             DOUBLE PRECISION NOT NULL,
    seconds                   DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (job_id, epoch)
);

CREATE TABLE settings (
    setting_key   VARCHAR(100)  PRIMARY KEY,
    setting_value VARCHAR(1000) NOT NULL
);
