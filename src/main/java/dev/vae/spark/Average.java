package dev.vae.spark;

import java.io.Serializable;

/**
 * A round's sums for parameter averaging: parameters, Adam moments and running
 * statistics, each weighted by the partition's row count, with the loss sums, the rows
 * and the slowest partition's compute time. Merging may change and return its first
 * argument.
 */
final class Average implements Serializable {

	private static final long serialVersionUID = 1L;

	float[] params;

	float[] m;

	float[] v;

	float[] buffers;

	double reconstruction;

	double kl;

	int rows;

	long computeNanos;

	static Average empty() {
		return new Average();
	}

	/** A partition's state after its local steps, weighted by its {@code rows}. */
	static Average of(float[] params, float[] m, float[] v, float[] buffers, double reconstruction, double kl, int rows,
			long computeNanos) {
		Average a = new Average();
		a.params = scale(params, rows);
		a.m = scale(m, rows);
		a.v = scale(v, rows);
		a.buffers = scale(buffers, rows);
		a.reconstruction = reconstruction;
		a.kl = kl;
		a.rows = rows;
		a.computeNanos = computeNanos;
		return a;
	}

	Average merge(Average other) {
		if (other.rows == 0) {
			return this;
		}
		if (this.rows == 0) {
			return other;
		}
		add(this.params, other.params);
		add(this.m, other.m);
		add(this.v, other.v);
		add(this.buffers, other.buffers);
		this.reconstruction += other.reconstruction;
		this.kl += other.kl;
		this.rows += other.rows;
		this.computeNanos = Math.max(this.computeNanos, other.computeNanos);
		return this;
	}

	/** The weighted mean: a weighted sum divided by the total weight. */
	static float[] divide(float[] sum, int rows) {
		float[] mean = new float[sum.length];
		for (int i = 0; i < sum.length; i++) {
			mean[i] = sum[i] / rows;
		}
		return mean;
	}

	private static float[] scale(float[] values, int by) {
		for (int i = 0; i < values.length; i++) {
			values[i] *= by;
		}
		return values;
	}

	private static void add(float[] into, float[] values) {
		for (int i = 0; i < into.length; i++) {
			into[i] += values[i];
		}
	}

}
