package dev.vae.training;

import dev.vae.model.train.Trainer;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Jobs and their per-epoch metrics. State changes are compare-and-set on the stored
 * status; a running job is held by one replica (its owner) under a lease that the owner
 * renews.
 */
@Repository
class JobRepository {

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	JobRepository(JdbcClient jdbc, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.transactions = transactions;
	}

	/**
	 * A stored job.
	 *
	 * @param id its identifier
	 * @param status its state
	 * @param spec the specification JSON
	 * @param datasetId the dataset it trains on
	 * @param createdAt when it was submitted
	 * @param startedAt when it started running
	 * @param finishedAt when it finished
	 * @param epoch epochs completed
	 * @param totalEpochs epochs asked for
	 * @param step minibatches completed
	 * @param totalSteps minibatches in all
	 * @param error why it failed
	 * @param modelId the model it registered
	 * @param owner the replica that holds (or held) it
	 */
	record JobRow(String id, JobStatus status, String spec, String datasetId, Instant createdAt, Instant startedAt,
			Instant finishedAt, int epoch, int totalEpochs, long step, long totalSteps, String error, String modelId,
			String owner) {
	}

	void insert(JobRow row) {
		insert(row, 0, 0);
	}

	/** Inserts a job with its estimated peak memory, heap and native bytes. */
	void insert(JobRow row, long heapBytes, long nativeBytes) {
		this.jdbc
			.sql("INSERT INTO jobs (id, status, spec, dataset_id, created_at, epoch, total_epochs, step, total_steps, "
					+ "heap_bytes, native_bytes) VALUES (:id, :status, :spec, :dataset, :created, 0, :epochs, 0, 0, "
					+ ":heap, :native)")
			.param("heap", heapBytes)
			.param("native", nativeBytes)
			.param("id", row.id())
			.param("status", row.status().name())
			.param("spec", row.spec())
			.param("dataset", row.datasetId())
			.param("created", time(row.createdAt()))
			.param("epochs", row.totalEpochs())
			.update();
	}

	void delete(String id) {
		this.jdbc.sql("DELETE FROM jobs WHERE id = :id").param("id", id).update();
	}

	Optional<JobRow> find(String id) {
		return this.jdbc.sql("SELECT * FROM jobs WHERE id = :id").param("id", id).query(this::row).optional();
	}

	List<JobRow> list(JobStatus status, int page, int size) {
		String where = (status != null) ? " WHERE status = :status" : "";
		var sql = this.jdbc
			.sql("SELECT * FROM jobs" + where + " ORDER BY created_at DESC, id LIMIT :size OFFSET :offset")
			.param("size", size)
			.param("offset", (long) page * size);
		if (status != null) {
			sql = sql.param("status", status.name());
		}
		return sql.query(this::row).list();
	}

	long count(JobStatus status) {
		if (status == null) {
			return this.jdbc.sql("SELECT COUNT(*) FROM jobs").query(Long.class).single();
		}
		return this.jdbc.sql("SELECT COUNT(*) FROM jobs WHERE status = :status")
			.param("status", status.name())
			.query(Long.class)
			.single();
	}

	/**
	 * Moves a job from {@code from} to {@code to}; false when it was not in {@code from}
	 * any more.
	 */
	boolean transition(String id, JobStatus from, JobStatus to, String error, String modelId) {
		if (!from.canMoveTo(to)) {
			throw new IllegalStateException(from + " → " + to + " is not a job transition");
		}
		String column = (to == JobStatus.RUNNING) ? "started_at" : "finished_at";
		return this.jdbc
			.sql("UPDATE jobs SET status = :to, " + column + " = :now, error = :error, model_id = :model "
					+ "WHERE id = :id AND status = :from")
			.param("to", to.name())
			.param("from", from.name())
			.param("now", time(Instant.now()))
			.param("error", (error != null && error.length() > 2000) ? error.substring(0, 2000) : error)
			.param("model", modelId)
			.param("id", id)
			.update() == 1;
	}

	void progress(String id, int epoch, long step, long totalSteps) {
		this.jdbc.sql("UPDATE jobs SET epoch = :epoch, step = :step, total_steps = :total WHERE id = :id")
			.param("epoch", epoch)
			.param("step", step)
			.param("total", totalSteps)
			.param("id", id)
			.update();
	}

	/** Records what the job measured about anomaly detection (JSON). */
	void anomaly(String id, String report) {
		this.jdbc.sql("UPDATE jobs SET anomaly = :report WHERE id = :id")
			.param("report", report)
			.param("id", id)
			.update();
	}

	/** The job's anomaly report (JSON), or null. */
	String anomaly(String id) {
		return this.jdbc.sql("SELECT anomaly FROM jobs WHERE id = :id")
			.param("id", id)
			.query((rs, n) -> rs.getString("anomaly"))
			.optional()
			.orElse(null);
	}

	void insertEpoch(String id, Trainer.EpochMetrics m) {
		this.jdbc.sql("INSERT INTO job_epochs (job_id, epoch, train_neg_elbo, train_reconstruction, train_kl, "
				+ "validation_neg_elbo, validation_reconstruction, validation_kl, seconds, validation_kl_dimensions, "
				+ "active_units, beta, learning_rate) VALUES (:id, :epoch, :tn, :tr, :tk, :vn, :vr, :vk, :s, :kd, "
				+ ":au, :beta, :lr)")
			.param("id", id)
			.param("epoch", m.epoch())
			.param("tn", m.trainNegElbo())
			.param("tr", m.trainReconstruction())
			.param("tk", m.trainKl())
			.param("vn", m.validationNegElbo())
			.param("vr", m.validationReconstruction())
			.param("vk", m.validationKl())
			.param("s", m.seconds())
			.param("kd", joined(m.validationKlPerDimension()), java.sql.Types.VARCHAR)
			.param("au", m.activeUnits(), java.sql.Types.INTEGER)
			.param("beta", m.beta(), java.sql.Types.DOUBLE)
			.param("lr", m.learningRate(), java.sql.Types.DOUBLE)
			.update();
	}

	List<Trainer.EpochMetrics> epochs(String id) {
		return this.jdbc.sql("SELECT * FROM job_epochs WHERE job_id = :id ORDER BY epoch")
			.param("id", id)
			.query((rs, n) -> new Trainer.EpochMetrics(rs.getInt("epoch"), rs.getDouble("train_neg_elbo"),
					rs.getDouble("train_reconstruction"), rs.getDouble("train_kl"), rs.getDouble("validation_neg_elbo"),
					rs.getDouble("validation_reconstruction"), rs.getDouble("validation_kl"), rs.getDouble("seconds"),
					split(rs.getString("validation_kl_dimensions")), rs.getObject("active_units", Integer.class),
					rs.getObject("beta", Double.class), rs.getObject("learning_rate", Double.class)))
			.list();
	}

	/** Values as "v1,v2,…" in Java's shortest round-trip form; null stays null. */
	static String joined(double[] values) {
		if (values == null) {
			return null;
		}
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < values.length; i++) {
			text.append((i > 0) ? "," : "").append(values[i]);
		}
		return text.toString();
	}

	static double[] split(String text) {
		if (text == null) {
			return null;
		}
		if (text.isEmpty()) {
			return new double[0];
		}
		String[] parts = text.split(",");
		double[] values = new double[parts.length];
		for (int i = 0; i < parts.length; i++) {
			values[i] = Double.parseDouble(parts[i]);
		}
		return values;
	}

	boolean datasetInUse(String datasetId) {
		return this.jdbc
			.sql("SELECT COUNT(*) FROM jobs WHERE dataset_id = :dataset AND status IN ('QUEUED', 'RUNNING', 'PAUSED')")
			.param("dataset", datasetId)
			.query(Long.class)
			.single() > 0;
	}

	/**
	 * Puts the jobs a previous life of replica {@code owner} left running (and running
	 * jobs with no owner, from before leases) back in the queue, to continue from their
	 * last training checkpoint; those already resumed {@code maxResumes} times fail.
	 * Returns the jobs re-queued.
	 */
	List<String> requeueRunningOf(String owner, String reason, int maxResumes) {
		List<JobRow> left = this.jdbc
			.sql("SELECT * FROM jobs WHERE status = 'RUNNING' AND (owner = :owner OR owner IS NULL)")
			.param("owner", owner)
			.query(this::row)
			.list();
		return requeue(left, reason, maxResumes, "(owner = :owner OR owner IS NULL)", owner, null);
	}

	/**
	 * Interrupted running jobs go back to QUEUED (or CANCELLED, PAUSED when a client had
	 * asked for that), unless they were resumed {@code maxResumes} times: then they fail.
	 * Each move is a compare-and-set on the row as read, so two replicas never both move
	 * a job.
	 */
	private List<String> requeue(List<JobRow> jobs, String reason, int maxResumes, String condition, String owner,
			Instant now) {
		List<String> requeued = new java.util.ArrayList<>();
		for (JobRow job : jobs) {
			Flags flags = flags(job.id());
			String to;
			String error = null;
			if (flags.cancelRequested()) {
				to = "CANCELLED";
			}
			else if (flags.resumes() >= maxResumes) {
				to = "FAILED";
				error = reason + "; not resumed again: it was resumed " + flags.resumes()
						+ " times (vae.jobs.max-resumes)";
			}
			else {
				to = flags.pauseRequested() ? "PAUSED" : "QUEUED";
			}
			int updated = this.jdbc
				.sql("UPDATE jobs SET status = :to, error = :error, interruption = :reason, owner = NULL, "
						+ "lease_until = NULL, pause_requested = FALSE, finished_at = :finished WHERE id = :id "
						+ "AND status = 'RUNNING' AND " + condition)
				.param("to", to)
				.param("error", error)
				.param("reason", (reason.length() > 500) ? reason.substring(0, 500) : reason)
				.param("finished", to.equals("CANCELLED") || to.equals("FAILED") ? time(Instant.now()) : null)
				.param("id", job.id())
				.param("owner", owner)
				.param("now", time(now))
				.update();
			if (updated == 1 && to.equals("QUEUED")) {
				requeued.add(job.id());
			}
		}
		return requeued;
	}

	private record Flags(boolean cancelRequested, boolean pauseRequested, int resumes) {
	}

	private Flags flags(String id) {
		return this.jdbc.sql("SELECT cancel_requested, pause_requested, resumes FROM jobs WHERE id = :id")
			.param("id", id)
			.query((rs, n) -> new Flags(rs.getBoolean(1), rs.getBoolean(2), rs.getInt(3)))
			.single();
	}

	/**
	 * Inserts a queued job and, when {@code owner} is given, claims it for that replica
	 * in the same transaction, so no other replica can take it first.
	 */
	void insert(JobRow row, String owner, Instant leaseUntil, long heapBytes, long nativeBytes) {
		this.transactions.executeWithoutResult((status) -> {
			insert(row, heapBytes, nativeBytes);
			if (owner != null && !claim(row.id(), owner, leaseUntil)) {
				throw new IllegalStateException("a job inserted in this transaction is queued");
			}
		});
	}

	/**
	 * Takes the oldest queued job for replica {@code owner}: {@code SELECT … FOR UPDATE
	 * SKIP LOCKED} (H2 and PostgreSQL) passes over rows another replica is claiming at
	 * the same moment, and the claim is a compare-and-set on QUEUED, so a job is taken
	 * once.
	 */
	Optional<JobRow> claimNext(String owner, Instant leaseUntil) {
		return claimNext(owner, leaseUntil, Long.MAX_VALUE, Long.MAX_VALUE);
	}

	/**
	 * {@link #claimNext(String, Instant)} among the queued jobs whose estimated memory
	 * fits in {@code heapFree} and {@code nativeFree} bytes: a job starts only while its
	 * estimate fits beside what this replica's running work holds.
	 */
	Optional<JobRow> claimNext(String owner, Instant leaseUntil, long heapFree, long nativeFree) {
		return this.transactions.execute((status) -> {
			Optional<String> id = this.jdbc
				.sql("SELECT id FROM jobs WHERE status = 'QUEUED' AND heap_bytes <= :heap AND native_bytes <= :native "
						+ "ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED")
				.param("heap", heapFree)
				.param("native", nativeFree)
				.query(String.class)
				.optional();
			if (id.isEmpty() || !claim(id.get(), owner, leaseUntil)) {
				return Optional.<JobRow>empty();
			}
			return find(id.get());
		});
	}

	/** A job's estimated peak memory: heap bytes, native bytes. */
	long[] memory(String id) {
		return this.jdbc.sql("SELECT heap_bytes, native_bytes FROM jobs WHERE id = :id")
			.param("id", id)
			.query((rs, n) -> new long[] { rs.getLong(1), rs.getLong(2) })
			.optional()
			.orElse(new long[2]);
	}

	private boolean claim(String id, String owner, Instant leaseUntil) {
		return this.jdbc
			.sql("UPDATE jobs SET status = 'RUNNING', started_at = COALESCE(started_at, :now), owner = :owner, "
					+ "lease_until = :lease, pause_requested = FALSE, claims = claims + 1 "
					+ "WHERE id = :id AND status = 'QUEUED'")
			.param("now", time(Instant.now()))
			.param("owner", owner)
			.param("lease", time(leaseUntil))
			.param("id", id)
			.update() == 1;
	}

	/**
	 * Extends the lease of a job {@code owner} runs; false when it no longer holds it.
	 */
	boolean renew(String id, String owner, Instant leaseUntil) {
		return this.jdbc
			.sql("UPDATE jobs SET lease_until = :lease WHERE id = :id AND owner = :owner AND status = 'RUNNING'")
			.param("lease", time(leaseUntil))
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	/** Whether {@code owner} still holds running job {@code id}. */
	boolean holds(String id, String owner) {
		return this.jdbc.sql("SELECT COUNT(*) FROM jobs WHERE id = :id AND owner = :owner AND status = 'RUNNING'")
			.param("id", id)
			.param("owner", owner)
			.query(Long.class)
			.single() == 1;
	}

	/**
	 * Asks the replica running job {@code id} to cancel it; false when it is not running.
	 */
	boolean requestCancel(String id) {
		return this.jdbc.sql("UPDATE jobs SET cancel_requested = TRUE WHERE id = :id AND status = 'RUNNING'")
			.param("id", id)
			.update() == 1;
	}

	/** Running jobs of {@code owner} that a client asked to cancel. */
	List<String> cancelRequested(String owner) {
		return this.jdbc
			.sql("SELECT id FROM jobs WHERE owner = :owner AND status = 'RUNNING' AND cancel_requested = TRUE")
			.param("owner", owner)
			.query(String.class)
			.list();
	}

	/**
	 * Re-queues every running job whose lease ended before {@code now}: its replica
	 * stopped renewing it (it died, or lost the database). Another replica continues it
	 * from its last training checkpoint. Returns the jobs re-queued.
	 */
	List<String> requeueExpired(Instant now, int maxResumes) {
		List<JobRow> expired = this.jdbc.sql("SELECT * FROM jobs WHERE status = 'RUNNING' AND lease_until < :now")
			.param("now", time(now))
			.query(this::row)
			.list();
		List<String> requeued = new java.util.ArrayList<>();
		for (JobRow job : expired) {
			String reason = "lease expired: replica '" + job.owner() + "' stopped renewing it (it stopped or lost "
					+ "the database)";
			requeued.addAll(requeue(List.of(job), reason, maxResumes, "lease_until < :now", null, now));
		}
		return requeued;
	}

	/**
	 * Records the job's newest training checkpoint, while {@code owner} holds it; false
	 * when it no longer does (the object then belongs to nobody and should be deleted).
	 */
	boolean saveCheckpoint(String id, String owner, SavedCheckpoint saved) {
		return this.jdbc
			.sql("UPDATE jobs SET checkpoint_key = :key, checkpoint_sha256 = :sha, checkpoint_epoch = :epoch, "
					+ "checkpoint_step = :step WHERE id = :id AND owner = :owner AND status = 'RUNNING'")
			.param("key", saved.key())
			.param("sha", saved.sha256())
			.param("epoch", saved.epoch())
			.param("step", saved.step())
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	/** The job's last training checkpoint, if it has one. */
	Optional<SavedCheckpoint> checkpoint(String id) {
		return this.jdbc
			.sql("SELECT checkpoint_key, checkpoint_sha256, checkpoint_epoch, checkpoint_step FROM jobs "
					+ "WHERE id = :id AND checkpoint_key IS NOT NULL")
			.param("id", id)
			.query((rs, n) -> new SavedCheckpoint(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getLong(4)))
			.optional();
	}

	/** Forgets the job's training checkpoint (its object is deleted by the caller). */
	void clearCheckpoint(String id) {
		this.jdbc
			.sql("UPDATE jobs SET checkpoint_key = NULL, checkpoint_sha256 = NULL, checkpoint_epoch = NULL, "
					+ "checkpoint_step = NULL WHERE id = :id")
			.param("id", id)
			.update();
	}

	/**
	 * Records that {@code owner} continues the job from epoch {@code epoch} after
	 * {@code step} minibatches, and drops the epochs that will be trained again (finished
	 * after the checkpoint was written).
	 */
	void markResumed(String id, String owner, int epoch, long step) {
		this.transactions.executeWithoutResult((status) -> {
			int updated = this.jdbc
				.sql("UPDATE jobs SET resumed_epoch = :epoch, resumed_step = :step, resumes = resumes + 1 "
						+ "WHERE id = :id AND owner = :owner AND status = 'RUNNING'")
				.param("epoch", epoch)
				.param("step", step)
				.param("id", id)
				.param("owner", owner)
				.update();
			if (updated == 1) {
				this.jdbc.sql("DELETE FROM job_epochs WHERE job_id = :id AND epoch >= :epoch")
					.param("id", id)
					.param("epoch", epoch)
					.update();
			}
		});
	}

	/** What a client sees of a job's interruptions: null when it never was resumed. */
	Optional<JobView.Resumed> resumed(String id) {
		return this.jdbc
			.sql("SELECT resumed_epoch, resumed_step, resumes, interruption FROM jobs WHERE id = :id AND resumes > 0")
			.param("id", id)
			.query((rs, n) -> JobView.Resumed.of(rs.getInt(1), rs.getLong(2), rs.getInt(3), rs.getString(4)))
			.optional();
	}

	/**
	 * Asks the replica running job {@code id} to pause it; false when it is not running.
	 */
	boolean requestPause(String id) {
		return this.jdbc.sql("UPDATE jobs SET pause_requested = TRUE WHERE id = :id AND status = 'RUNNING'")
			.param("id", id)
			.update() == 1;
	}

	/** Running jobs of {@code owner} that a client asked to pause. */
	List<String> pauseRequested(String owner) {
		return this.jdbc
			.sql("SELECT id FROM jobs WHERE owner = :owner AND status = 'RUNNING' AND pause_requested = TRUE")
			.param("owner", owner)
			.query(String.class)
			.list();
	}

	/**
	 * Moves a job {@code owner} runs to PAUSED after it saved its training checkpoint;
	 * false when it lost the job.
	 */
	boolean paused(String id, String owner) {
		return this.jdbc
			.sql("UPDATE jobs SET status = 'PAUSED', pause_requested = FALSE, lease_until = NULL, "
					+ "interruption = 'paused by a client' WHERE id = :id AND status = 'RUNNING' AND owner = :owner")
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	/**
	 * Hands a job {@code owner} runs back to the queue after it saved its training
	 * checkpoint (the replica is stopping); false when it lost the job.
	 */
	boolean release(String id, String owner, String reason) {
		return this.jdbc
			.sql("UPDATE jobs SET status = 'QUEUED', owner = NULL, lease_until = NULL, interruption = :reason "
					+ "WHERE id = :id AND status = 'RUNNING' AND owner = :owner")
			.param("reason", reason)
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	/** A queued job a client pauses before it starts; false when it is not queued. */
	boolean pauseQueued(String id) {
		return this.jdbc
			.sql("UPDATE jobs SET status = 'PAUSED', interruption = 'paused by a client' "
					+ "WHERE id = :id AND status = 'QUEUED'")
			.param("id", id)
			.update() == 1;
	}

	/** PAUSED → QUEUED; false when the job is not paused. */
	boolean resume(String id) {
		return this.jdbc.sql("UPDATE jobs SET status = 'QUEUED', owner = NULL WHERE id = :id AND status = 'PAUSED'")
			.param("id", id)
			.update() == 1;
	}

	/**
	 * A training checkpoint in the object store.
	 *
	 * @param key its object key
	 * @param sha256 its SHA-256 (hex)
	 * @param epoch the epoch it continues (1-based; past the last when complete)
	 * @param step minibatches done over the whole run
	 */
	record SavedCheckpoint(String key, String sha256, int epoch, long step) {
	}

	/**
	 * Finishes a running job that {@code owner} holds; false when it lost the job (its
	 * lease expired and another replica failed it).
	 */
	boolean finish(String id, String owner, JobStatus to, String error, String modelId) {
		if (!JobStatus.RUNNING.canMoveTo(to)) {
			throw new IllegalStateException("RUNNING → " + to + " is not a job transition");
		}
		return this.jdbc
			.sql("UPDATE jobs SET status = :to, finished_at = :now, error = :error, model_id = :model "
					+ "WHERE id = :id AND status = 'RUNNING' AND owner = :owner")
			.param("to", to.name())
			.param("now", time(Instant.now()))
			.param("error", (error != null && error.length() > 2000) ? error.substring(0, 2000) : error)
			.param("model", modelId)
			.param("id", id)
			.param("owner", owner)
			.update() == 1;
	}

	/** How often job {@code id} was taken from the queue. */
	int claims(String id) {
		return this.jdbc.sql("SELECT claims FROM jobs WHERE id = :id").param("id", id).query(Integer.class).single();
	}

	private static OffsetDateTime time(Instant instant) {
		return (instant != null) ? OffsetDateTime.ofInstant(instant, ZoneOffset.UTC) : null;
	}

	private JobRow row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
		return new JobRow(rs.getString("id"), JobStatus.valueOf(rs.getString("status")), rs.getString("spec"),
				rs.getString("dataset_id"), instant(rs, "created_at"), instant(rs, "started_at"),
				instant(rs, "finished_at"), rs.getInt("epoch"), rs.getInt("total_epochs"), rs.getLong("step"),
				rs.getLong("total_steps"), rs.getString("error"), rs.getString("model_id"), rs.getString("owner"));
	}

	private static Instant instant(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
		OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
		return (t != null) ? t.toInstant() : null;
	}

}
