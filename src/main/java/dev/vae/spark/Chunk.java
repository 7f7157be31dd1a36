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
		int[] batch = step.batch();
		int k = step.eps().length / batch.length;
		int rows = 0;
		for (int index : batch) {
			if (index >= this.start && index < this.start + this.count) {
				rows++;
			}
		}
		if (rows == 0) {
			return Sum.empty();
		}
		float[] x = new float[rows * this.length];
		float[] eps = new float[rows * k];
		int r = 0;
		for (int j = 0; j < batch.length; j++) {
			int local = batch[j] - this.start;
			if (local >= 0 && local < this.count) {
				System.arraycopy(this.values, local * this.length, x, r * this.length, this.length);
				System.arraycopy(step.eps(), j * k, eps, r * k, k);
				r++;
			}
		}
		long started = System.nanoTime();
		Replica replica = Replicas.borrow(step.run(), spec);
		try {
			replica.load(step.parameters(), step.buffers());
			Replica.Share share = replica.gradientSum(x, eps, rows);
			return Sum.of(share, replica.buffers(), System.nanoTime() - started);
		}
		finally {
			Replicas.giveBack(step.run(), replica);
		}
	}

}
