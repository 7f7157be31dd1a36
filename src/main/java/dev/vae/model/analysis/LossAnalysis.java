package dev.vae.model.analysis;

import dev.vae.model.head.ContinuousBernoulli;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.Likelihood;
import dev.vae.model.head.OutputActivation;
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
 * The per-input ELBO breakdown behind {@code /loss}, for a decoder of any head: the
 * analytic KL, the reconstruction terms of the same decoder output side by side, under
 * three estimators: z = μ, a Monte Carlo average over L draws z ~ q(z|x) with standard
 * errors, and the importance-weighted bound on log p(x). The head decides the terms: a
 * σ(η) head (Bernoulli, continuous Bernoulli, a fixed-σ Gaussian through the sigmoid)
 * gets BCE, SSE/MSE, the Gaussian NLL and the continuous-Bernoulli NLL in one pass; any
 * other head (a learned or calibrated variance, tanh or identity means) its own NLL
 * beside SSE/MSE and the Gaussian NLL with the requested σ. Everything is computed in
 * double precision from the decoder's outputs.
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
	 * @param modelNll −log p(x|z) under the decoder's own head, NaN when not computed
	 * (BCE and the continuous Bernoulli without their terms)
	 */
	public record Terms(double bce, double sse, double mse, double gaussianNll, double logNormaliser, double modelNll) {

		/** BCE − Σ log C: the continuous-Bernoulli NLL. */
		public double continuousBernoulliNll() {
			return this.bce - this.logNormaliser;
		}

		/**
		 * These terms with the NLL under a σ(η) decoder of {@code likelihood} (its σ when
		 * Gaussian).
		 */
		Terms withModel(Likelihood likelihood, double modelSigma, int d) {
			double nll = switch (likelihood) {
				case BERNOULLI -> this.bce;
				case CONTINUOUS_BERNOULLI -> continuousBernoulliNll();
				case GAUSSIAN -> gaussian(this.sse, modelSigma, d);
			};
			return new Terms(this.bce, this.sse, this.mse, this.gaussianNll, this.logNormaliser, nll);
		}

		/**
		 * The terms of a head without σ(η) terms: its own NLL, SSE and MSE of its mean
		 * and the Gaussian NLL with σ.
		 */
		static Terms ofHead(DecoderHead head, double[] x, double[] eta, double sigma) {
			int d = x.length;
			double[] mean = head.mean(eta, d);
			double sse = 0;
			for (int j = 0; j < d; j++) {
				sse += (x[j] - mean[j]) * (x[j] - mean[j]);
			}
			double nll = head.nll(x, 0, eta, 0, d, null);
			return new Terms(Double.NaN, sse, sse / d, gaussian(sse, sigma, d), Double.NaN, nll);
		}

		/** −log N(x; x̂, σ²I) = SSE/(2σ²) + D·log σ + (D/2)·log 2π. */
		private static double gaussian(double sse, double sigma, double d) {
			return sse / (2 * sigma * sigma) + d * (Math.log(sigma) + Reconstruction.HALF_LOG_TWO_PI);
		}

		/**
		 * All terms of one decoder output in one pass, from one e^−|η| per value (the
		 * per-value forms in {@link Reconstruction} and {@link ContinuousBernoulli} took
		 * eight exp/log calls per value, which was most of /loss's arithmetic). With e =
		 * e^−|η| and u = 1 + e: x̂ = 1/u or e/u as Reconstruction.mean writes it;
		 * softplus(±η) = max(±η, 0) + log1p(e); log C = log(|η| u / (1 − e)), since
		 * tanh(|η|/2) = (1 − e)/u, with the same series as ContinuousBernoulli below |η|
		 * = 10⁻³. The sum of log C is taken as the log of products of at most 64 factors
		 * in [2, 10⁴], which neither overflow nor lose digits. The model's NLL is left
		 * NaN ({@link #withModel}).
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
			return new Terms(unitTerms ? bce : Double.NaN, sse, sse / n, gaussian, unitTerms ? logC : Double.NaN,
					Double.NaN);
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
	 * @param modelNll E_q[NLL under the decoder's own head], null when not computed
	 * @param kl E_q[log q(z|x) − log p(z)], the sampled KL
	 */
	public record MonteCarlo(int samples, Estimate bce, Estimate sse, Estimate mse, Estimate gaussianNll,
			Estimate continuousBernoulliNll, Estimate modelNll, Estimate kl) {
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

	/** Analyses a batch under the network's own head. */
	public static List<InputLoss> analyse(Network network, double[][] x, Options options) {
		return analyse(network, network.architecture().head(), network.latentSize(), x, options);
	}

	/**
	 * Analyses a batch through the given passes of a network with a latent space of
	 * {@code k} dimensions whose decoder is {@code head}. The importance weights use the
	 * head's own likelihood, or for a σ(η) head asked for no [0, 1] terms the Gaussian
	 * one with the requested σ ({@link #weightLikelihood}).
	 */
	public static List<InputLoss> analyse(Passes network, DecoderHead head, int k, double[][] x, Options options) {
		Scoring scoring = Scoring.of(head, options);
		Encoding q = network.encode(x);
		SplittableRandom random = new SplittableRandom(options.seed());
		int perInput = options.samples() + options.iwaeK();
		List<InputLoss> results = new ArrayList<>();
		// a σ(η) head's means go through the decoder with their draws when all the rows
		// fit in one call that answers each row as a call of its own would
		// (Network#ROWS_ANSWERED_ALONE): one call instead of two, for a single input with
		// few draws. Otherwise the means go through a call of their own, so that at_mean
		// never depends on how many draws were asked for (a GEMM's row can round
		// differently with the rows around it). Then the inputs in groups
		// (Scoring#inputsPerCall), each group's L Monte Carlo and k importance draws per
		// input, drawn in that order
		boolean joined = scoring.sigmoid() != null && (long) x.length * (perInput + 1) <= Network.ROWS_ANSWERED_ALONE;
		double[][] atMean = joined ? new double[x.length][] : decode(network, q.mu());
		int perGroup = scoring.inputsPerCall(joined ? perInput + 1 : perInput);
		for (int first = 0, end; first < x.length; first = end) {
			end = Math.min(x.length, first + perGroup);
			int b = end - first;
			int means = joined ? b : 0;
			double[][] z = new double[means + b * perInput][];
			System.arraycopy(q.mu(), first, z, 0, means);
			for (int i = first; i < end; i++) {
				System.arraycopy(draws(q, i, perInput, k, random), 0, z, means + (i - first) * perInput, perInput);
			}
			double[][] eta = (z.length > 0) ? scoring.decode(network, z) : new double[0][];
			System.arraycopy(eta, 0, atMean, first, means);
			for (int i = first; i < end; i++) {
				double[] kls = klPerDimension(q, i);
				double kl = java.util.Arrays.stream(kls).sum();
				Terms mean = scoring.terms(x[i], atMean[i]);
				int from = means + (i - first) * perInput;
				MonteCarlo mc = (options.samples() > 0) ? monteCarlo(q, i, x[i], scoring, z, eta, from) : null;
				double[] input = x[i];
				Iwae iwae = (options.iwaeK() > 0) ? iwae(logWeights(q, i, z, eta, from + options.samples(),
						options.iwaeK(), (out) -> scoring.weightNll(input, out))) : null;
				results.add(new InputLoss(q.mu()[i], q.logvar()[i], kls, kl, mean, mc, iwae));
			}
		}
		return results;
	}

	/**
	 * The likelihood of the importance weights {@link #analyse} uses for a σ(η) head: the
	 * head's, or the Gaussian one when the [0, 1] terms are not asked for; empty for any
	 * other head (its own NLL).
	 */
	public static java.util.Optional<Likelihood> weightLikelihood(DecoderHead head, boolean unitTerms) {
		return Scoring.sigmoidLikelihood(head).map((l) -> unitTerms ? l : Likelihood.GAUSSIAN);
	}

	/**
	 * How the head turns one decoder output into its terms: the one-pass σ(η) terms with
	 * the NLL of {@code sigmoid}, or, when that is null, {@link Terms#ofHead}.
	 */
	private record Scoring(DecoderHead head, Likelihood sigmoid, double modelSigma, Options options) {

		static Scoring of(DecoderHead head, Options options) {
			double modelSigma = (head instanceof DecoderHead.FixedGaussian fixed) ? fixed.sigma() : 1.0;
			return new Scoring(head, sigmoidLikelihood(head).orElse(null), modelSigma, options);
		}

		/** The likelihood of a σ(η) head; empty for the others. */
		static java.util.Optional<Likelihood> sigmoidLikelihood(DecoderHead head) {
			if (head instanceof DecoderHead.Bernoulli) {
				return java.util.Optional.of(Likelihood.BERNOULLI);
			}
			if (head instanceof DecoderHead.ContinuousBernoulli) {
				return java.util.Optional.of(Likelihood.CONTINUOUS_BERNOULLI);
			}
			if (head instanceof DecoderHead.FixedGaussian fixed && fixed.activation() == OutputActivation.SIGMOID) {
				return java.util.Optional.of(Likelihood.GAUSSIAN);
			}
			return java.util.Optional.empty();
		}

		Terms terms(double[] x, double[] eta) {
			if (this.sigmoid == null) {
				return Terms.ofHead(this.head, x, eta, this.options.sigma());
			}
			return Terms.of(x, eta, this.options.sigma(), this.options.unitTerms())
				.withModel(this.sigmoid, this.modelSigma, x.length);
		}

		/**
		 * How many inputs' draws go through the decoder together: a σ(η) head's in groups
		 * of at most CHUNK draws (or one input), any other head's one input at a time
		 * ({@link #decode}).
		 */
		int inputsPerCall(int perInput) {
			return (this.sigmoid != null) ? Math.max(1, CHUNK / Math.max(1, perInput)) : 1;
		}

		/**
		 * The decoder outputs of a group's means and draws: a σ(η) head's through one
		 * call; any other head's (one input's) L Monte Carlo and k importance draws
		 * through a call each, the calls its analysis has always made, so that its /loss
		 * numbers stay the same to the last bit (a GEMM's row can round differently with
		 * the rows around it).
		 */
		double[][] decode(Passes network, double[][] z) {
			int samples = this.options.samples();
			if (this.sigmoid != null || samples == 0 || samples == z.length) {
				return LossAnalysis.decode(network, z);
			}
			double[][] eta = new double[z.length][];
			System.arraycopy(LossAnalysis.decode(network, java.util.Arrays.copyOfRange(z, 0, samples)), 0, eta, 0,
					samples);
			double[][] rest = LossAnalysis.decode(network, java.util.Arrays.copyOfRange(z, samples, z.length));
			System.arraycopy(rest, 0, eta, samples, rest.length);
			return eta;
		}

		/** −log p(x|z) of an importance weight. */
		double weightNll(double[] x, double[] eta) {
			Terms t = terms(x, eta);
			return (this.sigmoid != null && !this.options.unitTerms()) ? t.gaussianNll() : t.modelNll();
		}

	}

	/** The Monte Carlo terms of input i from its L draws z[from..] and their outputs. */
	private static MonteCarlo monteCarlo(Encoding q, int i, double[] x, Scoring scoring, double[][] z, double[][] eta,
			int from) {
		int n = scoring.options().samples();
		boolean unit = scoring.sigmoid() != null && scoring.options().unitTerms();
		double[] bce = new double[n];
		double[] sse = new double[n];
		double[] mse = new double[n];
		double[] gaussian = new double[n];
		double[] cb = new double[n];
		double[] model = new double[n];
		double[] kl = new double[n];
		for (int l = 0; l < n; l++) {
			Terms t = scoring.terms(x, eta[from + l]);
			bce[l] = t.bce();
			sse[l] = t.sse();
			mse[l] = t.mse();
			gaussian[l] = t.gaussianNll();
			cb[l] = t.continuousBernoulliNll();
			model[l] = t.modelNll();
			kl[l] = logQ(q, i, z[from + l]) - logPrior(z[from + l]);
		}
		return new MonteCarlo(n, unit ? Estimate.of(bce) : null, Estimate.of(sse), Estimate.of(mse),
				Estimate.of(gaussian), unit ? Estimate.of(cb) : null,
				Double.isNaN(model[0]) ? null : Estimate.of(model), Estimate.of(kl));
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

	/**
	 * The importance-weighted bound (IWAE, Burda et al. 2015) of one input's log
	 * importance weights: log (1/k) Σ wᵢ with wᵢ = p(x|zᵢ) p(zᵢ)/q(zᵢ|x), and the mean of
	 * log wᵢ (the ELBO from the same draws).
	 */
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
