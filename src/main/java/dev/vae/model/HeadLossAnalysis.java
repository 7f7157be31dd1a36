package dev.vae.model;

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
			double[] kls = new double[k];
			double kl = 0;
			for (int d = 0; d < k; d++) {
				kls[d] = Reconstruction.kl(q.mu()[i][d], q.logvar()[i][d]);
				kl += kls[d];
			}
			Terms mean = Terms.of(head, x[i], atMean[i], sigma);
			List<Terms> draws = new ArrayList<>();
			double[] sampledKl = new double[samples];
			double[][] eps = new double[samples][];
			double[][] z = new double[samples][];
			for (int l = 0; l < samples; l++) {
				eps[l] = Evaluation.gaussian(random, k);
				z[l] = q.reparameterise(i, eps[l]);
				sampledKl[l] = logQ(q.logvar()[i], eps[l]) - logPrior(z[l]);
			}
			if (samples > 0) {
				double[][] eta = network.decodeLogits(z);
				for (int l = 0; l < samples; l++) {
					draws.add(Terms.of(head, x[i], eta[l], sigma));
				}
			}
			double iwae = Double.NaN;
			double iwaeElbo = Double.NaN;
			if (iwaeK > 0) {
				double[][] zs = new double[iwaeK][];
				double[] logQ = new double[iwaeK];
				for (int j = 0; j < iwaeK; j++) {
					double[] e = Evaluation.gaussian(random, k);
					zs[j] = q.reparameterise(i, e);
					logQ[j] = logQ(q.logvar()[i], e);
				}
				double[][] eta = network.decodeLogits(zs);
				double[] logW = new double[iwaeK];
				double sum = 0;
				for (int j = 0; j < iwaeK; j++) {
					// log w = log p(x|z) + log p(z) − log q(z|x)
					logW[j] = -head.nll(x[i], 0, eta[j], 0, x[i].length, null) + logPrior(zs[j]) - logQ[j];
					sum += logW[j];
				}
				iwae = logMeanExp(logW);
				iwaeElbo = sum / iwaeK;
			}
			results.add(new InputLoss(kl, kls, mean, draws, sampledKl, iwaeK, iwae, iwaeElbo));
		}
		return results;
	}

	/** log q(z|x) at z = μ + σ ε: Σ −½ (log 2π + log σ² + ε²). */
	private static double logQ(double[] logvar, double[] eps) {
		double sum = 0;
		for (int d = 0; d < eps.length; d++) {
			sum -= Reconstruction.HALF_LOG_TWO_PI + 0.5 * (logvar[d] + eps[d] * eps[d]);
		}
		return sum;
	}

	/** log N(z; 0, I) = Σ −½ (log 2π + z²). */
	private static double logPrior(double[] z) {
		double sum = 0;
		for (double v : z) {
			sum -= Reconstruction.HALF_LOG_TWO_PI + 0.5 * v * v;
		}
		return sum;
	}

	/** log (1/n) Σ e^{aᵢ}, shifted by the maximum. */
	private static double logMeanExp(double[] a) {
		double max = Double.NEGATIVE_INFINITY;
		for (double v : a) {
			max = Math.max(max, v);
		}
		double sum = 0;
		for (double v : a) {
			sum += Math.exp(v - max);
		}
		return max + Math.log(sum / a.length);
	}

}
