package dev.vae.model.analysis;

import dev.vae.model.head.Likelihood;
import dev.vae.model.head.Reconstruction;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The ELBO arithmetic of a per-input loss breakdown: from the terms an analysis measured
 * (NLLs, SSE, KL, draws) to every ELBO −(NLL + β·KL) side by side, the NLL under the
 * model's own likelihood, the Monte Carlo ELBO estimates with their standard errors, and
 * bits per dimension from the best estimate of −log p(x) that was asked for. The web
 * layer only copies these numbers into its records.
 */
public final class ElboReport {

	private static final double LN2 = Math.log(2);

	private ElboReport() {
	}

	/**
	 * What the side-by-side breakdown needs of a classic decoder (x̂ = σ(η)).
	 *
	 * @param likelihood its likelihood
	 * @param gaussianSigma its σ when Gaussian
	 * @param beta the weight of KL
	 * @param inputLength D
	 */
	public record Decoder(Likelihood likelihood, double gaussianSigma, double beta, int inputLength) {
	}

	/**
	 * −log N(x; x̂, σ²I) and its two parts.
	 *
	 * @param value SSE/(2σ²) + D·log σ + (D/2)·log 2π
	 * @param sigma σ
	 * @param sseOverTwoSigmaSquared SSE/(2σ²)
	 * @param constant D·log σ + (D/2)·log 2π
	 */
	public record Gaussian(double value, double sigma, double sseOverTwoSigmaSquared, double constant) {

		static Gaussian of(double value, double sse, double sigma, int d) {
			return new Gaussian(value, sigma, sse / (2 * sigma * sigma),
					d * (Math.log(sigma) + Reconstruction.HALF_LOG_TWO_PI));
		}

	}

	/** −(NLL + β·KL) under each likelihood; null where the NLL was not computed. */
	public record Elbos(Double bernoulli, double gaussian, Double continuousBernoulli, Double model) {
	}

	/**
	 * The terms at z = μ.
	 *
	 * @param bce the Bernoulli NLL, or null
	 * @param sse Σ (x − x̂)²
	 * @param mse SSE / D
	 * @param gaussian the Gaussian NLL at the requested σ
	 * @param continuousBernoulliNll the continuous-Bernoulli NLL, or null
	 * @param logNormaliser Σ log C(x̂), or null
	 * @param elbo the ELBOs
	 * @param modelNll the NLL under the model's own likelihood, or null
	 */
	public record AtMean(Double bce, double sse, double mse, Gaussian gaussian, Double continuousBernoulliNll,
			Double logNormaliser, Elbos elbo, Double modelNll) {
	}

	/** The Monte Carlo ELBO estimates, −(E_q[NLL] + β·KL) with the analytic KL. */
	public record ElboEstimates(LossAnalysis.Estimate bernoulli, LossAnalysis.Estimate gaussian,
			LossAnalysis.Estimate continuousBernoulli, LossAnalysis.Estimate model) {
	}

	/** Monte Carlo estimates over L draws; null entries were not computed. */
	public record MonteCarlo(int samples, LossAnalysis.Estimate bce, LossAnalysis.Estimate sse,
			LossAnalysis.Estimate mse, LossAnalysis.Estimate gaussianNll, LossAnalysis.Estimate continuousBernoulliNll,
			LossAnalysis.Estimate kl, ElboEstimates elbo) {
	}

	/**
	 * The importance-weighted estimate of log p(x), with the likelihood of its weights.
	 */
	public record Iwae(int k, String likelihood, double logLikelihood, double elbo) {
	}

	/**
	 * NLL / (D·ln 2).
	 *
	 * @param value bits per dimension
	 * @param basis 'iwae', 'monte-carlo' (−ELBO with β = 1) or 'mean' (NLL at z = μ + KL)
	 */
	public record BitsPerDim(double value, String basis) {
	}

	/** One input's report; monteCarlo and iwae are null when not asked for. */
	public record Input(double kl, double[] klPerDimension, AtMean atMean, MonteCarlo monteCarlo, Iwae iwae,
			BitsPerDim bitsPerDim) {
	}

	/** Means over a batch; null where the inputs have no such term. */
	public record Summary(int count, double kl, Double bce, double mse, double gaussianNll,
			Double continuousBernoulliNll, Double elbo, Double iwaeLogLikelihood, double bitsPerDim) {
	}

	/**
	 * The report of an input under a classic decoder.
	 * @param sigma σ of the side-by-side Gaussian terms
	 * @param unitTerms whether the [0, 1] terms (BCE, continuous Bernoulli) were computed
	 * @param weightLikelihood the likelihood of the importance weights
	 */
	public static Input classic(LossAnalysis.InputLoss in, Decoder a, double sigma, boolean unitTerms,
			String weightLikelihood) {
		double betaKl = a.beta() * in.kl();
		LossAnalysis.Terms t = in.atMean();
		Double modelNll = switch (a.likelihood()) {
			case BERNOULLI -> unitTerms ? t.bce() : null;
			case CONTINUOUS_BERNOULLI -> unitTerms ? t.continuousBernoulliNll() : null;
			case GAUSSIAN -> gaussianNll(t.sse(), a.gaussianSigma(), a.inputLength());
		};
		Elbos elbo = new Elbos(unitTerms ? elbo(t.bce(), betaKl) : null, elbo(t.gaussianNll(), betaKl),
				unitTerms ? elbo(t.continuousBernoulliNll(), betaKl) : null,
				(modelNll != null) ? elbo(modelNll, betaKl) : null);
		AtMean atMean = new AtMean(unitTerms ? t.bce() : null, t.sse(), t.mse(),
				Gaussian.of(t.gaussianNll(), t.sse(), sigma, a.inputLength()),
				unitTerms ? t.continuousBernoulliNll() : null, unitTerms ? t.logNormaliser() : null, elbo, modelNll);
		MonteCarlo mc = (in.monteCarlo() != null) ? classicMonteCarlo(in.monteCarlo(), a, betaKl) : null;
		Iwae iwae = (in.iwae() != null)
				? new Iwae(in.iwae().k(), weightLikelihood, in.iwae().logLikelihood(), in.iwae().elbo()) : null;
		// with only Gaussian terms asked for, the Gaussian NLL at the request's σ stands
		// in
		// for the model's
		double meanNll = (modelNll != null) ? modelNll : t.gaussianNll();
		LossAnalysis.Estimate mcElbo = (mc == null) ? null
				: (modelNll != null) ? mc.elbo().model() : mc.elbo().gaussian();
		return new Input(in.kl(), in.klPerDimension(), atMean, mc, iwae,
				bitsPerDim(in.kl(), betaKl, a.inputLength(), meanNll, mcElbo, iwae));
	}

	/**
	 * The report of an input under a decoder head without the classic terms: the model's
	 * own NLL beside the Gaussian terms at the requested σ.
	 */
	public static Input head(LossAnalysis.InputLoss in, String likelihood, double beta, int d, double sigma) {
		double betaKl = beta * in.kl();
		LossAnalysis.Terms t = in.atMean();
		Elbos elbo = new Elbos(null, elbo(t.gaussianNll(), betaKl), null, elbo(t.modelNll(), betaKl));
		AtMean atMean = new AtMean(null, t.sse(), t.mse(), Gaussian.of(t.gaussianNll(), t.sse(), sigma, d), null, null,
				elbo, t.modelNll());
		LossAnalysis.MonteCarlo draws = in.monteCarlo();
		MonteCarlo mc = (draws == null) ? null : new MonteCarlo(draws.samples(), null, draws.sse(), draws.mse(),
				draws.gaussianNll(), null, draws.kl(),
				new ElboEstimates(null, negate(draws.gaussianNll(), betaKl), null, negate(draws.modelNll(), betaKl)));
		// a NaN bound (every weight zero) reports no bound, as the head analysis did
		Iwae iwae = (in.iwae() == null || Double.isNaN(in.iwae().logLikelihood())) ? null
				: new Iwae(in.iwae().k(), likelihood, in.iwae().logLikelihood(), in.iwae().elbo());
		return new Input(in.kl(), in.klPerDimension(), atMean, mc, iwae,
				bitsPerDim(in.kl(), betaKl, d, t.modelNll(), (mc != null) ? mc.elbo().model() : null, iwae));
	}

	/** The means over a batch of reports of one kind. */
	public static Summary summary(List<Input> inputs) {
		Input first = inputs.get(0);
		boolean unit = first.atMean().bce() != null;
		boolean cb = first.atMean().continuousBernoulliNll() != null;
		boolean model = first.atMean().elbo().model() != null;
		return new Summary(inputs.size(), mean(inputs, Input::kl), unit ? mean(inputs, (r) -> r.atMean().bce()) : null,
				mean(inputs, (r) -> r.atMean().mse()), mean(inputs, (r) -> r.atMean().gaussian().value()),
				cb ? mean(inputs, (r) -> r.atMean().continuousBernoulliNll()) : null,
				model ? mean(inputs, (r) -> r.atMean().elbo().model()) : null,
				(first.iwae() != null) ? mean(inputs, (r) -> r.iwae().logLikelihood()) : null,
				mean(inputs, (r) -> r.bitsPerDim().value()));
	}

	/** −(NLL + β·KL). */
	static double elbo(double nll, double betaKl) {
		return -(nll + betaKl);
	}

	/** SSE/(2σ²) + D·log σ + (D/2)·log 2π. */
	static double gaussianNll(double sse, double sigma, int d) {
		return sse / (2 * sigma * sigma) + d * (Math.log(sigma) + Reconstruction.HALF_LOG_TWO_PI);
	}

	private static MonteCarlo classicMonteCarlo(LossAnalysis.MonteCarlo mc, Decoder a, double betaKl) {
		// the Gaussian NLL under the model's σ is affine in SSE: its mean and standard
		// error scale with 1/(2σ²)
		double s = a.gaussianSigma();
		LossAnalysis.Estimate sse = mc.sse();
		LossAnalysis.Estimate modelGaussian = new LossAnalysis.Estimate(gaussianNll(sse.mean(), s, a.inputLength()),
				(sse.standardError() == null) ? null : sse.standardError() / (2 * s * s));
		LossAnalysis.Estimate model = switch (a.likelihood()) {
			case BERNOULLI -> mc.bce();
			case CONTINUOUS_BERNOULLI -> mc.continuousBernoulliNll();
			case GAUSSIAN -> modelGaussian;
		};
		ElboEstimates elbo = new ElboEstimates(negate(mc.bce(), betaKl), negate(mc.gaussianNll(), betaKl),
				negate(mc.continuousBernoulliNll(), betaKl), negate(model, betaKl));
		return new MonteCarlo(mc.samples(), mc.bce(), sse, mc.mse(), mc.gaussianNll(), mc.continuousBernoulliNll(),
				mc.kl(), elbo);
	}

	/**
	 * Bits per dimension from the best estimate of −log p(x) asked for: the IWAE bound,
	 * else the Monte Carlo −ELBO with β = 1, else the NLL at z = μ plus KL.
	 */
	private static BitsPerDim bitsPerDim(double kl, double betaKl, int d, double meanNll, LossAnalysis.Estimate mcElbo,
			Iwae iwae) {
		double dLn2 = d * LN2;
		if (iwae != null) {
			return new BitsPerDim(-iwae.logLikelihood() / dLn2, "iwae");
		}
		if (mcElbo != null) {
			// −ELBO with β = 1: E_q[NLL] + KL, and E_q[NLL] = −ELBO_β − β·KL
			return new BitsPerDim((-mcElbo.mean() - betaKl + kl) / dLn2, "monte-carlo");
		}
		return new BitsPerDim((meanNll + kl) / dLn2, "mean");
	}

	private static LossAnalysis.Estimate negate(LossAnalysis.Estimate nll, double betaKl) {
		return (nll == null) ? null : new LossAnalysis.Estimate(elbo(nll.mean(), betaKl), nll.standardError());
	}

	private static double mean(List<Input> inputs, ToDoubleFunction<Input> value) {
		return inputs.stream().mapToDouble(value).average().orElse(Double.NaN);
	}

}
