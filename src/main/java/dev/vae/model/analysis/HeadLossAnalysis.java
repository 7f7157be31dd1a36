package dev.vae.model.analysis;

import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.Reconstruction;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Passes;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The per-input loss terms of a decoder of any head — a Gaussian with a learned or
 * calibrated variance, or a mean through tanh or the identity — where the Bernoulli and
 * continuous-Bernoulli terms of x̂ = σ(η) that {@link LossAnalysis} lays side by side do
 * not apply: the NLL under the model's own head, SSE and MSE of its mean, the Gaussian
 * NLL with a fixed σ for comparison, KL, Monte Carlo estimates over L draws and the
 * importance-weighted bound on log p(x), all in double precision.
 */
public final class HeadLossAnalysis {

	private HeadLossAnalysis() {
	}

	/**
	 * Terms of one decoder output.
	 *
	 * @param nll −log p(x|z) under the model's head
	 * @param sse Σ (x − x̂)²
	 * @param gaussianNll SSE/(2σ²) + D(log σ + ½ log 2π) with the requested σ
	 */
	public record Terms(double nll, double sse, double gaussianNll) {

		static Terms of(DecoderHead head, double[] x, double[] eta, double sigma) {
			int d = x.length;
			double[] mean = head.mean(eta, d);
			double sse = 0;
			for (int j = 0; j < d; j++) {
				sse += (x[j] - mean[j]) * (x[j] - mean[j]);
			}
			double nll = head.nll(x, 0, eta, 0, d, null);
			// −log N(x; x̂, σ²I) = SSE/(2σ²) + D·log σ + (D/2)·log 2π
			double gaussian = sse / (2 * sigma * sigma) + d * (Math.log(sigma) + Reconstruction.HALF_LOG_TWO_PI);
			return new Terms(nll, sse, gaussian);
		}

	}

	/**
	 * One input's analysis.
	 *
	 * @param kl KL(q(z|x) ‖ N(0, I)) and its parts per dimension
	 * @param klPerDimension ½ (μₖ² + σₖ² − 1 − log σₖ²)
	 * @param atMean the terms at z = μ
	 * @param draws the terms at each of the L draws (empty when L = 0)
	 * @param sampledKl log q(zₗ|x) − log p(zₗ) at each draw
	 * @param iwaeK k, the importance samples (0 for none)
	 * @param iwaeLogLikelihood log (1/k) Σ wᵢ, or NaN when k = 0
	 * @param iwaeElbo (1/k) Σ log wᵢ, or NaN when k = 0
	 */
	public record InputLoss(double kl, double[] klPerDimension, Terms atMean, List<Terms> draws, double[] sampledKl,
			int iwaeK, double iwaeLogLikelihood, double iwaeElbo) {
	}

	/**
	 * Analyses a batch through the given passes of a network whose decoder is
	 * {@code head}.
	 */
	public static List<InputLoss> analyse(Passes network, DecoderHead head, int k, double[][] x, double sigma,
			int samples, int iwaeK, long seed) {
		Encoding q = network.encode(x);
		double[][] atMean = network.decodeLogits(q.mu());
		SplittableRandom random = new SplittableRandom(seed);
		List<InputLoss> results = new ArrayList<>();
		for (int i = 0; i < x.length; i++) {
			double[] input = x[i];
			double[] kls = LossAnalysis.klPerDimension(q, i);
			List<Terms> draws = new ArrayList<>();
			double[] sampledKl = new double[samples];
			if (samples > 0) {
				double[][] z = LossAnalysis.draws(q, i, samples, k, random);
				double[][] eta = LossAnalysis.decode(network, z);
				for (int l = 0; l < samples; l++) {
					draws.add(Terms.of(head, input, eta[l], sigma));
					// log q(z|x) − log p(z) at the draw
					sampledKl[l] = LossAnalysis.logQ(q, i, z[l]) - LossAnalysis.logPrior(z[l]);
				}
			}
			LossAnalysis.Iwae iwae = (iwaeK > 0) ? LossAnalysis.iwae(network, k, q, i, iwaeK,
					(eta) -> head.nll(input, 0, eta, 0, input.length, null), random) : null;
			results.add(new InputLoss(java.util.Arrays.stream(kls).sum(), kls, Terms.of(head, input, atMean[i], sigma),
					draws, sampledKl, iwaeK, (iwae != null) ? iwae.logLikelihood() : Double.NaN,
					(iwae != null) ? iwae.elbo() : Double.NaN));
		}
		return results;
	}

}
