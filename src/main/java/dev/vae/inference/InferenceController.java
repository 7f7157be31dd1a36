package dev.vae.inference;

import dev.vae.registry.ServedModel;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The model's four passes over HTTP; every call takes a batch. {@code /decode},
 * {@code /reconstruct} and {@code /sample} answer with a PNG grid instead of JSON for
 * {@code format=png} or {@code Accept: image/png}.
 */
@RestController
@Tag(name = "Inference", description = "Encode, decode, reconstruct and sample with the served VAE")
class InferenceController {

	private final InferenceService inference;

	private final Predictor predictor;

	InferenceController(InferenceService inference, Predictor predictor) {
		this.inference = inference;
		this.predictor = predictor;
	}

	@PostMapping(path = "/encode", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Encode inputs to q(z|x)",
			description = "Returns μ, σ and log σ² of the Gaussian posterior for each input, and optionally L reparameterised "
					+ "draws z = μ + σ ⊙ ε from a seeded generator. Images can be sent instead of vectors: see the "
					+ "multipart and image/png variants.")
	InferenceApi.EncodeResponse encode(@RequestBody InferenceApi.EncodeRequest request,
			@Parameter(description = "as the body's samples") @RequestParam(required = false) Integer samples,
			@Parameter(description = "as the body's seed") @RequestParam(required = false) Long seed,
			@Parameter(description = "as the body's model") @RequestParam(required = false) String model) {
		String id = Vectors.option(request.model(), model, "model");
		return this.inference.encode(this.predictor.open(id),
				new InferenceApi.EncodeRequest(request.inputs(), Vectors.option(request.samples(), samples, "samples"),
						Vectors.option(request.seed(), seed, "seed"), id));
	}

	@PostMapping(path = "/decode", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Decode latent vectors",
			description = "Returns the decoder mean x̂ = sigmoid(η) for each z (probabilities for a Bernoulli decoder), and "
					+ "optionally a draw x ~ p(x|z). As a PNG grid: one tile per z (the draws when sample is true).")
	@ApiResponse(responseCode = "200",
			content = {
					@Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(implementation = InferenceApi.DecodeResponse.class)),
					@Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")) })
	ResponseEntity<?> decode(@RequestBody InferenceApi.DecodeRequest request,
			@FORMAT @RequestParam(required = false) String format,
			@COLUMNS @RequestParam(required = false) Integer columns,
			@SCALE @RequestParam(required = false) Integer scale,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
		Prediction prediction = this.predictor.open(request.model());
		InferenceApi.DecodeResponse response = this.inference.decode(prediction, request);
		if (!Images.wantsPng(format, accept)) {
			return ResponseEntity.ok(response);
		}
		boolean drawn = Boolean.TRUE.equals(request.sample());
		List<double[]> tiles = response.results().stream().map((r) -> drawn ? r.sample() : r.mean()).toList();
		return png(tiles, prediction.model(), columns, scale, 8);
	}

	@PostMapping(path = "/reconstruct", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Reconstruct inputs",
			description = "Encodes each input, takes z = μ (default) or z ~ q(z|x), and decodes it back to x̂. As a PNG: "
					+ "with pairs=true (default) each original is followed by its reconstruction.")
	@ApiResponse(responseCode = "200",
			content = {
					@Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(implementation = InferenceApi.ReconstructResponse.class)),
					@Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")) })
	ResponseEntity<?> reconstruct(@RequestBody InferenceApi.ReconstructRequest body,
			@Parameter(description = "as the body's latent") @RequestParam(required = false) String latent,
			@Parameter(description = "as the body's seed") @RequestParam(required = false) Long seed,
			@Parameter(description = "as the body's model") @RequestParam(required = false) String model,
			@FORMAT @RequestParam(required = false) String format,
			@COLUMNS @RequestParam(required = false) Integer columns,
			@SCALE @RequestParam(required = false) Integer scale,
			@Parameter(
					description = "PNG only: originals and reconstructions side by side (default true)") @RequestParam(
							required = false) Boolean pairs,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
		InferenceApi.ReconstructRequest request = new InferenceApi.ReconstructRequest(body.inputs(),
				Vectors.option(body.latent(), latent, "latent"), Vectors.option(body.seed(), seed, "seed"),
				Vectors.option(body.model(), model, "model"));
		Prediction prediction = this.predictor.open(request.model());
		InferenceApi.ReconstructResponse response = this.inference.reconstruct(prediction, request);
		if (!Images.wantsPng(format, accept)) {
			return ResponseEntity.ok(response);
		}
		List<double[]> tiles = reconstructionTiles(request.inputs(), response, pairs);
		return png(tiles, prediction.model(), columns, scale, 8);
	}

	@PostMapping(path = "/sample", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Sample from the model",
			description = "Draws n latent vectors z ~ N(0, T²I) from a seeded generator and decodes them. As a PNG grid: one "
					+ "tile per draw.")
	@ApiResponse(responseCode = "200",
			content = {
					@Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(implementation = InferenceApi.SampleResponse.class)),
					@Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")) })
	ResponseEntity<?> sample(@RequestBody InferenceApi.SampleRequest request,
			@FORMAT @RequestParam(required = false) String format,
			@COLUMNS @RequestParam(required = false) Integer columns,
			@SCALE @RequestParam(required = false) Integer scale,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
		Prediction prediction = this.predictor.open(request.model());
		InferenceApi.SampleResponse response = this.inference.sample(prediction, request);
		if (!Images.wantsPng(format, accept)) {
			return ResponseEntity.ok(response);
		}
		boolean drawn = Boolean.TRUE.equals(request.sampleOutputs());
		List<double[]> tiles = response.results().stream().map((r) -> drawn ? r.sample() : r.mean()).toList();
		return png(tiles, prediction.model(), columns, scale, 8);
	}

	/** Each reconstruction, preceded by its original unless {@code pairs} is false. */
	static List<double[]> reconstructionTiles(double[][] inputs, InferenceApi.ReconstructResponse response,
			Boolean pairs) {
		List<double[]> tiles = new ArrayList<>();
		for (int i = 0; i < response.results().size(); i++) {
			if (!Boolean.FALSE.equals(pairs)) {
				tiles.add(inputs[i]);
			}
			tiles.add(response.results().get(i).reconstruction());
		}
		return tiles;
	}

	static ResponseEntity<byte[]> png(List<double[]> tiles, ServedModel model, Integer columns, Integer scale,
			int defaultColumns) {
		byte[] png = Images.grid(tiles, model.inputShape(), Images.option(columns, "columns", defaultColumns, 64),
				Images.option(scale, "scale", 2, 16));
		return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(png);
	}

	/** Documentation of the shared picture parameters. */
	@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
	@Parameter(description = "'json' (default) or 'png'; Accept: image/png does the same")
	@interface FORMAT {

	}

	@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
	@Parameter(description = "PNG only: tiles per row (1..64, default 8)")
	@interface COLUMNS {

	}

	@java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
	@Parameter(description = "PNG only: pixels per model pixel (1..16, default 2)")
	@interface SCALE {

	}

}
