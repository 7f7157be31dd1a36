package dev.vae.model.analysis;

import dev.vae.model.Examples;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.PixelNll;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Passes;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Three anomaly scores of each input under a VAE, the higher the more unusual: the
 * importance-weighted estimate of −log p(x) with its standard error (the one with a
 * probabilistic meaning), −ELBO from the same draws, and the reconstruction error at z =
 * μ; optionally the per-pixel NLL at z = μ, which shows where an input is unusual. The
 * importance weights are {@link LossAnalysis}'s, under the decoder's own head.
 */
public final class AnomalyScore {

	/** Rows per encoder call when scoring a set of examples. */
	static final int ROWS = 64;

	private AnomalyScore() {
	}

	/**
	 * One input's scores.
	 *
	 * @param negLogLikelihood −log p̂(x) = −log (1/k) Σ wᵢ, the IWAE estimate
	 * @param standardError its delta-method standard error s(w)/(√k · mean(w))
	 * @param k importance samples
	 * @param elbo (1/k) Σ log wᵢ, the ELBO (β = 1) from the same draws
	 * @param reconstructionMse Σ (x − x̂)² / D at z = μ
	 * @param nllAtMean −log p(x | z = μ)
	 * @param pixelNll the per-pixel NLL at z = μ (summing to nllAtMean), or null
	 */
	public record Score(double negLogLikelihood, double standardError, int k, double elbo, double reconstructionMse,
			double nllAtMean, double[] pixelNll) {

		/** −ELBO, as a score (higher is more unusual). */
		public double negElbo() {
			return -this.elbo;
		}

	}

	/**
	 * Scores a batch through the given passes of a network whose decoder is {@code head}
	 * and whose latent space has {@code latentSize} dimensions; every draw comes from a
	 * generator seeded by {@code seed}.
	 */
	public static List<Score> score(Passes network, DecoderHead head, int latentSize, double[][] x, int k, long seed,
			boolean pixels) {
		if (k < 2) {
			throw new IllegalArgumentException("k must be at least 2 for a standard error, was " + k);
		}
		Encoding q = network.encode(x);
		double[][] atMean = network.decodeLogits(q.mu());
		SplittableRandom random = new SplittableRandom(seed);
		List<Score> scores = new ArrayList<>(x.length);
		for (int i = 0; i < x.length; i++) {
			double[] input = x[i];
			int d = input.length;
			double[] logW = LossAnalysis.logWeights(network, latentSize, q, i, k,
					(eta) -> head.nll(input, 0, eta, 0, d, null), random);
			double[] mean = head.mean(atMean[i], d);
			double sse = 0;
			for (int j = 0; j < d; j++) {
				sse += (input[j] - mean[j]) * (input[j] - mean[j]);
			}
			double elbo = 0;
			for (double w : logW) {
				elbo += w;
			}
			scores.add(new Score(-LossAnalysis.logMeanExp(logW), standardError(logW), k, elbo / k, sse / d,
					head.nll(input, 0, atMean[i], 0, d, null), pixels ? PixelNll.of(head, input, atMean[i]) : null));
		}
		return scores;
	}

	/**
	 * Scores the first {@code limit} rows of a set of examples, {@value #ROWS} at a time
	 * (each chunk's draws from a generator seeded by {@code seed} and the chunk's index,
	 * so the result does not depend on how the rows are later used).
	 */
	public static List<Score> scoreExamples(Passes network, DecoderHead head, int latentSize, Examples examples,
			int limit, int k, long seed) {
		int n = Math.min(limit, examples.count());
		List<Score> scores = new ArrayList<>(n);
		for (int from = 0; from < n; from += ROWS) {
			int to = Math.min(n, from + ROWS);
			double[][] x = new double[to - from][];
			for (int i = from; i < to; i++) {
				x[i - from] = examples.row(i);
			}
			scores.addAll(score(network, head, latentSize, x, k, seed + 0x9E3779B97F4A7C15L * (from / ROWS), false));
		}
		return scores;
	}

	/**
	 * The standard error of log p̂ = log mean(w) by the delta method: Var(log p̂) ≈
	 * Var(w) / (k · E[w]²), with the weights rescaled by the largest (which cancels).
	 */
	static double standardError(double[] logW) {
		int k = logW.length;
		double max = Double.NEGATIVE_INFINITY;
		for (double v : logW) {
			max = Math.max(max, v);
		}
		double mean = 0;
		double[] w = new double[k];
		for (int s = 0; s < k; s++) {
			w[s] = Math.exp(logW[s] - max);
			mean += w[s];
		}
		mean /= k;
		double ss = 0;
		for (double v : w) {
			ss += (v - mean) * (v - mean);
		}
		return Math.sqrt(ss / (k - 1) / k) / mean;
	}

}
