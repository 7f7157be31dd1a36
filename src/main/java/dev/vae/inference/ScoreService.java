package dev.vae.inference;

import dev.vae.data.DatasetService;
import dev.vae.model.analysis.AnomalyReference;
import dev.vae.model.analysis.AnomalyScore;
import dev.vae.model.Examples;
import dev.vae.registry.ModelReferences;
import dev.vae.registry.ServedModel;
import dev.vae.system.AnomalySettings;
import dev.vae.system.InvalidInputException;
import dev.vae.system.NotFoundException;
import dev.vae.system.TooLargeException;
import dev.vae.system.VaeProperties;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Service;

/**
 * {@code /score} and {@code /models/{id}/calibrate}: checks the request, runs
 * {@link AnomalyScore} through the request's {@link Prediction} and reads each score
 * against the model's stored reference. Every check runs before anything is computed or
 * stored, so a refused calibration leaves the stored reference as it was.
 */
@Service
class ScoreService {

	private final VaeProperties.Limits limits;

	private final AnomalySettings settings;

	private final ModelReferences references;

	private final DatasetService datasets;

	ScoreService(VaeProperties properties, AnomalySettings settings, ModelReferences references,
			DatasetService datasets) {
		this.limits = properties.limits();
		this.settings = settings;
		this.references = references;
		this.datasets = datasets;
	}

	/**
	 * The scores of the request's inputs under the prediction's model (the request's
	 * model field is not read); with {@code heatMap}, the per-pixel NLL whatever the
	 * request's pixels option.
	 */
	ScoreApi.ScoreResponse score(Prediction prediction, ScoreApi.ScoreRequest request, boolean heatMap) {
		ServedModel model = prediction.model();
		Vectors.check(request.inputs(), "inputs", model.inputLength(), model.shapeText(), this.limits.maxBatch(),
				model.head().requiresUnitInterval(), "the support of the " + model.likelihood() + " likelihood");
		int k = k(request.k());
		double fpr = fpr(request.fpr());
		boolean pixels = pixels(request.pixels()) || heatMap;
		long decodes = (long) request.inputs().length * k;
		if (decodes > this.limits.maxDecodes()) {
			throw new TooLargeException("inputs", "inputs × k = " + decodes + " latent vectors to decode; at most "
					+ this.limits.maxDecodes() + " per request (vae.limits.max-decodes)");
		}
		long seed = Vectors.seedOrFresh(request.seed());
		Optional<ModelReferences.Stored> stored = this.references.find(model.id());
		List<AnomalyScore.Score> scores = AnomalyScore.score(prediction.passes(), model.head(), model.latentSize(),
				request.inputs(), k, seed, pixels);
		AnomalyReference reference = stored.map(ModelReferences.Stored::reference).orElse(null);
		List<ScoreApi.Scored> results = new ArrayList<>(scores.size());
		for (AnomalyScore.Score s : scores) {
			double value = s.negLogLikelihood();
			results.add(new ScoreApi.Scored(new ScoreApi.NegLogLikelihood(value, s.standardError(), s.k()),
					(reference != null) ? reference.percentile(value) : null,
					(reference != null) ? reference.anomalous(value, fpr) : null, s.reconstructionMse(), s.elbo(),
					s.nllAtMean(), s.pixelNll()));
		}
		return new ScoreApi.ScoreResponse(model.id(), k, seed, fpr,
				(reference != null) ? reference.threshold(fpr) : null, calibration(model.id(), stored), results);
	}

	/**
	 * Scores the first {@code limit} examples of a stored dataset of normal data with the
	 * prediction's model and stores them as its reference, replacing any earlier one.
	 */
	ScoreApi.CalibrateResponse calibrate(Prediction prediction, ScoreApi.CalibrateRequest request) throws IOException {
		ServedModel model = prediction.model();
		if (request == null || request.dataset() == null || request.dataset().isBlank()) {
			throw new InvalidInputException("dataset", "dataset must name a stored dataset of normal data");
		}
		int k = k(request.k());
		int limit = Vectors.count(request.limit(), "limit", this.settings.maxReference(), this.settings.maxReference(),
				"vae.anomaly.max-reference");
		long seed = (request.seed() != null) ? request.seed() : 1L;
		Examples examples;
		try {
			this.datasets.get(request.dataset());
			examples = this.datasets.examples(request.dataset());
		}
		catch (NotFoundException ex) {
			throw new InvalidInputException("dataset", ex.getMessage());
		}
		if (examples.length() != model.inputLength()) {
			throw new InvalidInputException("dataset",
					"dataset '" + request.dataset() + "' holds vectors of " + examples.length() + " values; model '"
							+ model.id() + "' expects " + model.inputLength() + " (" + model.shapeText() + ")");
		}
		int n = Math.min(limit, examples.count());
		if (model.head().requiresUnitInterval()) {
			checkUnitInterval(examples, n, request.dataset(), model.likelihood());
		}
		long started = System.nanoTime();
		List<AnomalyScore.Score> scores = AnomalyScore.scoreExamples(prediction.passes(), model.head(),
				model.latentSize(), examples, n, k, seed);
		AnomalyReference reference = AnomalyReference
			.of(scores.stream().mapToDouble(AnomalyScore.Score::negLogLikelihood).toArray(), k);
		this.references.save(model.id(), reference,
				"dataset " + request.dataset() + ", first " + n + " of " + examples.count() + " examples", seed);
		return new ScoreApi.CalibrateResponse(model.id(), request.dataset(), reference.count(), k, seed,
				ModelReferences.quantiles(reference), (System.nanoTime() - started) / 1e9);
	}

	private static void checkUnitInterval(Examples examples, int n, String dataset, String likelihood) {
		float[] values = examples.values();
		int d = examples.length();
		for (int i = 0; i < n * d; i++) {
			if (!(values[i] >= 0 && values[i] <= 1)) {
				throw new InvalidInputException("dataset", "dataset '" + dataset + "' example " + (i / d) + " value "
						+ (i % d) + " is " + values[i] + "; the " + likelihood + " likelihood needs values in [0, 1]");
			}
		}
	}

	private static ScoreApi.Calibration calibration(String id, Optional<ModelReferences.Stored> stored) {
		return stored
			.map((s) -> new ScoreApi.Calibration(true, s.reference().count(), s.reference().k(), s.source(),
					s.createdAt(), null))
			.orElseGet(() -> new ScoreApi.Calibration(false, null, null, null, null, "model '" + id
					+ "' has no reference distribution, so these are raw scores: percentiles and 'anomalous' need "
					+ "calibration (POST /models/" + id + "/calibrate with a dataset of normal data, or train the "
					+ "model with a job, which calibrates on its held-out split)"));
	}

	int k(Integer requested) {
		if (requested != null && requested < 2) {
			throw new InvalidInputException("k",
					"k must be at least 2 (a standard error needs two draws), was " + requested);
		}
		return Vectors.count(requested, "k", this.settings.k(), this.settings.maxK(), "vae.anomaly.max-k");
	}

	double fpr(Double requested) {
		if (requested == null) {
			return this.settings.fpr();
		}
		if (!(requested > 0 && requested < 1)) {
			throw new InvalidInputException("fpr", "fpr must lie strictly between 0 and 1, was " + requested);
		}
		return requested;
	}

	private static boolean pixels(String pixels) {
		if (pixels == null || pixels.equals("none")) {
			return false;
		}
		if (pixels.equals("numbers")) {
			return true;
		}
		throw new InvalidInputException("pixels", "pixels must be 'none' or 'numbers', was '" + pixels
				+ "' (for a PNG heat map send format=png or Accept: image/png)");
	}

}
