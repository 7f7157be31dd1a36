package dev.vae.registry;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Model versions' metadata and the active model: one row that every replica follows,
 * whose generation grows by one with each activation.
 */
@Repository
class ModelRepository {

	private final JdbcClient jdbc;

	private final TransactionTemplate transactions;

	ModelRepository(JdbcClient jdbc, TransactionTemplate transactions) {
		this.jdbc = jdbc;
		this.transactions = transactions;
	}

	/**
	 * The active model as stored.
	 *
	 * @param modelId the model every replica should serve
	 * @param generation how many activations led to it
	 */
	record Active(String modelId, long generation) {
	}

	void insert(ModelRow row) {
		this.jdbc
			.sql("INSERT INTO models (id, name, source, job_id, manifest, size_bytes, created_at, sha256) "
					+ "VALUES (:id, :name, :source, :jobId, :manifest, :size, :created, :sha256)")
			.param("id", row.id())
			.param("name", row.name())
			.param("source", row.source())
			.param("jobId", row.jobId())
			.param("manifest", row.manifest())
			.param("size", row.sizeBytes())
			.param("created", OffsetDateTime.ofInstant(row.createdAt(), ZoneOffset.UTC))
			.param("sha256", row.sha256())
			.update();
	}

	/**
	 * Writes a row whether or not one with its id exists; replicas starting at the same
	 * time may all write the default model's row.
	 */
	void replace(ModelRow row) {
		if (update(row) == 0) {
			try {
				insert(row);
			}
			catch (org.springframework.dao.DuplicateKeyException ex) {
				update(row);
			}
		}
	}

	private int update(ModelRow row) {
		return this.jdbc
			.sql("UPDATE models SET name = :name, source = :source, job_id = :jobId, manifest = :manifest, "
					+ "size_bytes = :size, created_at = :created, sha256 = :sha256 WHERE id = :id")
			.param("id", row.id())
			.param("name", row.name())
			.param("source", row.source())
			.param("jobId", row.jobId())
			.param("manifest", row.manifest())
			.param("size", row.sizeBytes())
			.param("created", OffsetDateTime.ofInstant(row.createdAt(), ZoneOffset.UTC))
			.param("sha256", row.sha256())
			.update();
	}

	Optional<ModelRow> find(String id) {
		return this.jdbc.sql("SELECT * FROM models WHERE id = :id").param("id", id).query(this::row).optional();
	}

	List<ModelRow> list() {
		return this.jdbc.sql("SELECT * FROM models ORDER BY created_at, id").query(this::row).list();
	}

	long count() {
		return this.jdbc.sql("SELECT COUNT(*) FROM models").query(Long.class).single();
	}

	/** Deletes a model's row and its anomaly reference. */
	boolean delete(String id) {
		deleteReference(id);
		return this.jdbc.sql("DELETE FROM models WHERE id = :id").param("id", id).update() > 0;
	}

	/** Forgets a model's anomaly reference (its scores no longer describe the model). */
	void deleteReference(String id) {
		this.jdbc.sql("DELETE FROM model_references WHERE model_id = :id").param("id", id).update();
	}

	Optional<Active> active() {
		return this.jdbc.sql("SELECT model_id, generation FROM active_model WHERE slot = 1")
			.query((rs, n) -> new Active(rs.getString("model_id"), rs.getLong("generation")))
			.optional();
	}

	/**
	 * Makes {@code id} the active model for every replica; returns the new generation.
	 * The update and the read of its generation are one transaction, so two replicas
	 * activating at once each learn their own generation and the later one wins.
	 */
	long activate(String id) {
		Long generation = this.transactions.execute((status) -> {
			OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
			int updated = this.jdbc
				.sql("UPDATE active_model SET model_id = :id, generation = generation + 1, activated_at = :now "
						+ "WHERE slot = 1")
				.param("id", id)
				.param("now", now)
				.update();
			if (updated == 0) {
				this.jdbc
					.sql("INSERT INTO active_model (slot, model_id, generation, activated_at) VALUES (1, :id, 1, :now)")
					.param("id", id)
					.param("now", now)
					.update();
			}
			return this.jdbc.sql("SELECT generation FROM active_model WHERE slot = 1").query(Long.class).single();
		});
		return (generation != null) ? generation : 0;
	}

	private ModelRow row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
		return new ModelRow(rs.getString("id"), rs.getString("name"), rs.getString("source"), rs.getString("job_id"),
				rs.getString("manifest"), rs.getLong("size_bytes"),
				rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getString("sha256"));
	}

}
