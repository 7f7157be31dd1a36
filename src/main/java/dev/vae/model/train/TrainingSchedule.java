package dev.vae.model.train;

import java.util.SplittableRandom;

/**
 * The random draws of a training run as pure functions of where the run is: each epoch's
 * order of the examples comes from a generator seeded by (seed, epoch), each minibatch's
 * reparameterisation noise from one seeded by (seed, epoch, step). A run stopped anywhere
 * is therefore continued from the epoch and step alone, with the draws an uninterrupted
 * run would have made: nothing of a generator's internal state needs saving. The local
 * trainer and the data-parallel one share it, so they draw alike.
 */
public final class TrainingSchedule {

	private static final long GOLDEN = 0x9E3779B97F4A7C15L;

	private final long seed;

	private final int count;

	private final int batchSize;

	/**
	 * @param seed the run's seed
	 * @param count training examples
	 * @param batchSize examples per minibatch (capped at {@code count})
	 */
	public TrainingSchedule(long seed, int count, int batchSize) {
		if (count < 1 || batchSize < 1) {
			throw new IllegalArgumentException("count and batchSize must be positive");
		}
		this.seed = seed;
		this.count = count;
		this.batchSize = Math.min(batchSize, count);
	}

	public int batchSize() {
		return this.batchSize;
	}

	public int stepsPerEpoch() {
		return (this.count + this.batchSize - 1) / this.batchSize;
	}

	/** The first position in the epoch's order of minibatch {@code step} (0-based). */
	public int from(int step) {
		return step * this.batchSize;
	}

	/** The size of minibatch {@code step}: the last one of an epoch may be smaller. */
	public int size(int step) {
		return Math.min(this.batchSize, this.count - from(step));
	}

	/** Epoch {@code epoch}'s (1-based) order of the examples: a Fisher–Yates shuffle. */
	public int[] order(int epoch) {
		int[] order = new int[this.count];
		for (int i = 0; i < order.length; i++) {
			order[i] = i;
		}
		SplittableRandom random = new SplittableRandom(mix(this.seed, epoch, -1));
		for (int i = order.length - 1; i > 0; i--) {
			int j = random.nextInt(i + 1);
			int t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		return order;
	}

	/**
	 * Fills {@code into} with standard normal draws for minibatch {@code step} of
	 * {@code epoch}: row-major, one row of latent values per example.
	 */
	public void noise(int epoch, int step, float[] into) {
		SplittableRandom random = new SplittableRandom(mix(this.seed, epoch, step));
		for (int i = 0; i < into.length; i++) {
			into[i] = (float) random.nextGaussian();
		}
	}

	/**
	 * A seed for one (epoch, step): SplittableRandom scrambles its seed with a strong
	 * mixer, so distinct inputs give unrelated streams.
	 */
	private static long mix(long seed, int epoch, int step) {
		long h = seed * GOLDEN + epoch;
		h = (h ^ (h >>> 31)) * GOLDEN + step;
		return h ^ (h >>> 29);
	}

}
