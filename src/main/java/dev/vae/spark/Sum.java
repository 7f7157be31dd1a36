package dev.vae.spark;

import dev.vae.model.train.Replica;

import java.io.Serializable;

/**
 * The (gradient sum, loss sums, count) a step aggregates, plus the replicas' running
 * statistics weighted by their row counts and the slowest replica's compute time. Both
 * merge functions may change and return their first argument, as {@code treeAggregate}
 * allows.
 */
final class Sum implements Serializable {

	private static final long serialVersionUID = 1L;

	float[] gradient;

	float[] buffers;

	double reconstruction;

	double kl;

	int count;

	long computeNanos;

	static Sum empty() {
		return new Sum();
	}

	static Sum of(Replica.Share share, float[] buffers, long computeNanos) {
		Sum sum = new Sum();
		sum.gradient = share.gradientSum();
		sum.buffers = buffers;
		for (int i = 0; i < buffers.length; i++) {
			sum.buffers[i] *= share.count();
		}
		sum.reconstruction = share.reconstruction();
		sum.kl = share.kl();
		sum.count = share.count();
		sum.computeNanos = computeNanos;
		return sum;
	}

	/** Adds {@code other} into this one. */
	Sum merge(Sum other) {
		if (other.count == 0) {
			return this;
		}
		if (this.count == 0) {
			return other;
		}
		add(this.gradient, other.gradient);
		add(this.buffers, other.buffers);
		this.reconstruction += other.reconstruction;
		this.kl += other.kl;
		this.count += other.count;
		this.computeNanos = Math.max(this.computeNanos, other.computeNanos);
		return this;
	}

	private static void add(float[] into, float[] values) {
		for (int i = 0; i < into.length; i++) {
			into[i] += values[i];
		}
	}

}
