package dev.vae.data;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Stored datasets' metadata. */
@Repository
class DatasetRepository {

	private final JdbcClient jdbc;

	DatasetRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void insert(DatasetRow row) {
		this.jdbc
			.sql("INSERT INTO datasets (id, name, description, source, example_count, height, width, channels, "
					+ "has_labels, size_bytes, created_at, sha256, labels_sha256) VALUES (:id, :name, :description, "
					+ ":source, :count, :height, :width, :channels, :labels, :size, :created, :sha256, :labelsSha256)")
			.param("id", row.id())
			.param("name", row.name())
			.param("description", row.description())
			.param("source", row.source())
			.param("count", row.count())
			.param("height", row.height())
			.param("width", row.width())
			.param("channels", row.channels())
			.param("labels", row.hasLabels())
			.param("size", row.sizeBytes())
			.param("created", OffsetDateTime.ofInstant(row.createdAt(), ZoneOffset.UTC))
			.param("sha256", row.sha256())
			.param("labelsSha256", row.labelsSha256())
			.update();
	}

	Optional<DatasetRow> find(String id) {
		return this.jdbc.sql("SELECT * FROM datasets WHERE id = :id").param("id", id).query(this::row).optional();
	}

	List<DatasetRow> list() {
		return this.jdbc.sql("SELECT * FROM datasets ORDER BY created_at, id").query(this::row).list();
	}

	long count() {
		return this.jdbc.sql("SELECT COUNT(*) FROM datasets").query(Long.class).single();
	}

	void delete(String id) {
		this.jdbc.sql("DELETE FROM datasets WHERE id = :id").param("id", id).update();
	}

	private DatasetRow row(java.sql.ResultSet rs, int n) throws java.sql.SQLException {
		return new DatasetRow(rs.getString("id"), rs.getString("name"), rs.getString("description"),
				rs.getString("source"), rs.getInt("example_count"), rs.getInt("height"), rs.getInt("width"),
				rs.getInt("channels"), rs.getBoolean("has_labels"), rs.getLong("size_bytes"),
				rs.getObject("created_at", OffsetDateTime.class).toInstant(), rs.getString("sha256"),
				rs.getString("labels_sha256"));
	}

}
