package dev.vae.model.analysis;

import dev.vae.model.head.ContinuousBernoulli;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.Reconstruction;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Passes;

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

		/**
		 * All terms of one decoder output in one pass, from one e^−|η| per value (the
		 * per-value forms in {@link Reconstruction} and {@link ContinuousBernoulli} took
		 * eight exp/log calls per value, which was most of /loss's arithmetic). With e =
		 * e^−|η| and u = 1 + e: x̂ = 1/u or e/u as Reconstruction.mean writes it;
		 * softplus(±η) = max(±η, 0) + log1p(e); log C = log(|η| u / (1 − e)), since
		 * tanh(|η|/2) = (1 − e)/u, with the same series as ContinuousBernoulli below |η|
		 * = 10⁻³. The sum of log C is taken as the log of products of at most 64 factors
		 * in [2, 10⁴], which neither overflow nor lose digits.
		 */
		static Terms of(double[] x, double[] eta, double sigma, boolean unitTerms) {
			double bce = 0;
			double sse = 0;
			double logC = 0;
			double product = 1;
			int factors = 0;
			for (int j = 0; j < x.length; j++) {
				double h = eta[j];
				double a = Math.abs(h);
				double e = Math.exp(-a);
				double u = 1 + e;
				double d = x[j] - ((h >= 0) ? 1 / u : e / u);
				sse += d * d;
				if (unitTerms) {
					// x·softplus(−η) + (1 − x)·softplus(η)
					double log1pE = log1p(e, u);
					bce += x[j] * (Math.max(-h, 0) + log1pE) + (1 - x[j]) * (Math.max(h, 0) + log1pE);
					if (a < ContinuousBernoulli.SERIES_BELOW) {
						logC += ContinuousBernoulli.logNormaliserOfLogit(h);
						continue;
					}
					// 1 − e is exact for e ≥ ½ (Sterbenz) but cancels there; expm1 keeps
					// its digits
					double oneMinusE = (a < 0.7) ? -Math.expm1(-a) : 1 - e;
					double q = a * u / oneMinusE;
					if (q > 1e4) {
						logC += Math.log(q);
						continue;
					}
					product *= q;
					if (++factors == 64) {
						logC += Math.log(product);
						product = 1;
						factors = 0;
					}
				}
			}
			logC += Math.log(product);
			int n = x.length;
			// Σ [(x − x̂)²/(2σ²) + log σ + ½ log 2π]
			double gaussian = sse / (2 * sigma * sigma) + n * (Math.log(sigma) + Reconstruction.HALF_LOG_TWO_PI);
			return new Terms(unitTerms ? bce : Double.NaN, sse, sse / n, gaussian, unitTerms ? logC : Double.NaN);
		}

		/**
		 * log(1 + e) for e ∈ [0, 1] given u = 1 + e, with the intrinsic log: log(u) ·
		 * e/(u − 1) corrects the rounding of u (Goldberg 1991, theorem 4: within 5 ulps),
		 * and u = 1 means log1p(e) = e to double precision.
		 */
		private static double log1p(double e, double u) {
			return (u == 1) ? e : Math.log(u) * e / (u - 1);
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
	public static List<InputLoss> analyse(Network network, double[][] x, Options options, Likelihood likelihood,
			double likelihoodSigma) {
		return analyse(network, network.latentSize(), x, options, likelihood, likelihoodSigma);
	}

	/** Analyses a batch through the given passes of a network of {@code architecture}. */
	public static List<InputLoss> analyse(Passes network, FormatOneArchitecture architecture, double[][] x,
			Options options, Likelihood likelihood, double likelihoodSigma) {
		return analyse(network, architecture.latentSize(), x, options, likelihood, likelihoodSigma);
	}

	/**
	 * Analyses a batch through the given passes of a network with a latent space of
	 * {@code k} dimensions whose decoder outputs are logits of x̂ = σ(η).
	 */
	public static List<InputLoss> analyse(Passes network, int k, double[][] x, Options options, Likelihood likelihood,
			double likelihoodSigma) {
		Encoding q = network.encode(x);
		SplittableRandom random = new SplittableRandom(options.seed());
		int perInput = options.samples() + options.iwaeK();
		List<InputLoss> results = new ArrayList<>();
		// the means through a decoder call of their own, so that at_mean never depends on
		// how many draws were asked for (a GEMM's row can round differently with the
		// rows around it); then the inputs in groups of at most CHUNK draws (or one
		// input), each group's L Monte Carlo and k importance draws per input, drawn in
		// that order, through one decoder call
		double[][] atMean = decode(network, q.mu());
		for (int first = 0, end; first < x.length; first = end) {
			end = Math.max(first + 1, Math.min(x.length, first + CHUNK / Math.max(1, perInput)));
			int b = end - first;
			double[][] z = new double[b * perInput][];
			for (int i = first; i < end; i++) {
				System.arraycopy(draws(q, i, perInput, k, random), 0, z, (i - first) * perInput, perInput);
			}
			double[][] eta = (perInput > 0) ? decode(network, z) : new double[0][];
			for (int i = first; i < end; i++) {
				double[] kls = klPerDimension(q, i);
				double kl = java.util.Arrays.stream(kls).sum();
				Terms mean = Terms.of(x[i], atMean[i], options.sigma(), options.unitTerms());
				int from = (i - first) * perInput;
				MonteCarlo mc = (options.samples() > 0) ? monteCarlo(q, i, x[i], options, z, eta, from) : null;
				Iwae iwae = (options.iwaeK() > 0) ? iwae(logWeights(q, i, z, eta, from + options.samples(),
						options.iwaeK(), nll(x[i], likelihood, likelihoodSigma))) : null;
				results.add(new InputLoss(q.mu()[i], q.logvar()[i], kls, kl, mean, mc, iwae));
			}
		}
		return results;
	}

	/** The Monte Carlo terms of input i from its L draws z[from..] and their outputs. */
	private static MonteCarlo monteCarlo(Encoding q, int i, double[] x, Options options, double[][] z, double[][] eta,
			int from) {
		int n = options.samples();
		double[] bce = new double[n];
		double[] sse = new double[n];
		double[] mse = new double[n];
		double[] gaussian = new double[n];
		double[] cb = new double[n];
		double[] kl = new double[n];
		for (int l = 0; l < n; l++) {
			Terms t = Terms.of(x, eta[from + l], options.sigma(), options.unitTerms());
			bce[l] = t.bce();
			sse[l] = t.sse();
			mse[l] = t.mse();
			gaussian[l] = t.gaussianNll();
			cb[l] = t.continuousBernoulliNll();
			kl[l] = logQ(q, i, z[from + l]) - logPrior(z[from + l]);
		}
		return new MonteCarlo(n, options.unitTerms() ? Estimate.of(bce) : null, Estimate.of(sse), Estimate.of(mse),
				Estimate.of(gaussian), options.unitTerms() ? Estimate.of(cb) : null, Estimate.of(kl));
	}

	/**
	 * Σⱼ NLL(xⱼ | ηⱼ) under {@code likelihood}, through the one-pass {@link Terms} (the
	 * Gaussian one needs no x ∈ [0, 1]).
	 */
	private static java.util.function.ToDoubleFunction<double[]> nll(double[] x, Likelihood likelihood, double sigma) {
		boolean unit = likelihood != Likelihood.GAUSSIAN;
		return (eta) -> Terms.of(x, eta, sigma, unit).nll(likelihood);
	}

	/**
	 * The importance-weighted bound of input i from k draws z ~ q(z|x) (IWAE, Burda et
	 * al. 2015): log (1/k) Σ wᵢ with wᵢ = p(x|zᵢ) p(zᵢ)/q(zᵢ|x), and the mean of log wᵢ
	 * (the ELBO from the same draws).
	 */
	static Iwae iwae(Passes network, int latentSize, Encoding q, int i, int k,
			java.util.function.ToDoubleFunction<double[]> nllOfEta, SplittableRandom random) {
		return iwae(logWeights(network, latentSize, q, i, k, nllOfEta, random));
	}

	/**
	 * The log importance weights log wᵢ = log p(x|zᵢ) + log p(zᵢ) − log q(zᵢ|x) of k
	 * draws zᵢ ~ q(z|x) for input i.
	 */
	static double[] logWeights(Passes network, int latentSize, Encoding q, int i, int k,
			java.util.function.ToDoubleFunction<double[]> nllOfEta, SplittableRandom random) {
		double[][] z = draws(q, i, k, latentSize, random);
		return logWeights(q, i, z, decode(network, z), 0, k, nllOfEta);
	}

	/**
	 * The log importance weights of input i from its k draws z[from..] and their outputs.
	 */
	private static double[] logWeights(Encoding q, int i, double[][] z, double[][] eta, int from, int k,
			java.util.function.ToDoubleFunction<double[]> nllOfEta) {
		double[] logW = new double[k];
		for (int s = 0; s < k; s++) {
			// log w = log p(x|z) + log p(z) − log q(z|x)
			logW[s] = -nllOfEta.applyAsDouble(eta[from + s]) + logPrior(z[from + s]) - logQ(q, i, z[from + s]);
		}
		return logW;
	}

	/** The bound and the mean log weight of one input's log importance weights. */
	private static Iwae iwae(double[] logW) {
		double sum = 0;
		for (double w : logW) {
			sum += w;
		}
		return new Iwae(logW.length, logMeanExp(logW), sum / logW.length);
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
