package dev.vae.inference;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Anomaly scores over HTTP: {@code POST /score} (JSON here; binary tensors and images
 * beside {@code /encode}'s) and {@code POST /models/{id}/calibrate}, which stores a
 * model's reference distribution from a dataset of normal data.
 */
@RestController
@Tag(name = "Anomaly", description = "Calibrated anomaly scores: −log p(x), its percentile and a threshold by FPR")
class ScoreController {

	private final ScoreService scores;

	private final Predictor predictor;

	ScoreController(ScoreService scores, Predictor predictor) {
		this.scores = scores;
		this.predictor = predictor;
	}

	@PostMapping(path = "/score", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Anomaly scores of inputs",
			description = "Per input: −log p(x) estimated with k importance samples and its standard error, its "
					+ "percentile among the model's reference (held-out normal data), whether it lies above the "
					+ "threshold for the false-positive rate fpr, the reconstruction error (MSE at z = μ), the ELBO, "
					+ "and on request the per-pixel NLL at z = μ. A model without a reference answers the raw "
					+ "scores and says that percentiles need calibration. As a PNG (format=png or Accept: image/png): "
					+ "each input beside the heat map of its per-pixel NLL, the scale's ends in X-Heat-Min/X-Heat-Max.")
	@ApiResponse(responseCode = "200",
			content = {
					@Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(implementation = ScoreApi.ScoreResponse.class)),
					@Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")) })
	ResponseEntity<?> score(@RequestBody ScoreApi.ScoreRequest request,
			@Parameter(description = "as the body's k") @RequestParam(required = false) Integer k,
			@Parameter(description = "as the body's fpr") @RequestParam(required = false) Double fpr,
			@Parameter(description = "as the body's seed") @RequestParam(required = false) Long seed,
			@Parameter(description = "as the body's model") @RequestParam(required = false) String model,
			@InferenceController.FORMAT @RequestParam(required = false) String format,
			@InferenceController.SCALE @RequestParam(required = false) Integer scale,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
		String id = Vectors.option(request.model(), model, "model");
		Prediction p = this.predictor.open(id);
		return answer(p,
				new ScoreApi.ScoreRequest(request.inputs(), Vectors.option(request.k(), k, "k"),
						Vectors.option(request.fpr(), fpr, "fpr"), Vectors.option(request.seed(), seed, "seed"),
						request.pixels(), id),
				format, scale, accept, this.scores);
	}

	@PostMapping(path = "/models/{id}/calibrate", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(tags = { "Anomaly", "Models" }, summary = "Store a model's reference distribution from a dataset",
			description = "Scores the first `limit` examples of a stored dataset of normal data with IWAE (k importance "
					+ "samples each) and stores the sorted −log p(x) scores with the model version, replacing an earlier "
					+ "reference: what /score reads percentiles and thresholds against. For imported or uploaded "
					+ "models; a training job calibrates its model on its held-out split by itself.")
	ScoreApi.CalibrateResponse calibrate(@PathVariable String id, @RequestBody ScoreApi.CalibrateRequest request)
			throws IOException {
		return this.scores.calibrate(this.predictor.open(id), request);
	}

	/**
	 * The JSON answer, or the PNG of inputs beside their heat maps: what every
	 * {@code /score} variant returns.
	 */
	static ResponseEntity<?> answer(Prediction p, ScoreApi.ScoreRequest request, String format, Integer scale,
			String accept, ScoreService scores) {
		boolean png = Images.wantsPng(format, accept);
		ScoreApi.ScoreResponse response = scores.score(p, request, png);
		if (!png) {
			return ResponseEntity.ok(response);
		}
		List<double[]> maps = response.results().stream().map(ScoreApi.Scored::pixelNll).toList();
		HeatMaps.Picture picture = HeatMaps.of(request.inputs(), maps, p.model().inputShape(),
				Images.option(scale, "scale", 4, 16));
		return ResponseEntity.ok()
			.contentType(MediaType.IMAGE_PNG)
			.header(HeatMaps.LOW, Double.toString(picture.low()))
			.header(HeatMaps.HIGH, Double.toString(picture.high()))
			.header("X-Score-Seed", Long.toString(response.seed()))
			.body(picture.png());
	}

}
