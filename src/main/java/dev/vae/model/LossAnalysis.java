package dev.vae.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The per-input ELBO breakdown behind {@code /loss}: the analytic KL, every
 * reconstruction term of the same decoder output side by side (BCE, SSE/MSE, Gaussian
 * NLL, continuous-Bernoulli NLL), under three estimators: z = μ, a Monte Carlo average
 * over L draws z ~ q(z|x) with standard errors, and the importance-weighted bound on log
 * p(x). Everything is computed in double precision from the decoder's logits.
 */
public final class LossAnalysis {

	/** Latent vectors decoded per network call, to bound memory for large L or k. */
	private static final int CHUNK = 1024;

	private LossAnalysis() {
	}

	/**
	 * How to analyse.
	 *
	 * @param sigma σ of the Gaussian terms
	 * @param samples L, Monte Carlo draws per input (0 for none)
	 * @param iwaeK k, importance samples per input (0 for none)
	 * @param seed seed of all draws
	 * @param unitTerms whether to compute the terms that need x ∈ [0, 1] (BCE and
	 * continuous Bernoulli)
	 */
	public record Options(double sigma, int samples, int iwaeK, long seed, boolean unitTerms) {
	}

	/**
	 * The reconstruction terms of one decoder output, in nats; BCE and the
	 * continuous-Bernoulli ones are NaN when not computed.
	 *
	 * @param bce Σⱼ −[xⱼ log x̂ⱼ + (1 − xⱼ) log(1 − x̂ⱼ)]
	 * @param sse Σⱼ (xⱼ − x̂ⱼ)²
	 * @param mse SSE / D
	 * @param gaussianNll SSE/(2σ²) + D log σ + (D/2) log 2π
	 * @param logNormaliser Σⱼ log C(x̂ⱼ), what the continuous Bernoulli subtracts from
	 * BCE
	 */
	public record Terms(double bce, double sse, double mse, double gaussianNll, double logNormaliser) {

		/** BCE − Σ log C: the continuous-Bernoulli NLL. */
		public double continuousBernoulliNll() {
			return this.bce - this.logNormaliser;
		}

		/** The NLL under a given likelihood. */
		public double nll(Likelihood likelihood) {
			return switch (likelihood) {
				case BERNOULLI -> this.bce;
				case GAUSSIAN -> this.gaussianNll;
				case CONTINUOUS_BERNOULLI -> continuousBernoulliNll();
			};
		}

		static Terms of(double[] x, double[] eta, double sigma, boolean unitTerms) {
			double bce = 0;
			double sse = 0;
			double logC = 0;
			for (int j = 0; j < x.length; j++) {
				double d = x[j] - Reconstruction.mean(eta[j]);
				sse += d * d;
				if (unitTerms) {
					bce += Reconstruction.bce(x[j], eta[j]);
					logC += ContinuousBernoulli.logNormaliserOfLogit(eta[j]);
				}
			}
			int n = x.length;
			// Σ [(x − x̂)²/(2σ²) + log σ + ½ log 2π]
			double gaussian = sse / (2 * sigma * sigma) + n * (Math.log(sigma) + Reconstruction.HALF_LOG_TWO_PI);
			return new Terms(unitTerms ? bce : Double.NaN, sse, sse / n, gaussian, unitTerms ? logC : Double.NaN);
		}

	}

	/**
	 * A Monte Carlo mean and its standard error s/√L (null for L = 1).
	 *
	 * @param mean the sample mean
	 * @param standardError the sample standard deviation over √L
	 */
	public record Estimate(double mean, Double standardError) {

		static Estimate of(double[] values) {
			int n = values.length;
			double mean = 0;
			for (double v : values) {
				mean += v;
			}
			mean /= n;
			if (n < 2) {
				return new Estimate(mean, null);
			}
			double ss = 0;
			for (double v : values) {
				ss += (v - mean) * (v - mean);
			}
			return new Estimate(mean, Math.sqrt(ss / (n - 1) / n));
		}

	}

	/**
	 * Monte Carlo estimates over L draws z = μ + σ ⊙ ε.
	 *
	 * @param samples L
	 * @param bce E_q[BCE]
	 * @param sse E_q[SSE]
	 * @param mse E_q[MSE]
	 * @param gaussianNll E_q[Gaussian NLL]
	 * @param continuousBernoulliNll E_q[continuous-Bernoulli NLL]
	 * @param kl E_q[log q(z|x) − log p(z)], the sampled KL
	 */
	public record MonteCarlo(int samples, Estimate bce, Estimate sse, Estimate mse, Estimate gaussianNll,
			Estimate continuousBernoulliNll, Estimate kl) {
	}

	/**
	 * The importance-weighted estimate.
	 *
	 * @param k importance samples
	 * @param logLikelihood log (1/k) Σᵢ wᵢ, wᵢ = p(x|zᵢ) p(zᵢ) / q(zᵢ|x): an estimate of
	 * log p(x)
	 * @param elbo (1/k) Σᵢ log wᵢ: the plain Monte Carlo ELBO from the same draws
	 */
	public record Iwae(int k, double logLikelihood, double elbo) {
	}

	/**
	 * One input's breakdown.
	 *
	 * @param mu posterior mean
	 * @param logvar posterior log-variance
	 * @param klPerDimension ½(μₖ² + σₖ² − 1 − log σₖ²) for each k
	 * @param kl their sum
	 * @param atMean the terms at z = μ
	 * @param monteCarlo the L-sample estimates, or null
	 * @param iwae the importance-weighted estimate, or null
	 */
	public record InputLoss(double[] mu, double[] logvar, double[] klPerDimension, double kl, Terms atMean,
			MonteCarlo monteCarlo, Iwae iwae) {
	}

	/**
	 * Analyses a batch.
	 * @param likelihood the likelihood of the importance weights
	 * @param likelihoodSigma its σ when Gaussian
	 */
	public static List<InputLoss> analyse(VaeNetwork network, double[][] x, Options options, Likelihood likelihood,
			double likelihoodSigma) {
		return analyse(network, network.architecture(), x, options, likelihood, likelihoodSigma);
	}

	/** Analyses a batch through the given passes of a network of {@code architecture}. */
	public static List<InputLoss> analyse(Passes network, Architecture architecture, double[][] x, Options options,
			Likelihood likelihood, double likelihoodSigma) {
		return analyse(network, architecture.latentSize(), x, options, likelihood, likelihoodSigma);
	}

	/**
	 * Analyses a batch through the given passes of a network with a latent space of
	 * {@code k} dimensions whose decoder outputs are logits of x̂ = σ(η).
	 */
	public static List<InputLoss> analyse(Passes network, int k, double[][] x, Options options, Likelihood likelihood,
			double likelihoodSigma) {
		Encoding q = network.encode(x);
		double[][] atMean = network.decodeLogits(q.mu());
		SplittableRandom random = new SplittableRandom(options.seed());
		List<InputLoss> results = new ArrayList<>();
		for (int i = 0; i < x.length; i++) {
			double[] kls = klPerDimension(q, i);
			double kl = java.util.Arrays.stream(kls).sum();
			Terms mean = Terms.of(x[i], atMean[i], options.sigma(), options.unitTerms());
			MonteCarlo mc = (options.samples() > 0) ? monteCarlo(network, k, q, i, x[i], options, random) : null;
			Iwae iwae = (options.iwaeK() > 0)
					? iwae(network, k, q, i, x[i], options.iwaeK(), likelihood, likelihoodSigma, random) : null;
			results.add(new InputLoss(q.mu()[i], q.logvar()[i], kls, kl, mean, mc, iwae));
		}
		return results;
	}

	private static MonteCarlo monteCarlo(Passes network, int latentSize, Encoding q, int i, double[] x, Options options,
			SplittableRandom random) {
		int n = options.samples();
		double[][] z = draws(q, i, n, latentSize, random);
		double[][] eta = decode(network, z);
		double[] bce = new double[n];
		double[] sse = new double[n];
		double[] mse = new double[n];
		double[] gaussian = new double[n];
		double[] cb = new double[n];
		double[] kl = new double[n];
		for (int l = 0; l < n; l++) {
			Terms t = Terms.of(x, eta[l], options.sigma(), options.unitTerms());
			bce[l] = t.bce();
			sse[l] = t.sse();
			mse[l] = t.mse();
			gaussian[l] = t.gaussianNll();
			cb[l] = t.continuousBernoulliNll();
			kl[l] = logQ(q, i, z[l]) - logPrior(z[l]);
		}
		return new MonteCarlo(n, options.unitTerms() ? Estimate.of(bce) : null, Estimate.of(sse), Estimate.of(mse),
				Estimate.of(gaussian), options.unitTerms() ? Estimate.of(cb) : null, Estimate.of(kl));
	}

	private static Iwae iwae(Passes network, int latentSize, Encoding q, int i, double[] x, int k,
			Likelihood likelihood, double sigma, SplittableRandom random) {
		return iwae(network, latentSize, q, i, k, (eta) -> {
			double nll = 0;
			for (int j = 0; j < x.length; j++) {
				nll += likelihood.nll(x[j], eta[j], sigma);
			}
			return nll;
		}, random);
	}

	/**
	 * The importance-weighted bound with k draws from q(z|x) for input i, given the NLL
	 * of a decoder output.
	 */
	static Iwae iwae(Passes network, int latentSize, Encoding q, int i, int k,
			java.util.function.ToDoubleFunction<double[]> nllOfEta, SplittableRandom random) {
		double[] logW = logWeights(network, latentSize, q, i, k, nllOfEta, random);
		double sum = 0;
		for (double w : logW) {
			sum += w;
		}
		return new Iwae(k, logMeanExp(logW), sum / k);
	}

	/**
	 * The log importance weights log wᵢ = log p(x|zᵢ) + log p(zᵢ) − log q(zᵢ|x) of k
	 * draws zᵢ ~ q(z|x) for input i.
	 */
	static double[] logWeights(Passes network, int latentSize, Encoding q, int i, int k,
			java.util.function.ToDoubleFunction<double[]> nllOfEta, SplittableRandom random) {
		double[][] z = draws(q, i, k, latentSize, random);
		double[][] eta = decode(network, z);
		double[] logW = new double[k];
		for (int s = 0; s < k; s++) {
			// log w = log p(x|z) + log p(z) − log q(z|x)
			logW[s] = -nllOfEta.applyAsDouble(eta[s]) + logPrior(z[s]) - logQ(q, i, z[s]);
		}
		return logW;
	}

	/** log (1/k) Σ e^(aᵢ), shifted by the largest term. */
	static double logMeanExp(double[] a) {
		double max = Double.NEGATIVE_INFINITY;
		for (double v : a) {
			max = Math.max(max, v);
		}
		double acc = 0;
		for (double v : a) {
			acc += Math.exp(v - max);
		}
		return max + Math.log(acc / a.length);
	}

	/** ½ (μₖ² + σₖ² − 1 − log σₖ²) for each latent dimension of input i. */
	static double[] klPerDimension(Encoding q, int i) {
		double[] kls = new double[q.mu()[i].length];
		for (int d = 0; d < kls.length; d++) {
			kls[d] = Reconstruction.kl(q.mu()[i][d], q.logvar()[i][d]);
		}
		return kls;
	}

	static double[][] draws(Encoding q, int i, int n, int k, SplittableRandom random) {
		double[][] z = new double[n][];
		for (int l = 0; l < n; l++) {
			z[l] = q.reparameterise(i, Evaluation.gaussian(random, k));
		}
		return z;
	}

	static double[][] decode(Passes network, double[][] z) {
		double[][] eta = new double[z.length][];
		for (int from = 0; from < z.length; from += CHUNK) {
			int to = Math.min(z.length, from + CHUNK);
			double[][] chunk = network.decodeLogits(java.util.Arrays.copyOfRange(z, from, to));
			System.arraycopy(chunk, 0, eta, from, chunk.length);
		}
		return eta;
	}

	static double logQ(Encoding q, int i, double[] z) {
		double sum = 0;
		for (int d = 0; d < z.length; d++) {
			sum += Reconstruction.logNormal(z[d], q.mu()[i][d], q.logvar()[i][d]);
		}
		return sum;
	}

	static double logPrior(double[] z) {
		double sum = 0;
		for (double v : z) {
			sum += Reconstruction.logStandardNormal(v);
		}
		return sum;
	}

}
