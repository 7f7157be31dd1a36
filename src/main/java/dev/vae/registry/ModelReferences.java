package dev.vae.registry;

import dev.vae.model.analysis.AnomalyReference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Each model version's reference distribution of anomaly scores, stored in the database
 * beside the version's row (so every replica reads the same one): the sorted scores as
 * base64 of little-endian float64, read on every use, never cached, so a calibration on
 * one replica is what the next request on any replica sees.
 */
@Repository
public class ModelReferences {

	private final JdbcClient jdbc;

	ModelReferences(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * A stored reference.
	 *
	 * @param reference the sorted scores and their k
	 * @param source what was scored ("job j-…, held-out split", "dataset d-…")
	 * @param seed the seed of the importance samples
	 * @param createdAt when it was stored
	 */
	public record Stored(AnomalyReference reference, String source, long seed, Instant createdAt) {
	}

	/** Model {@code id}'s reference, if it has been calibrated. */
	public Optional<Stored> find(String modelId) {
		return this.jdbc.sql("SELECT * FROM model_references WHERE model_id = :id")
			.param("id", modelId)
			.query((rs, n) -> new Stored(new AnomalyReference(decode(rs.getString("scores")), rs.getInt("k")),
					rs.getString("source"), rs.getLong("seed"),
					rs.getObject("created_at", OffsetDateTime.class).toInstant()))
			.optional();
	}

	/** Stores (or replaces) model {@code id}'s reference. */
	public Stored save(String modelId, AnomalyReference reference, String source, long seed) {
		Instant now = Instant.now();
		String scores = encode(reference.sorted());
		java.util.Map<String, Object> row = java.util.Map.of("id", modelId, "k", reference.k(), "n", reference.count(),
				"scores", scores, "source", source, "seed", seed, "created",
				OffsetDateTime.ofInstant(now, ZoneOffset.UTC));
		int updated = this.jdbc
			.sql("UPDATE model_references SET k = :k, score_count = :n, scores = :scores, source = :source, "
					+ "seed = :seed, created_at = :created WHERE model_id = :id")
			.params(row)
			.update();
		if (updated == 0) {
			this.jdbc
				.sql("INSERT INTO model_references (model_id, k, score_count, scores, source, seed, created_at) "
						+ "VALUES (:id, :k, :n, :scores, :source, :seed, :created)")
				.params(row)
				.update();
		}
		return new Stored(reference, source, seed, now);
	}

	/** Quantile levels shown for a reference, by name. */
	private static final String[] NAMES = { "min", "p01", "p05", "p10", "p25", "p50", "p75", "p90", "p95", "p99",
			"p999", "max" };

	private static final double[] LEVELS = { 0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1 };

	/** A reference's summary quantiles (lower empirical quantiles), in order. */
	public static java.util.Map<String, Double> quantiles(AnomalyReference reference) {
		java.util.Map<String, Double> quantiles = new java.util.LinkedHashMap<>();
		for (int i = 0; i < NAMES.length; i++) {
			quantiles.put(NAMES[i], reference.quantile(LEVELS[i]));
		}
		return quantiles;
	}

	static String encode(double[] values) {
		ByteBuffer bytes = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		bytes.asDoubleBuffer().put(values);
		return Base64.getEncoder().encodeToString(bytes.array());
	}

	static double[] decode(String text) {
		byte[] bytes = Base64.getDecoder().decode(text);
		double[] values = new double[bytes.length / 8];
		ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(values);
		return values;
	}

}
