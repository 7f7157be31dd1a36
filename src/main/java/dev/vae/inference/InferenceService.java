package dev.vae.inference;

import dev.vae.model.network.Encoding;
import dev.vae.model.network.Evaluation;
import dev.vae.registry.ServedModel;
import dev.vae.system.InvalidInputException;
import dev.vae.system.VaeProperties;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.springframework.stereotype.Service;

/**
 * The inference operations: a request's {@link Prediction} and its record in, the
 * response record out. The prediction holds the one model that answers; every random draw
 * comes from a generator seeded by the request (or by a fresh seed that the response
 * reports), so any answer can be reproduced.
 */
@Service
class InferenceService {

	private final VaeProperties.Limits limits;

	InferenceService(VaeProperties properties) {
		this.limits = properties.limits();
	}

	/**
	 * Encodes the request's inputs with the prediction's model (the request's model field
	 * is not read).
	 */
	InferenceApi.EncodeResponse encode(Prediction prediction, InferenceApi.EncodeRequest request) {
		ServedModel model = prediction.model();
		checkInputs(model, request.inputs());
		int samples = Vectors.count(request.samples(), "samples", 0, this.limits.maxSamples(),
				"vae.limits.max-samples");
		Long seed = (samples > 0) ? Vectors.seedOrFresh(request.seed()) : null;
		Encoding q = prediction.encode(request.inputs());
		double[][] sigma = q.sigma();
		SplittableRandom random = (seed != null) ? new SplittableRandom(seed) : null;
		List<InferenceApi.Encoded> results = new ArrayList<>();
		for (int i = 0; i < request.inputs().length; i++) {
			double[][] z = null;
			if (samples > 0) {
				z = new double[samples][];
				for (int l = 0; l < samples; l++) {
					z[l] = q.reparameterise(i, Evaluation.gaussian(random, model.latentSize()));
				}
			}
			results.add(new InferenceApi.Encoded(q.mu()[i], sigma[i], q.logvar()[i], z));
		}
		return new InferenceApi.EncodeResponse(model.id(), model.latentSize(), seed, results);
	}

	InferenceApi.DecodeResponse decode(Prediction prediction, InferenceApi.DecodeRequest request) {
		ServedModel model = prediction.model();
		checkLatents(model, request.z(), "z");
		boolean sample = Boolean.TRUE.equals(request.sample());
		Long seed = sample ? Vectors.seedOrFresh(request.seed()) : null;
		double[][] eta = prediction.decodeLogits(request.z());
		SplittableRandom random = sample ? new SplittableRandom(seed) : null;
		List<InferenceApi.Decoded> results = new ArrayList<>();
		for (double[] row : eta) {
			results.add(new InferenceApi.Decoded(model.mean(row), sample ? model.draw(row, random) : null));
		}
		return new InferenceApi.DecodeResponse(model.id(), model.likelihood(), seed, results);
	}

	InferenceApi.ReconstructResponse reconstruct(Prediction prediction, InferenceApi.ReconstructRequest request) {
		ServedModel model = prediction.model();
		checkInputs(model, request.inputs());
		boolean sampled = "sample".equals(request.latent());
		if (request.latent() != null && !sampled && !"mean".equals(request.latent())) {
			throw new InvalidInputException("latent",
					"latent must be 'mean' (z = μ) or 'sample' (z ~ q(z|x)), was '" + request.latent() + "'");
		}
		Long seed = sampled ? Vectors.seedOrFresh(request.seed()) : null;
		Encoding q = prediction.encode(request.inputs());
		double[][] z = q.mu();
		if (sampled) {
			SplittableRandom random = new SplittableRandom(seed);
			for (int i = 0; i < z.length; i++) {
				z[i] = q.reparameterise(i, Evaluation.gaussian(random, model.latentSize()));
			}
		}
		double[][] eta = prediction.decodeLogits(z);
		List<InferenceApi.Reconstructed> results = new ArrayList<>();
		for (int i = 0; i < z.length; i++) {
			results.add(new InferenceApi.Reconstructed(z[i], model.mean(eta[i])));
		}
		return new InferenceApi.ReconstructResponse(model.id(), sampled ? "sample" : "mean", seed, results);
	}

	InferenceApi.SampleResponse sample(Prediction prediction, InferenceApi.SampleRequest request) {
		ServedModel model = prediction.model();
		int n = Vectors.count(request.n(), "n", 1, this.limits.maxSampleCount(), "vae.limits.max-sample-count");
		double temperature = (request.temperature() == null) ? 1.0 : request.temperature();
		if (!(temperature > 0) || temperature > this.limits.maxTemperature()) {
			throw new InvalidInputException("temperature", "temperature must be above 0 and at most "
					+ this.limits.maxTemperature() + " (vae.limits.max-temperature), was " + temperature);
		}
		long seed = Vectors.seedOrFresh(request.seed());
		SplittableRandom random = new SplittableRandom(seed);
		int k = model.latentSize();
		double[][] z = new double[n][];
		for (int i = 0; i < n; i++) {
			z[i] = Evaluation.gaussian(random, k);
			for (int j = 0; j < k; j++) {
				z[i][j] *= temperature;
			}
		}
		double[][] eta = prediction.decodeLogits(z);
		boolean drawOutputs = Boolean.TRUE.equals(request.sampleOutputs());
		List<InferenceApi.Sampled> results = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			results.add(new InferenceApi.Sampled(z[i], model.mean(eta[i]),
					drawOutputs ? model.draw(eta[i], random) : null));
		}
		return new InferenceApi.SampleResponse(model.id(), seed, temperature, results);
	}

	private void checkInputs(ServedModel model, double[][] inputs) {
		Vectors.check(inputs, "inputs", model.inputLength(), model.shapeText(), this.limits.maxBatch(),
				model.head().requiresUnitInterval(), "the support of the " + model.likelihood() + " likelihood");
	}

	private void checkLatents(ServedModel model, double[][] z, String field) {
		int k = model.latentSize();
		Vectors.check(z, field, k, "latent size " + k, this.limits.maxBatch(), false, "");
	}

}
