package dev.vae.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.data.DatasetService;
import dev.vae.model.analysis.AnomalyReference;
import dev.vae.model.analysis.AnomalyScore;
import dev.vae.model.analysis.DetectionQuality;
import dev.vae.model.Examples;
import dev.vae.model.network.Passes;
import dev.vae.registry.ModelReferences;
import dev.vae.registry.ModelRegistry;
import dev.vae.registry.ServedModel;
import dev.vae.system.AnomalySettings;
import io.swagger.v3.oas.annotations.media.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The last step of a successful job: scores the held-out normal split with IWAE, stores
 * the sorted scores as the new model version's reference distribution, and — when classes
 * were held out of training — measures how well each of the three anomaly scores
 * separates them. The model is already registered; a failure here is reported in the
 * job's {@code anomaly} field and does not fail the job.
 */
final class JobCalibration {

	private static final Logger log = LoggerFactory.getLogger(JobCalibration.class);

	private final DatasetService datasets;

	private final ModelRegistry registry;

	private final ModelReferences references;

	private final AnomalySettings settings;

	private final JobRepository repository;

	private final ObjectMapper json;

	JobCalibration(DatasetService datasets, ModelRegistry registry, ModelReferences references,
			AnomalySettings settings, JobRepository repository, ObjectMapper json) {
		this.datasets = datasets;
		this.registry = registry;
		this.references = references;
		this.settings = settings;
		this.repository = repository;
		this.json = json;
	}

	/**
	 * What a job measured about anomaly detection.
	 *
	 * @param k importance samples per input
	 * @param fpr the false-positive rate of the reported true-positive rates
	 * @param seed the seed of the importance samples
	 * @param referenceCount held-out normal examples scored into the reference
	 * @param referenceMedian the reference's median −log p(x)
	 * @param referenceThreshold the reference's threshold at fpr
	 * @param holdOutClasses the labels held out of training
	 * @param anomalies how many held-out-class examples were scored
	 * @param negLogLikelihood detection by −log p(x) (IWAE)
	 * @param negElbo detection by −ELBO
	 * @param reconstructionMse detection by the reconstruction error at z = μ
	 * @param seconds how long scoring took
	 * @param error why no reference was stored, or null
	 */
	@Schema(description = "The reference distribution of −log p(x) the job stored with its model, and with "
			+ "holdOutClasses how well each anomaly score separates the held-out classes from held-out normal data")
	public record Report(int k, double fpr, long seed, Integer referenceCount, Double referenceMedian,
			Double referenceThreshold, List<Integer> holdOutClasses, Integer anomalies, Detection negLogLikelihood,
			Detection negElbo, Detection reconstructionMse, Double seconds, String error) {
	}

	/**
	 * How one score separates known anomalies from held-out normal data.
	 *
	 * @param auroc area under the ROC curve (½ is chance, 1 is perfect)
	 * @param tpr share of anomalies above the threshold
	 * @param threshold the normal scores' (1 − fpr) quantile
	 * @param realisedFpr share of normal scores above the threshold
	 */
	public record Detection(double auroc, double tpr, double threshold, double realisedFpr) {

		static Detection of(DetectionQuality q) {
			return new Detection(q.auroc(), q.tpr(), q.threshold(), q.realisedFpr());
		}

	}

	/** Calibrates model {@code modelId}, trained by job {@code jobId}, and records it. */
	void run(String jobId, TrainingSpec spec, String modelId) {
		int k = (spec.anomalyK() != null) ? spec.anomalyK() : this.settings.k();
		double fpr = (spec.anomalyFpr() != null) ? spec.anomalyFpr() : this.settings.fpr();
		long seed = spec.seed();
		List<Integer> held = spec.holdOutClasses();
		long started = System.nanoTime();
		Report report;
		try {
			Examples[] parts = parts(spec);
			ServedModel model = this.registry.resolve(modelId);
			Passes passes = Passes.checked(model.network());
			int limit = this.settings.maxReference();
			List<AnomalyScore.Score> normal = AnomalyScore.scoreExamples(passes, model.head(), model.latentSize(),
					parts[0], limit, k, seed);
			AnomalyReference reference = AnomalyReference.of(values(normal, AnomalyScore.Score::negLogLikelihood), k);
			this.references.save(modelId, reference, "job " + jobId + ": held-out split of dataset " + spec.dataset(),
					seed);
			Detection nll = null;
			Detection elbo = null;
			Detection mse = null;
			Integer anomalyCount = null;
			if (parts[1] != null && parts[1].count() > 0) {
				List<AnomalyScore.Score> anomalies = AnomalyScore.scoreExamples(passes, model.head(),
						model.latentSize(), parts[1], limit, k, seed + 1);
				anomalyCount = anomalies.size();
				nll = detection(normal, anomalies, AnomalyScore.Score::negLogLikelihood, fpr);
				elbo = detection(normal, anomalies, AnomalyScore.Score::negElbo, fpr);
				mse = detection(normal, anomalies, AnomalyScore.Score::reconstructionMse, fpr);
			}
			report = new Report(k, fpr, seed, reference.count(), reference.quantile(0.5), reference.threshold(fpr),
					held.isEmpty() ? null : held, anomalyCount, nll, elbo, mse, (System.nanoTime() - started) / 1e9,
					null);
			log.info("Job {}: reference of {} held-out scores (k = {}) stored with model {}{}", jobId,
					reference.count(), k, modelId,
					(nll != null) ? String.format(" ; AUROC −log p(x) %.4f, −ELBO %.4f, MSE %.4f", nll.auroc(),
							elbo.auroc(), mse.auroc()) : "");
		}
		catch (IOException | RuntimeException ex) {
			String reason = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
			log.warn("Job {}: no anomaly reference stored for model {}: {}", jobId, modelId, reason);
			report = new Report(k, fpr, seed, null, null, null, held.isEmpty() ? null : held, null, null, null, null,
					(System.nanoTime() - started) / 1e9, "no reference stored: " + reason);
		}
		try {
			this.repository.anomaly(jobId, this.json.writeValueAsString(report));
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("an anomaly report is always serialisable", ex);
		}
	}

	/**
	 * The held-out normal split the job validated on and, with held-out classes, the
	 * known anomalies: the same rows the job's own split gave.
	 */
	private Examples[] parts(TrainingSpec spec) throws IOException {
		Examples all = this.datasets.examples(spec.dataset());
		Examples anomalies = null;
		if (!spec.holdOutClasses().isEmpty()) {
			Examples[] held = spec.holdOut(all, this.datasets.labels(spec.dataset()));
			all = held[0];
			anomalies = held[1];
		}
		return new Examples[] { spec.split(all)[1], anomalies };
	}

	private static Detection detection(List<AnomalyScore.Score> normal, List<AnomalyScore.Score> anomalies,
			ToDoubleFunction<AnomalyScore.Score> score, double fpr) {
		return Detection.of(DetectionQuality.of(values(normal, score), values(anomalies, score), fpr));
	}

	private static double[] values(List<AnomalyScore.Score> scores, ToDoubleFunction<AnomalyScore.Score> score) {
		return scores.stream().mapToDouble(score).toArray();
	}

}
