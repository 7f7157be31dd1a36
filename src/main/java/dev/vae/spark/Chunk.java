package dev.vae.spark;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.network.Evaluation;
import dev.vae.model.Examples;
import dev.vae.model.train.Replica;

import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One partition's stored rows [start, start + count), read by its executor from the
 * dataset ({@link RowRange}) and cached there for the whole run, so the data never passes
 * through the driver; each step ships only the parameters and the minibatch's indices and
 * noise. The split tells which of its rows are training examples and which validation
 * examples, by their index in the split order.
 */
final class Chunk implements Serializable {

	private static final long serialVersionUID = 1L;

	private final long start;

	private final int length;

	private final float[] values;

	/** Training examples' indices held here, ascending, and each one's row in values. */
	private final int[] trainIndex;

	private final int[] trainRow;

	/** The same for validation examples. */
	private final int[] validationIndex;

	private final int[] validationRow;

	private Chunk(long start, int length, float[] values, int[] trainIndex, int[] trainRow, int[] validationIndex,
			int[] validationRow) {
		this.start = start;
		this.length = length;
		this.values = values;
		this.trainIndex = trainIndex;
		this.trainRow = trainRow;
		this.validationIndex = validationIndex;
		this.validationRow = validationRow;
	}

	/** Reads a range's rows and places them in the split (on the executor). */
	static Chunk read(RowRange range, Split split, int length) throws IOException {
		float[] values = range.source().read(range.from(), range.count(), length);
		int[] places = split.places();
		int train = split.train();
		long[] trainKeys = new long[range.count()];
		long[] validationKeys = new long[range.count()];
		int t = 0;
		int v = 0;
		for (int r = 0; r < range.count(); r++) {
			int place = places[Math.toIntExact(range.from() + r)];
			// (index << 32 | row): sorting the keys sorts by index and keeps each row
			if (place < train) {
				trainKeys[t++] = ((long) place << 32) | r;
			}
			else {
				validationKeys[v++] = ((long) (place - train) << 32) | r;
			}
		}
		int[][] trainPairs = unpack(trainKeys, t);
		int[][] validationPairs = unpack(validationKeys, v);
		return new Chunk(range.from(), length, values, trainPairs[0], trainPairs[1], validationPairs[0],
				validationPairs[1]);
	}

	private static int[][] unpack(long[] keys, int n) {
		long[] sorted = Arrays.copyOf(keys, n);
		Arrays.sort(sorted);
		int[] index = new int[n];
		int[] row = new int[n];
		for (int i = 0; i < n; i++) {
			index[i] = (int) (sorted[i] >>> 32);
			row[i] = (int) sorted[i];
		}
		return new int[][] { index, row };
	}

	long start() {
		return this.start;
	}

	int rows() {
		return this.values.length / Math.max(1, this.length);
	}

	int validationRows() {
		return this.validationRow.length;
	}

	/** The training examples' indices held here, ascending. */
	int[] trainIndices() {
		return this.trainIndex.clone();
	}

	/** The validation examples' indices held here, ascending. */
	int[] validationIndices() {
		return this.validationIndex.clone();
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
		long started = System.nanoTime();
		Replica replica = Replicas.borrow(step.run(), spec);
		try {
			replica.load(step.parameters(), step.buffers());
			Replica.Share share = replica.gradientSum(rows.x, rows.eps, rows.count, step.klTerm());
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
	 * The held-out −ELBO sums of this slice's validation examples, each with the noise
	 * the single-process evaluation draws for its index (k draws per example, in index
	 * order, from one generator), packed by {@link #pack}.
	 */
	double[] evaluate(Evaluate task, NetworkSpec spec) {
		int n = this.validationIndex.length;
		if (n == 0) {
			return new double[3];
		}
		int k = task.latentSize();
		double[] noise = new double[n * k];
		SplittableRandom random = new SplittableRandom(task.seed());
		int last = this.validationIndex[n - 1];
		for (int index = 0, p = 0; index <= last; index++) {
			boolean mine = this.validationIndex[p] == index;
			for (int j = 0; j < k; j++) {
				double e = random.nextGaussian();
				if (mine) {
					noise[p * k + j] = e;
				}
			}
			if (mine) {
				p++;
			}
		}
		Examples rows = gather(this.validationRow);
		Replica replica = Replicas.borrow(task.run(), spec);
		try {
			replica.load(task.parameters(), task.buffers());
			return pack(replica.negElbo(rows, noise));
		}
		finally {
			Replicas.giveBack(task.run(), replica);
		}
	}

	/**
	 * A summary as one serialisable array: reconstruction, KL, count, then the KL per
	 * dimension, the variance and the mean of each μ_j ({@link #summary} reverses it; an
	 * empty part is three zeros).
	 */
	static double[] pack(Evaluation.Summary summary) {
		int k = summary.klPerDimension().length;
		double[] packed = new double[3 + 3 * k];
		packed[0] = summary.reconstruction();
		packed[1] = summary.kl();
		packed[2] = summary.count();
		System.arraycopy(summary.klPerDimension(), 0, packed, 3, k);
		System.arraycopy(summary.meanVariance(), 0, packed, 3 + k, k);
		System.arraycopy(summary.meanOfMean(), 0, packed, 3 + 2 * k, k);
		return packed;
	}

	static Evaluation.Summary summary(double[] packed) {
		int k = (packed.length - 3) / 3;
		double[] kl = java.util.Arrays.copyOfRange(packed, 3, 3 + k);
		double[] variance = java.util.Arrays.copyOfRange(packed, 3 + k, 3 + 2 * k);
		double[] mean = java.util.Arrays.copyOfRange(packed, 3 + 2 * k, 3 + 3 * k);
		return new Evaluation.Summary(packed[0] + packed[1], packed[0], packed[1], (int) packed[2], kl, variance, mean);
	}

	/** Σ x over the training rows held here, per value, and their count last. */
	double[] trainSum() {
		double[] sum = new double[this.length + 1];
		for (int row : this.trainRow) {
			for (int j = 0; j < this.length; j++) {
				sum[j] += this.values[row * this.length + j];
			}
		}
		sum[this.length] = this.trainRow.length;
		return sum;
	}

	/** Σ (x − mean)² over the training rows held here, per value. */
	double[] trainSquares(double[] mean) {
		double[] sum = new double[this.length];
		for (int row : this.trainRow) {
			for (int j = 0; j < this.length; j++) {
				double r = this.values[row * this.length + j] - mean[j];
				sum[j] += r * r;
			}
		}
		return sum;
	}

	/** Σ NLL of the validation rows held here under the decoder output {@code eta}. */
	double validationNll(DecoderHead head, double[] eta) {
		double total = 0;
		for (int row : this.validationRow) {
			double[] x = new double[this.length];
			for (int j = 0; j < this.length; j++) {
				x[j] = this.values[row * this.length + j];
			}
			total += head.nll(x, 0, eta, 0, this.length, null);
		}
		return total;
	}

	private Examples gather(int[] rows) {
		float[] x = new float[rows.length * this.length];
		for (int i = 0; i < rows.length; i++) {
			System.arraycopy(this.values, rows[i] * this.length, x, i * this.length, this.length);
		}
		return new Examples(x, rows.length, this.length);
	}

	/**
	 * The rows of a global minibatch that fall in this slice, in minibatch order, each
	 * with its own noise row; null when there are none.
	 */
	private Rows rows(int[] batch, float[] noise) {
		int k = noise.length / batch.length;
		int[] local = new int[batch.length];
		int count = 0;
		for (int j = 0; j < batch.length; j++) {
			int at = Arrays.binarySearch(this.trainIndex, batch[j]);
			local[j] = (at >= 0) ? this.trainRow[at] : -1;
			if (at >= 0) {
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
			if (local[j] >= 0) {
				System.arraycopy(this.values, local[j] * this.length, x, r * this.length, this.length);
				System.arraycopy(noise, j * k, eps, r * k, k);
				r++;
			}
		}
		return new Rows(x, eps, count);
	}

	private record Rows(float[] x, float[] eps, int count) {
	}

}
