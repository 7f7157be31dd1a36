package dev.vae.inference;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.swagger.v3.oas.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** The records of {@code /score}: anomaly scores per input (snake_case, as /loss). */
final class ScoreApi {

	private ScoreApi() {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@Schema(description = "Inputs to score for anomaly, and how.")
	record ScoreRequest(
			@Schema(description = "Batch of input vectors of the model's input length (values in [0, 1] for "
					+ "Bernoulli and continuous-Bernoulli models).",
					requiredMode = Schema.RequiredMode.REQUIRED) double[][] inputs,
			@Schema(description = "k: importance samples per input for −log p(x); default vae.anomaly.k (100). The "
					+ "standard error shrinks like 1/√k.", minimum = "2") Integer k,
			@Schema(description = "False-positive rate whose threshold decides 'anomalous', in (0, 1); default "
					+ "vae.anomaly.fpr (0.01)", example = "0.01") Double fpr,
			@Schema(description = "Seed of the importance samples; a fresh one is chosen and returned when omitted.") Long seed,
			@Schema(description = "'none' (default) or 'numbers': the per-pixel NLL at z = μ of each input. "
					+ "For a PNG heat map send format=png or Accept: image/png.",
					allowableValues = {
							"none", "numbers" }) String pixels,
			@Schema(description = "The model version to use (see GET /models); the active model when omitted.") String model){
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@Schema(description = "The importance-weighted estimate of −log p(x).")
	record NegLogLikelihood(
			@Schema(description = "−log (1/k) Σᵢ wᵢ, wᵢ = p(x|zᵢ) p(zᵢ) / q(zᵢ|x), zᵢ ~ q(z|x), in nats: "
					+ "an estimate of −log p(x) (an upper bound in expectation, tight as k grows)") double value,
			@Schema(description = "its standard error by the delta method, s(w) / (√k · mean(w))") double standardError,
			@Schema(description = "importance samples used") int k) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record Scored(@Schema(description = "the anomaly score: −log p(x), higher is more unusual") NegLogLikelihood score,
			@Schema(description = "percent of the model's reference (held-out normal data) scoring at or below this "
					+ "input; null without a reference") Double percentile,
			@Schema(description = "score above the reference's threshold for fpr; null without a reference") Boolean anomalous,
			@Schema(description = "Σ (x − x̂)² / D at z = μ: the simplest score") double reconstructionMse,
			@Schema(description = "(1/k) Σᵢ log wᵢ from the same draws: the ELBO (β = 1); −ELBO is the second score") double elbo,
			@Schema(description = "−log p(x | z = μ), the sum of pixel_nll") double nllAtMean,
			@Schema(description = "per-pixel −log p(xⱼ | z = μ), channels first, when pixels is 'numbers'") double[] pixelNll) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@Schema(description = "The reference distribution the percentiles are read against.")
	record Calibration(@Schema(description = "whether the model has a reference") boolean calibrated,
			@Schema(description = "scores in the reference") Integer count,
			@Schema(description = "k the reference's scores used") Integer k,
			@Schema(description = "what was scored") String source, Instant createdAt,
			@Schema(description = "what is missing, when not calibrated") String detail) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record ScoreResponse(String model, @Schema(description = "importance samples per input") int k,
			@Schema(description = "seed of the importance samples") long seed,
			@Schema(description = "the false-positive rate of the threshold") double fpr,
			@Schema(description = "the reference's (1 − fpr) quantile: scores above it are anomalous; null without "
					+ "a reference") Double threshold,
			Calibration calibration, List<Scored> results) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	@Schema(description = "Calibration of a model on a stored dataset of normal data.")
	record CalibrateRequest(
			@Schema(description = "id of a stored dataset of normal data with the model's input shape",
					requiredMode = Schema.RequiredMode.REQUIRED) String dataset,
			@Schema(description = "importance samples per input; default vae.anomaly.k", minimum = "2") Integer k,
			@Schema(description = "seed of the importance samples; default 1") Long seed,
			@Schema(description = "score the dataset's first `limit` examples; default all up to "
					+ "vae.anomaly.max-reference") Integer limit) {
	}

	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record CalibrateResponse(String model, String dataset, int count, int k, long seed, @Schema(
			description = "quantiles of the stored −log p(x) scores: min, p01 … p999, max") java.util.Map<String, Double> quantiles,
			double seconds) {
	}

}
