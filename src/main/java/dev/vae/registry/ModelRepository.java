package dev.vae.registry;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Model versions' metadata and the id of the active one. */
@Repository
class ModelRepository {

	private static final String ACTIVE = "active-model";

	private final JdbcClient jdbc;

	ModelRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void insert(ModelRow row) {
		this.jdbc
			.sql("INSERT INTO models (id, name, source, job_id, manifest, size_bytes, created_at) "
					+ "VALUES (:id, :name, :source, :jobId, :manifest, :size, :created)")
			.param("id", row.id())
			.param("name", row.name())
			.param("source", row.source())
			.param("jobId", row.jobId())
			.param("manifest", row.manifest())
			.param("size", row.sizeBytes())
			.param("created", OffsetDateTime.ofInstant(row.createdAt(), ZoneOffset.UTC))
			.update();
	}

	void replace(ModelRow row) {
		this.jdbc.sql("DELETE FROM models WHERE id = :id").param("id", row.id()).update();
		insert(row);
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

	boolean delete(String id) {
		return this.jdbc.sql("DELETE FROM models WHERE id = :id").param("id", id).update() > 0;
	}

	Optional<String> activeId() {
		return this.jdbc.sql("SELECT setting_value FROM settings WHERE setting_key = :name")
			.param("name", ACTIVE)
			.query(String.class)
			.optional();
	}

	void setActiveId(String id) {
		int updated = this.jdbc.sql("UPDATE settings SET setting_value = :value WHERE setting_key = :name")
			.param("name", ACTIVE)
			.param("value", id)
			.update();
		if (updated == 0) {
			this.jdbc.sql("INSERT INTO settings (setting_key, setting_value) VALUES (:name, :value)")
				.param("name", ACTIVE)
				.param("value", id)
				.update();
		}
	}

	private ModelRow row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
		return new ModelRow(rs.getString("id"), rs.getString("name"), rs.getString("source"), rs.getString("job_id"),
				rs.getString("manifest"), rs.getLong("size_bytes"),
				rs.getObject("created_at", OffsetDateTime.class).toInstant());
	}

}
