package dev.vae.training;

import dev.vae.model.Trainer;

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
			.sql("SELECT COUNT(*) FROM jobs WHERE dataset_id = :dataset AND status IN ('QUEUED', 'RUNNING')")
			.param("dataset", datasetId)
			.query(Long.class)
			.single() > 0;
	}

	/**
	 * Marks the jobs a previous life of replica {@code owner} left running (and running
	 * jobs with no owner, from before leases) as failed; returns how many.
	 */
	int failRunningOf(String owner, String reason) {
		return this.jdbc
			.sql("UPDATE jobs SET status = 'FAILED', error = :reason, finished_at = :now "
					+ "WHERE status = 'RUNNING' AND (owner = :owner OR owner IS NULL)")
			.param("reason", reason)
			.param("owner", owner)
			.param("now", time(Instant.now()))
			.update();
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
			.sql("UPDATE jobs SET status = 'RUNNING', started_at = :now, owner = :owner, lease_until = :lease, "
					+ "claims = claims + 1 WHERE id = :id AND status = 'QUEUED'")
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
	 * Fails every running job whose lease ended before {@code now}: its replica stopped
	 * renewing it (it died, or lost the database). Returns the jobs failed.
	 */
	List<String> failExpired(Instant now) {
		List<JobRow> expired = this.jdbc.sql("SELECT * FROM jobs WHERE status = 'RUNNING' AND lease_until < :now")
			.param("now", time(now))
			.query(this::row)
			.list();
		List<String> failed = new java.util.ArrayList<>();
		for (JobRow job : expired) {
			String reason = "lease expired: replica '" + job.owner() + "' stopped renewing it (it stopped or lost "
					+ "the database); partial training is not resumed, submit the job again";
			int updated = this.jdbc
				.sql("UPDATE jobs SET status = 'FAILED', error = :reason, finished_at = :now "
						+ "WHERE id = :id AND status = 'RUNNING' AND lease_until < :now")
				.param("reason", reason)
				.param("now", time(now))
				.param("id", job.id())
				.update();
			if (updated == 1) {
				failed.add(job.id());
			}
		}
		return failed;
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
