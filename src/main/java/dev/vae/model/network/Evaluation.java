package dev.vae.model.network;

import dev.vae.model.Examples;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.Reconstruction;

import java.util.SplittableRandom;

/**
 * Held-out evaluation in double precision: the negative ELBO with one reparameterised
 * sample per input, and the per-pixel-mean baseline a VAE has to beat.
 */
public final class Evaluation {

	private static final int BATCH = 256;

	private Evaluation() {
	}

	/**
	 * Means over the data of −ELBO = NLL(x | z) + KL(q(z|x) ‖ p(z)) (β = 1: the bound on
	 * −log p(x)), one z ~ q(z|x) per input drawn from {@code seed}, the NLL from the
	 * network's decoder head (batch norm on running statistics).
	 */
	public static Summary negElbo(Network network, Examples data, long seed) {
		DecoderHead head = network.architecture().head();
		int d = network.inputLength();
		SplittableRandom random = new SplittableRandom(seed);
		int k = network.latentSize();
		return negElbo(network, k, data, (i) -> gaussian(random, k), (x, eta) -> head.nll(x, 0, eta, 0, d, null));
	}

	/**
	 * {@link #negElbo(Network, Examples, long)} with the noise given: input i's z from ε
	 * = {@code noise[i·k, (i+1)·k)}, so that a part of a dataset is evaluated with the
	 * draws the whole would give it.
	 */
	public static Summary negElbo(Network network, Examples data, double[] noise) {
		DecoderHead head = network.architecture().head();
		int d = network.inputLength();
		int k = network.latentSize();
		if (noise.length != (long) data.count() * k) {
			throw new IllegalArgumentException(
					"expected " + data.count() + " x " + k + " noise values, got " + noise.length);
		}
		return negElbo(network, k, data, (i) -> java.util.Arrays.copyOfRange(noise, i * k, (i + 1) * k),
				(x, eta) -> head.nll(x, 0, eta, 0, d, null));
	}

	/**
	 * The −ELBO of {@code network}'s passes, with the NLL of one input given its decoder
	 * output.
	 */
	private static Summary negElbo(Passes network, int k, Examples data, java.util.function.IntFunction<double[]> noise,
			java.util.function.ToDoubleBiFunction<double[], double[]> nll) {
		double reconstruction = 0;
		double kl = 0;
		double[] klPerDimension = new double[k];
		// Welford's running mean and sum of squared deviations of each μ_j over the data
		double[] muMean = new double[k];
		double[] muSquares = new double[k];
		int seen = 0;
		for (int from = 0; from < data.count(); from += BATCH) {
			int to = Math.min(data.count(), from + BATCH);
			double[][] x = new double[to - from][];
			for (int i = from; i < to; i++) {
				x[i - from] = data.row(i);
			}
			Encoding q = network.encode(x);
			double[][] z = new double[x.length][];
			for (int i = 0; i < x.length; i++) {
				z[i] = q.reparameterise(i, noise.apply(from + i));
				kl += kl(q.mu()[i], q.logvar()[i]);
				seen++;
				for (int j = 0; j < k; j++) {
					double m = q.mu()[i][j];
					klPerDimension[j] += Reconstruction.kl(m, q.logvar()[i][j]);
					double delta = m - muMean[j];
					muMean[j] += delta / seen;
					muSquares[j] += delta * (m - muMean[j]);
				}
			}
			double[][] eta = network.decodeLogits(z);
			for (int i = 0; i < x.length; i++) {
				reconstruction += nll.applyAsDouble(x[i], eta[i]);
			}
		}
		int n = data.count();
		for (int j = 0; j < k; j++) {
			klPerDimension[j] /= n;
			muSquares[j] /= n;
		}
		return new Summary((reconstruction + kl) / n, reconstruction / n, kl / n, n, klPerDimension, muSquares, muMean);
	}

	/**
	 * −log p(x) averaged over {@code test} under the model that ignores z: each pixel at
	 * its mean (and variance) over {@code train}, under the layered network's head.
	 */
	public static double pixelMeanBaseline(Architecture architecture, Examples train, Examples test) {
		int d = train.length();
		double[] mean = new double[d];
		double[] variance = new double[d];
		for (int i = 0; i < train.count(); i++) {
			for (int j = 0; j < d; j++) {
				mean[j] += train.values()[i * d + j] / (double) train.count();
			}
		}
		for (int i = 0; i < train.count(); i++) {
			for (int j = 0; j < d; j++) {
				double r = train.values()[i * d + j] - mean[j];
				variance[j] += r * r / train.count();
			}
		}
		double[] eta = architecture.head().pixelMeanEta(mean, variance);
		double total = 0;
		for (int i = 0; i < test.count(); i++) {
			total += architecture.head().nll(test.row(i), 0, eta, 0, d, null);
		}
		return total / test.count();
	}

	/** Σₖ ½(μₖ² + σₖ² − 1 − log σₖ²). */
	public static double kl(double[] mu, double[] logvar) {
		double sum = 0;
		for (int k = 0; k < mu.length; k++) {
			sum += Reconstruction.kl(mu[k], logvar[k]);
		}
		return sum;
	}

	/** A vector of n standard normal draws. */
	public static double[] gaussian(java.util.random.RandomGenerator random, int n) {
		double[] e = new double[n];
		for (int k = 0; k < n; k++) {
			e[k] = random.nextGaussian();
		}
		return e;
	}

	/**
	 * Mean per-input evaluation figures, in nats.
	 *
	 * @param negElbo reconstruction + KL
	 * @param reconstruction NLL(x | z)
	 * @param kl KL(q(z|x) ‖ p(z))
	 * @param count number of inputs
	 * @param klPerDimension the mean KL(q(z_j|x) ‖ N(0, 1)) of each latent dimension j
	 * (they add up to {@code kl})
	 * @param meanVariance Cov_x(E_q[z_j|x]): the variance over the inputs of each μ_j
	 * (population variance, 1/n)
	 * @param meanOfMean the mean over the inputs of each μ_j (with the count and the
	 * variance, what summaries of parts of a dataset need to be combined)
	 */
	public record Summary(double negElbo, double reconstruction, double kl, int count, double[] klPerDimension,
			double[] meanVariance, double[] meanOfMean) {

		/**
		 * The summary of the union of disjoint parts' data: counts add, means are
		 * count-weighted, the variances of μ combine by Chan et al.'s pairwise formula.
		 */
		public static Summary combine(java.util.List<Summary> parts) {
			Summary total = null;
			for (Summary part : parts) {
				if (part.count() == 0) {
					continue;
				}
				if (total == null) {
					total = part;
					continue;
				}
				double a = total.count();
				double b = part.count();
				double n = a + b;
				int k = part.klPerDimension().length;
				double[] klPerDimension = new double[k];
				double[] mean = new double[k];
				double[] variance = new double[k];
				for (int j = 0; j < k; j++) {
					klPerDimension[j] = (a * total.klPerDimension()[j] + b * part.klPerDimension()[j]) / n;
					double delta = part.meanOfMean()[j] - total.meanOfMean()[j];
					mean[j] = total.meanOfMean()[j] + delta * b / n;
					// M2 = M2_a + M2_b + δ² a b / n, over n
					variance[j] = (a * total.meanVariance()[j] + b * part.meanVariance()[j] + delta * delta * a * b / n)
							/ n;
				}
				double reconstruction = (a * total.reconstruction() + b * part.reconstruction()) / n;
				double kl = (a * total.kl() + b * part.kl()) / n;
				total = new Summary(reconstruction + kl, reconstruction, kl, (int) n, klPerDimension, variance, mean);
			}
			if (total == null) {
				throw new IllegalArgumentException("no data to summarise");
			}
			return total;
		}

		/** Burda et al. (2015): a unit is active when Cov_x(E_q[z_j|x]) &gt; 0.01. */
		public static final double ACTIVE_THRESHOLD = 0.01;

		/** The number of active latent units. */
		public int activeUnits() {
			return activeUnits(this.meanVariance);
		}

		/** The number of variances above {@link #ACTIVE_THRESHOLD}. */
		public static int activeUnits(double[] meanVariance) {
			int active = 0;
			for (double v : meanVariance) {
				if (v > ACTIVE_THRESHOLD) {
					active++;
				}
			}
			return active;
		}

	}

}
