package dev.vae.inference;

import dev.vae.model.Likelihood;
import dev.vae.model.HeadLossAnalysis;
import dev.vae.model.LossAnalysis;
import dev.vae.model.Reconstruction;
import dev.vae.registry.ServedModel;
import dev.vae.system.InvalidInputException;
import dev.vae.system.TooLargeException;
import dev.vae.system.VaeProperties;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

import org.springframework.stereotype.Service;

/**
 * {@code /loss}: checks the request, runs {@link LossAnalysis} and lays its numbers out
 * with their ELBOs.
 */
@Service
class LossService {

	private static final double LN2 = Math.log(2);

	private final VaeProperties.Limits limits;

	LossService(VaeProperties properties) {
		this.limits = properties.limits();
	}

	/**
	 * The breakdown of the request's inputs under the prediction's model (the request's
	 * model field is not read).
	 */
	LossApi.LossResponse loss(Prediction prediction, LossApi.LossRequest request) {
		ServedModel model = prediction.model();
		if (model.classicLikelihood().isEmpty()) {
			return headLoss(prediction, request);
		}
		Decoder a = Decoder.of(model);
		String terms = (request.terms() == null) ? "all" : request.terms();
		if (!terms.equals("all") && !terms.equals("gaussian")) {
			throw new InvalidInputException("terms", "terms must be 'all' or 'gaussian', was '" + terms + "'");
		}
		boolean unitTerms = terms.equals("all");
		Vectors.check(request.inputs(), "inputs", a.inputLength(), model.shapeText(), this.limits.maxBatch(), unitTerms,
				"where BCE and the continuous-Bernoulli NLL are defined; send \"terms\": \"gaussian\" "
						+ "for only the Gaussian/MSE terms, which accept any real value");
		double sigma = sigma(request.sigma(), a);
		int samples = Vectors.count(request.samples(), "samples", 0, this.limits.maxSamples(),
				"vae.limits.max-samples");
		int iwaeK = Vectors.count(request.iwaeK(), "iwae_k", 0, this.limits.maxIwaeK(), "vae.limits.max-iwae-k");
		checkDecodes(request.inputs().length, samples, iwaeK);
		long seed = Vectors.seedOrFresh(request.seed());
		// the importance weights use the model's likelihood, or the Gaussian one when
		// only Gaussian terms are asked for
		Likelihood weights = unitTerms ? a.likelihood() : Likelihood.GAUSSIAN;
		double weightSigma = (unitTerms && a.likelihood() == Likelihood.GAUSSIAN) ? a.gaussianSigma() : sigma;
		List<LossAnalysis.InputLoss> analysed = LossAnalysis.analyse(prediction.passes(), a.latentSize(),
				request.inputs(), new LossAnalysis.Options(sigma, samples, iwaeK, seed, unitTerms), weights,
				weightSigma);

		Layout layout = new Layout(a, sigma, unitTerms, weights.wireName());
		List<LossApi.InputLoss> results = new ArrayList<>();
		for (LossAnalysis.InputLoss input : analysed) {
			results.add(layout.input(input));
		}
		return new LossApi.LossResponse(model.id(), a.likelihood().wireName(), a.beta(), seed, sigma, a.inputLength(),
				results, summary(results));
	}

	/**
	 * /loss for a decoder head without the classic terms (learned or calibrated variance,
	 * tanh or identity means): the model's own NLL, SSE, MSE and a fixed-σ Gaussian NLL
	 * side by side, with the same estimators.
	 */
	private LossApi.LossResponse headLoss(Prediction prediction, LossApi.LossRequest request) {
		ServedModel model = prediction.model();
		if (request.terms() != null && !request.terms().equals("all") && !request.terms().equals("gaussian")) {
			throw new InvalidInputException("terms",
					"terms must be 'all' or 'gaussian', was '" + request.terms() + "'");
		}
		Vectors.check(request.inputs(), "inputs", model.inputLength(), model.shapeText(), this.limits.maxBatch(),
				model.head().requiresUnitInterval(), "");
		double sigma = (request.sigma() == null) ? 1.0 : positive(request.sigma());
		int samples = Vectors.count(request.samples(), "samples", 0, this.limits.maxSamples(),
				"vae.limits.max-samples");
		int iwaeK = Vectors.count(request.iwaeK(), "iwae_k", 0, this.limits.maxIwaeK(), "vae.limits.max-iwae-k");
		checkDecodes(request.inputs().length, samples, iwaeK);
		long seed = Vectors.seedOrFresh(request.seed());
		List<HeadLossAnalysis.InputLoss> analysed = HeadLossAnalysis.analyse(prediction.passes(), model.head(),
				model.latentSize(), request.inputs(), sigma, samples, iwaeK, seed);
		HeadLossLayout layout = new HeadLossLayout(model.head().wireName(), model.beta(), model.inputLength(), sigma);
		List<LossApi.InputLoss> results = analysed.stream().map(layout::input).toList();
		return new LossApi.LossResponse(model.id(), model.likelihood(), model.beta(), seed, sigma, model.inputLength(),
				results, summary(results));
	}

	private void checkDecodes(int inputs, int samples, int iwaeK) {
		long decodes = (long) inputs * (samples + iwaeK);
		if (decodes > this.limits.maxDecodes()) {
			throw new TooLargeException("inputs",
					"inputs × (samples + iwae_k) = " + decodes + " latent vectors to decode; at most "
							+ this.limits.maxDecodes() + " per request (vae.limits.max-decodes)");
		}
	}

	private static double positive(double sigma) {
		if (!(sigma > 0) || Double.isInfinite(sigma)) {
			throw new InvalidInputException("sigma", "sigma must be a positive finite number, was " + sigma);
		}
		return sigma;
	}

	private static double sigma(Double requested, Decoder a) {
		if (requested == null) {
			return (a.likelihood() == Likelihood.GAUSSIAN) ? a.gaussianSigma() : 1.0;
		}
		return positive(requested);
	}

	private static LossApi.Summary summary(List<LossApi.InputLoss> results) {
		boolean unit = results.get(0).atMean().bce() != null;
		boolean cb = results.get(0).atMean().continuousBernoulliNll() != null;
		boolean iwae = results.get(0).iwae() != null;
		boolean model = results.get(0).atMean().elbo().model() != null;
		return new LossApi.Summary(results.size(), mean(results, (r) -> r.kl().total()),
				unit ? mean(results, (r) -> r.atMean().bce()) : null, mean(results, (r) -> r.atMean().mse()),
				mean(results, (r) -> r.atMean().gaussianNll().value()),
				cb ? mean(results, (r) -> r.atMean().continuousBernoulliNll().value()) : null,
				model ? mean(results, (r) -> r.atMean().elbo().model()) : null,
				iwae ? mean(results, (r) -> r.iwae().logLikelihood()) : null,
				mean(results, (r) -> r.bitsPerDim().value()));
	}

	private static double mean(List<LossApi.InputLoss> results, ToDoubleFunction<LossApi.InputLoss> value) {
		return results.stream().mapToDouble(value).average().orElse(Double.NaN);
	}

	/**
	 * Turns one analysed input into its response, adding the ELBOs and bits per
	 * dimension.
	 */
	/**
	 * What the side-by-side breakdown needs of a model: a decoder whose mean is x̂ = σ(η)
	 * under one of the three classic likelihoods.
	 */
	private record Decoder(Likelihood likelihood, double gaussianSigma, double beta, int inputLength, int latentSize) {

		static Decoder of(ServedModel model) {
			return new Decoder(model.classicLikelihood().orElseThrow(), model.gaussianSigma(), model.beta(),
					model.inputLength(), model.latentSize());
		}

	}

	private record Layout(Decoder a, double sigma, boolean unitTerms, String weightLikelihood) {

		LossApi.InputLoss input(LossAnalysis.InputLoss in) {
			double beta = this.a.beta();
			LossAnalysis.Terms t = in.atMean();
			double d = this.a.inputLength();
			double constant = d * (Math.log(this.sigma) + Reconstruction.HALF_LOG_TWO_PI);
			LossApi.GaussianNll gaussian = new LossApi.GaussianNll(t.gaussianNll(), this.sigma,
					t.sse() / (2 * this.sigma * this.sigma), constant);
			LossApi.ContinuousBernoulliNll cb = this.unitTerms
					? new LossApi.ContinuousBernoulliNll(t.continuousBernoulliNll(), t.logNormaliser()) : null;
			Double modelNll = modelNll(t.bce(), t.continuousBernoulliNll(), t.sse());
			LossApi.Elbo elbo = new LossApi.Elbo(this.unitTerms ? -(t.bce() + beta * in.kl()) : null,
					-(t.gaussianNll() + beta * in.kl()),
					this.unitTerms ? -(t.continuousBernoulliNll() + beta * in.kl()) : null,
					(modelNll != null) ? -(modelNll + beta * in.kl()) : null);
			LossApi.AtMean atMean = new LossApi.AtMean(this.unitTerms ? t.bce() : null, t.sse(), t.mse(), gaussian, cb,
					elbo, modelNll);
			LossApi.MonteCarlo mc = (in.monteCarlo() != null) ? monteCarlo(in.monteCarlo(), in.kl()) : null;
			LossApi.Iwae iwae = (in.iwae() != null) ? new LossApi.Iwae(in.iwae().k(), this.weightLikelihood,
					in.iwae().logLikelihood(), in.iwae().elbo()) : null;
			return new LossApi.InputLoss(new LossApi.Kl(in.kl(), in.klPerDimension()), atMean, mc, iwae,
					bitsPerDim(in, modelNll, mc));
		}

		/**
		 * The NLL under the model's own likelihood (its own σ when Gaussian), or null
		 * when not computed.
		 */
		private Double modelNll(double bce, double cbNll, double sse) {
			return switch (this.a.likelihood()) {
				case BERNOULLI -> this.unitTerms ? bce : null;
				case CONTINUOUS_BERNOULLI -> this.unitTerms ? cbNll : null;
				case GAUSSIAN -> gaussianNll(sse, this.a.gaussianSigma());
			};
		}

		private double gaussianNll(double sse, double s) {
			return sse / (2 * s * s) + this.a.inputLength() * (Math.log(s) + Reconstruction.HALF_LOG_TWO_PI);
		}

		private LossApi.MonteCarlo monteCarlo(LossAnalysis.MonteCarlo mc, double kl) {
			double beta = this.a.beta();
			LossApi.Estimate bce = estimate(mc.bce());
			LossApi.Estimate gaussian = estimate(mc.gaussianNll());
			LossApi.Estimate cb = estimate(mc.continuousBernoulliNll());
			// the Gaussian NLL under the model's σ is affine in SSE: its mean and
			// standard error scale with 1/(2σ²)
			double s = this.a.gaussianSigma();
			LossApi.Estimate modelGaussian = new LossApi.Estimate(gaussianNll(mc.sse().mean(), s),
					(mc.sse().standardError() == null) ? null : mc.sse().standardError() / (2 * s * s));
			LossApi.Estimate model = switch (this.a.likelihood()) {
				case BERNOULLI -> bce;
				case CONTINUOUS_BERNOULLI -> cb;
				case GAUSSIAN -> modelGaussian;
			};
			LossApi.ElboEstimates elbo = new LossApi.ElboEstimates(negate(bce, beta * kl), negate(gaussian, beta * kl),
					negate(cb, beta * kl), negate(model, beta * kl));
			return new LossApi.MonteCarlo(mc.samples(), bce, estimate(mc.sse()), estimate(mc.mse()), gaussian, cb,
					estimate(mc.kl()), elbo);
		}

		private LossApi.BitsPerDim bitsPerDim(LossAnalysis.InputLoss in, Double modelNll, LossApi.MonteCarlo mc) {
			double dLn2 = this.a.inputLength() * LN2;
			if (in.iwae() != null) {
				return new LossApi.BitsPerDim(-in.iwae().logLikelihood() / dLn2, "iwae");
			}
			// with only Gaussian terms asked for, the Gaussian NLL at the request's σ
			// stands in for the model's
			if (mc != null) {
				LossApi.Estimate nll = (modelNll != null) ? mc.elbo().model() : mc.elbo().gaussian();
				double betaKl = this.a.beta() * in.kl();
				return new LossApi.BitsPerDim((-nll.mean() - betaKl + in.kl()) / dLn2, "monte-carlo");
			}
			double nll = (modelNll != null) ? modelNll : in.atMean().gaussianNll();
			return new LossApi.BitsPerDim((nll + in.kl()) / dLn2, "mean");
		}

		private static LossApi.Estimate estimate(LossAnalysis.Estimate e) {
			return (e == null) ? null : new LossApi.Estimate(e.mean(), e.standardError());
		}

		private static LossApi.Estimate negate(LossApi.Estimate nll, double plus) {
			return (nll == null) ? null : new LossApi.Estimate(-(nll.mean() + plus), nll.standardError());
		}

	}

}
