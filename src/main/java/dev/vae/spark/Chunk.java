package dev.vae.spark;

import dev.vae.model.Replica;

import java.io.Serializable;

/**
 * One partition's contiguous slice of the training examples, [start, start + count) of
 * the training set. Cached on its executor for the whole run, so the data crosses the
 * network once; each step ships only the parameters and the minibatch's indices and
 * noise.
 */
final class Chunk implements Serializable {

	private static final long serialVersionUID = 1L;

	private final int start;

	private final int count;

	private final int length;

	private final float[] values;

	Chunk(int start, int count, int length, float[] values) {
		this.start = start;
		this.count = count;
		this.length = length;
		this.values = values;
	}

	/**
	 * This slice's part of the step's global minibatch: the rows whose index falls in the
	 * slice, in minibatch order, each with its own noise row; their gradient sum by a
	 * replica holding the step's parameters.
	 */
	Sum share(Step step, NetworkSpec spec) {
		Rows rows = rows(step.batch(), step.eps());
		if (rows == null) {
			return Sum.empty();
		}
		float[] x = rows.x;
		float[] eps = rows.eps;
		long started = System.nanoTime();
		Replica replica = Replicas.borrow(step.run(), spec);
		try {
			replica.load(step.parameters(), step.buffers());
			Replica.Share share = replica.gradientSum(x, eps, rows.count, step.klTerm());
			return Sum.of(share, replica.buffers(), System.nanoTime() - started);
		}
		finally {
			Replicas.giveBack(step.run(), replica);
		}
	}

	/**
	 * Σ over this slice's rows of the step's minibatch of each latent dimension's KL,
	 * then the row count (empty when it has none).
	 */
	double[] klSums(Step step, NetworkSpec spec) {
		Rows rows = rows(step.batch(), step.eps());
		if (rows == null) {
			return new double[0];
		}
		Replica replica = Replicas.borrow(step.run(), spec);
		try {
			replica.load(step.parameters(), step.buffers());
			double[] sums = replica.klSums(rows.x, rows.count);
			double[] withCount = java.util.Arrays.copyOf(sums, sums.length + 1);
			withCount[sums.length] = rows.count;
			return withCount;
		}
		finally {
			Replicas.giveBack(step.run(), replica);
		}
	}

	/**
	 * This slice's local steps of a round: from the round's parameters and Adam state, an
	 * Adam step on its rows of each minibatch in turn (none where it has no rows).
	 */
	Average localSteps(Round round, NetworkSpec spec) {
		long started = System.nanoTime();
		Replica replica = Replicas.borrow(round.run(), spec);
		try {
			replica.load(round.parameters(), round.buffers());
			Replica.Optimizer adam = replica.adam(round.learningRate(), round.clipNorm());
			adam.restore(round.adam());
			double reconstruction = 0;
			double kl = 0;
			int total = 0;
			for (int j = 0; j < round.batches().length; j++) {
				Rows rows = rows(round.batches()[j], round.eps()[j]);
				if (rows == null) {
					continue;
				}
				Replica.Share share = replica.gradientSum(rows.x, rows.eps, rows.count, round.klTerm(j));
				float[] mean = share.gradientSum();
				for (int i = 0; i < mean.length; i++) {
					mean[i] /= rows.count;
				}
				adam.step(mean, round.learningRate(j));
				reconstruction += share.reconstruction();
				kl += share.kl();
				total += rows.count;
			}
			if (total == 0) {
				return Average.empty();
			}
			Replica.State state = adam.state();
			return Average.of(replica.parameters(), state.m(), state.v(), replica.buffers(), reconstruction, kl, total,
					System.nanoTime() - started);
		}
		finally {
			Replicas.giveBack(round.run(), replica);
		}
	}

	/**
	 * The rows of a global minibatch that fall in this slice, in minibatch order, each
	 * with its own noise row; null when there are none.
	 */
	private Rows rows(int[] batch, float[] noise) {
		int k = noise.length / batch.length;
		int count = 0;
		for (int index : batch) {
			if (index >= this.start && index < this.start + this.count) {
				count++;
			}
		}
		if (count == 0) {
			return null;
		}
		float[] x = new float[count * this.length];
		float[] eps = new float[count * k];
		int r = 0;
		for (int j = 0; j < batch.length; j++) {
			int local = batch[j] - this.start;
			if (local >= 0 && local < this.count) {
				System.arraycopy(this.values, local * this.length, x, r * this.length, this.length);
				System.arraycopy(noise, j * k, eps, r * k, k);
				r++;
			}
		}
		return new Rows(x, eps, count);
	}

	private record Rows(float[] x, float[] eps, int count) {
	}

}
