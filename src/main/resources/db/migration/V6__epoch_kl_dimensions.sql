-- Each epoch's held-out KL per latent dimension, its active units (Burda et al. 2015: Cov_x(E_q[z_j|x]) > 0.01),
-- and the β and learning rate of its last step (KL warm-up and learning-rate schedules move them). Portable SQL:
-- the same script runs on H2 and PostgreSQL. Epochs stored before this migration have none (NULL).
ALTER TABLE job_epochs ADD COLUMN validation_kl_dimensions VARCHAR(65536);
ALTER TABLE job_epochs ADD COLUMN active_units INTEGER;
ALTER TABLE job_epochs ADD COLUMN beta DOUBLE PRECISION;
ALTER TABLE job_epochs ADD COLUMN learning_rate DOUBLE PRECISION;
