package dev.vae.inference;

import dev.vae.model.analysis.ElboReport;
import dev.vae.model.analysis.LossAnalysis;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/**
 * The records of {@code /loss}. Field names follow the formulas' names (snake_case);
 * every field's description states the formula it implements. D is the input length, K
 * the latent size, x̂ = sigmoid(η) the decoder mean.
 */
final class LossApi {

	private LossApi() {
	}

	/** The wire form of one input's report: the same numbers, named and documented. */
	static InputLoss inputLoss(ElboReport.Input r) {
		ElboReport.AtMean m = r.atMean();
		ElboReport.Gaussian g = m.gaussian();
		ElboReport.Elbos e = m.elbo();
		AtMean atMean = new AtMean(m.bce(), m.sse(), m.mse(),
				new GaussianNll(g.value(), g.sigma(), g.sseOverTwoSigmaSquared(), g.constant()),
				(m.continuousBernoulliNll() != null)
						? new ContinuousBernoulliNll(m.continuousBernoulliNll(), m.logNormaliser()) : null,
				new Elbo(e.bernoulli(), e.gaussian(), e.continuousBernoulli(), e.model()), m.modelNll());
		MonteCarlo mc = null;
		if (r.monteCarlo() != null) {
			ElboReport.MonteCarlo c = r.monteCarlo();
			ElboReport.ElboEstimates ce = c.elbo();
			mc = new MonteCarlo(c.samples(), estimate(c.bce()), estimate(c.sse()), estimate(c.mse()),
					estimate(c.gaussianNll()), estimate(c.continuousBernoulliNll()), estimate(c.kl()),
					new ElboEstimates(estimate(ce.bernoulli()), estimate(ce.gaussian()),
							estimate(ce.continuousBernoulli()), estimate(ce.model())));
		}
		Iwae iwae = (r.iwae() != null)
				? new Iwae(r.iwae().k(), r.iwae().likelihood(), r.iwae().logLikelihood(), r.iwae().elbo()) : null;
		return new InputLoss(new Kl(r.kl(), r.klPerDimension()), atMean, mc, iwae,
				new BitsPerDim(r.bitsPerDim().value(), r.bitsPerDim().basis()));
	}

	static Summary summary(ElboReport.Summary s) {
		return new Summary(s.count(), s.kl(), s.bce(), s.mse(), s.gaussianNll(), s.continuousBernoulliNll(), s.elbo(),
				s.iwaeLogLikelihood(), s.bitsPerDim());
	}

	private static Estimate estimate(LossAnalysis.Estimate e) {
		return (e == null) ? null : new Estimate(e.mean(), e.standardError());
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@Schema(description = "Inputs to analyse, and which estimators to run.")
	record LossRequest(@Schema(
			description = "Batch of input vectors of the model's input length. Values must lie in [0, 1] unless terms is 'gaussian'.",
			requiredMode = Schema.RequiredMode.REQUIRED) double[][] inputs,
			@Schema(description = "L: Monte Carlo draws z ~ q(z|x) per input; each term is averaged over them with its standard error. "
					+ "Omit for none.", minimum = "1") Integer samples,
			@Schema(description = "k: importance samples per input for the importance-weighted bound on log p(x). Omit for none.",
					minimum = "1") Integer iwaeK,
			@Schema(description = "Seed of all draws; a fresh one is chosen and returned when omitted.") Long seed,
			@Schema(description = "σ of the Gaussian terms; default: the model's σ for a Gaussian model, else 1.") Double sigma,
			@Schema(description = "'all' (default) or 'gaussian': only SSE, MSE, the Gaussian NLL and KL, which accept any real x. "
					+ "With 'gaussian' the importance weights use the Gaussian likelihood with this σ.",
					allowableValues = {
							"all", "gaussian" }) String terms,
			@Schema(description = "The model version to use (see GET /models); the active model when omitted.") String model){
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record Kl(@Schema(
			description = "KL(q(z|x) ‖ N(0, I)) = ½ Σₖ (μₖ² + σₖ² − 1 − log σₖ²), analytic, in nats") double total,
			@Schema(description = "½ (μₖ² + σₖ² − 1 − log σₖ²) for each latent dimension k") double[] perDimension) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record GaussianNll(@Schema(description = "−log N(x; x̂, σ²I) = SSE/(2σ²) + D·log σ + (D/2)·log 2π") double value,
			@Schema(description = "σ used") double sigma,
			@Schema(description = "SSE/(2σ²): the only part that depends on the model") double sseOverTwoSigmaSquared,
			@Schema(description = "D·log σ + (D/2)·log 2π: the constant that makes MSE training a Gaussian likelihood") double constant) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record ContinuousBernoulliNll(@Schema(
			description = "−log p_CB(x|λ = x̂) = bce − Σⱼ log C(x̂ⱼ): the normalised likelihood for x ∈ [0, 1]") double value,
			@Schema(description = "Σⱼ log C(x̂ⱼ), C(λ) = 2·artanh(1 − 2λ)/(1 − 2λ), C(½) = 2; computed as log(η / tanh(η/2)) "
					+ "from the logit, with a series near λ = ½") double logNormaliser) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record Elbo(@Schema(description = "−(bce + β·KL)") Double bernoulli,
			@Schema(description = "−(gaussian_nll + β·KL)") double gaussian,
			@Schema(description = "−(continuous_bernoulli_nll + β·KL)") Double continuousBernoulli,
			@Schema(description = "the ELBO under the model's own likelihood (see 'likelihood')") Double model) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record AtMean(@Schema(
			description = "Σⱼ −[xⱼ log x̂ⱼ + (1 − xⱼ) log(1 − x̂ⱼ)], the Bernoulli NLL, computed as xⱼ·softplus(−ηⱼ) + (1 − xⱼ)·softplus(ηⱼ) "
					+ "from the logit: no clamping of x̂ is needed, none is applied") Double bce,
			@Schema(description = "Σⱼ (xⱼ − x̂ⱼ)²") double sse, @Schema(description = "SSE / D") double mse,
			GaussianNll gaussianNll, ContinuousBernoulliNll continuousBernoulliNll, Elbo elbo,
			@Schema(description = "−log p(x|z = μ) under the model's own likelihood: bce, continuous_bernoulli_nll or the "
					+ "Gaussian NLL with the model's σ for the classic decoders; for a learned variance "
					+ "Σⱼ ½ log 2π + ½ log σⱼ² + (xⱼ − x̂ⱼ)²/(2σⱼ²); for the calibrated Gaussian (σ-VAE) "
					+ "(D/2)(1 + log 2π σ*²) with σ*² = MSE, the σ that maximises the likelihood of this input") Double modelNll) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record Estimate(@Schema(description = "(1/L) Σₗ tₗ") double mean,
			@Schema(description = "s/√L with s² = Σₗ (tₗ − mean)²/(L − 1); absent for L = 1") Double standardError) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record ElboEstimates(Estimate bernoulli, Estimate gaussian, Estimate continuousBernoulli, Estimate model) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record MonteCarlo(@Schema(description = "L") int samples,
			@Schema(description = "E_q[bce] over zₗ = μ + σ ⊙ εₗ") Estimate bce,
			@Schema(description = "E_q[SSE]") Estimate sse, @Schema(description = "E_q[MSE]") Estimate mse,
			@Schema(description = "E_q[Gaussian NLL]") Estimate gaussianNll,
			@Schema(description = "E_q[continuous-Bernoulli NLL]") Estimate continuousBernoulliNll,
			@Schema(description = "E_q[log q(z|x) − log p(z)]: the sampled KL, which converges to the analytic one") Estimate kl,
			@Schema(description = "−(E_q[NLL] + β·KL) with the analytic KL, per likelihood") ElboEstimates elbo) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record Iwae(@Schema(description = "k") int k,
			@Schema(description = "the likelihood of p(x|z) in the weights") String likelihood,
			@Schema(description = "log (1/k) Σᵢ wᵢ with wᵢ = p(x|zᵢ) p(zᵢ) / q(zᵢ|x), zᵢ ~ q(z|x): an estimate of log p(x), "
					+ "never below the ELBO in expectation and tighter as k grows") double logLikelihood,
			@Schema(description = "(1/k) Σᵢ log wᵢ: the ELBO (β = 1) estimated from the same draws") double elbo) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record BitsPerDim(
			@Schema(description = "NLL / (D·ln 2), with NLL the best estimate of −log p(x) requested") double value,
			@Schema(description = "which NLL: 'iwae' (−log_likelihood), 'monte-carlo' (−ELBO, β = 1) or 'mean' (NLL at z = μ + KL)",
					allowableValues = {
							"iwae", "monte-carlo", "mean" }) String basis){
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record InputLoss(Kl kl, @Schema(description = "the terms at z = μ (deterministic)") AtMean atMean,
			@Schema(description = "present when samples was given") MonteCarlo monteCarlo,
			@Schema(description = "present when iwae_k was given") Iwae iwae, BitsPerDim bitsPerDim) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@Schema(description = "Means over the batch")
	record Summary(int count, @Schema(description = "mean KL") double kl,
			@Schema(description = "mean bce at z = μ") Double bce,
			@Schema(description = "mean MSE at z = μ") double mse,
			@Schema(description = "mean Gaussian NLL at z = μ") double gaussianNll,
			@Schema(description = "mean continuous-Bernoulli NLL at z = μ") Double continuousBernoulliNll,
			@Schema(description = "mean ELBO under the model's likelihood at z = μ") Double elbo,
			@Schema(description = "mean IWAE log p(x) estimate, when requested") Double iwaeLogLikelihood,
			@Schema(description = "mean bits per dimension") double bitsPerDim) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record LossResponse(String model, @Schema(description = "the model's own likelihood") String likelihood,
			@Schema(description = "β, the weight of KL in every ELBO here") double beta,
			@Schema(description = "the seed of the draws") long seed,
			@Schema(description = "σ of the Gaussian terms") double sigma,
			@Schema(description = "D, the input length") int inputLength, List<InputLoss> results, Summary summary) {
	}

}
