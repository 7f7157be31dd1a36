package dev.vae.inference;

import dev.vae.model.head.Likelihood;
import dev.vae.model.analysis.LossAnalysis;
import dev.vae.model.analysis.ElboReport;
import dev.vae.registry.ServedModel;
import dev.vae.system.InvalidInputException;
import dev.vae.system.TooLargeException;
import dev.vae.system.VaeProperties;

import java.util.List;

import org.springframework.stereotype.Service;

/**
 * {@code /loss}: checks the request, runs {@link LossAnalysis} and lays its numbers out
 * with their ELBOs.
 */
@Service
class LossService {

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
		ElboReport.Decoder a = new ElboReport.Decoder(model.classicLikelihood().orElseThrow(), model.gaussianSigma(),
				model.beta(), model.inputLength());
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
		Likelihood weights = LossAnalysis.weightLikelihood(model.head(), unitTerms).orElseThrow();
		List<LossAnalysis.InputLoss> analysed = LossAnalysis.analyse(prediction.passes(), model.head(),
				model.latentSize(), request.inputs(), new LossAnalysis.Options(sigma, samples, iwaeK, seed, unitTerms));

		List<ElboReport.Input> reports = analysed.stream()
			.map((in) -> ElboReport.classic(in, a, sigma, unitTerms, weights.wireName()))
			.toList();
		return response(model, a.likelihood().wireName(), seed, sigma, reports);
	}

	private static LossApi.LossResponse response(ServedModel model, String likelihood, long seed, double sigma,
			List<ElboReport.Input> reports) {
		return new LossApi.LossResponse(model.id(), likelihood, model.beta(), seed, sigma, model.inputLength(),
				reports.stream().map(LossApi::inputLoss).toList(), LossApi.summary(ElboReport.summary(reports)));
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
		List<LossAnalysis.InputLoss> analysed = LossAnalysis.analyse(prediction.passes(), model.head(),
				model.latentSize(), request.inputs(), new LossAnalysis.Options(sigma, samples, iwaeK, seed, false));
		List<ElboReport.Input> reports = analysed.stream()
			.map((in) -> ElboReport.head(in, model.head().wireName(), model.beta(), model.inputLength(), sigma))
			.toList();
		return response(model, model.likelihood(), seed, sigma, reports);
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

	private static double sigma(Double requested, ElboReport.Decoder a) {
		if (requested == null) {
			return (a.likelihood() == Likelihood.GAUSSIAN) ? a.gaussianSigma() : 1.0;
		}
		return positive(requested);
	}

}
