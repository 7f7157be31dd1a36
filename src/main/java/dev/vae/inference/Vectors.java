package dev.vae.inference;

import dev.vae.system.InvalidInputException;
import dev.vae.system.TooLargeException;

/**
 * Shape and value checks of request vectors, made before any work starts; messages name
 * the field.
 */
final class Vectors {

	private Vectors() {
	}

	/**
	 * Checks a batch: present, not over {@code maxBatch}, every row {@code length} finite
	 * values, and within [0, 1] when {@code unitInterval}.
	 * @param support names the reason values must be in [0, 1], for the message
	 */
	static void check(double[][] rows, String field, int length, String shape, int maxBatch, boolean unitInterval,
			String support) {
		if (rows == null || rows.length == 0) {
			throw new InvalidInputException(field, field + " must hold at least one vector");
		}
		if (rows.length > maxBatch) {
			throw new TooLargeException(field, field + " holds " + rows.length + " vectors; at most " + maxBatch
					+ " are accepted per request (vae.limits.max-batch)");
		}
		for (int i = 0; i < rows.length; i++) {
			double[] row = rows[i];
			if (row == null) {
				throw new InvalidInputException(field + "[" + i + "]",
						field + "[" + i + "] must be an array of " + length + " numbers, was null");
			}
			if (row.length != length) {
				throw new InvalidInputException(field + "[" + i + "]", field + "[" + i + "] has " + row.length
						+ " values; the model expects " + length + " (" + shape + ")");
			}
			for (int j = 0; j < row.length; j++) {
				double v = row[j];
				if (!Double.isFinite(v)) {
					throw new InvalidInputException(field + "[" + i + "][" + j + "]",
							field + "[" + i + "][" + j + "] is " + v + "; values must be finite numbers");
				}
				if (Math.abs(v) > Float.MAX_VALUE) {
					throw new InvalidInputException(field + "[" + i + "][" + j + "]", field + "[" + i + "][" + j
							+ "] is " + v + ", beyond float32 range (±" + Float.MAX_VALUE + ") the model computes in");
				}
				if (unitInterval && (v < 0 || v > 1)) {
					throw new InvalidInputException(field + "[" + i + "][" + j + "]",
							field + "[" + i + "][" + j + "] is " + v + "; values must lie in [0, 1], " + support);
				}
			}
		}
	}

	/**
	 * The request's seed, or a fresh one (below 2⁵³, so that JSON clients read it back
	 * exactly).
	 */
	static long seedOrFresh(Long seed) {
		return (seed != null) ? seed : java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 53);
	}

	/** Checks an optional count: absent, or in 1..max. */
	static int count(Integer value, String field, int fallback, int max, String setting) {
		if (value == null) {
			return fallback;
		}
		if (value < 1) {
			throw new InvalidInputException(field, field + " must be at least 1, was " + value);
		}
		if (value > max) {
			throw new InvalidInputException(field,
					field + " must be at most " + max + " (" + setting + "), was " + value);
		}
		return value;
	}

	/**
	 * An option that may come in the JSON body or as a query parameter (the image
	 * variants of the same operation take it there): either one, or both if they agree.
	 */
	static <T> T option(T body, T query, String name) {
		if (query == null || query.equals(body)) {
			return body;
		}
		if (body == null) {
			return query;
		}
		throw new InvalidInputException(name,
				name + " is given twice, as " + body + " in the body and " + query + " in the query; give it once");
	}

}
