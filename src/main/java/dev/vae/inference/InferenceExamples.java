package dev.vae.inference;

import dev.vae.data.Shapes;
import dev.vae.registry.ActiveModel;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * Puts request examples that work into the OpenAPI document: a real input of the served
 * model's length (a shape from the built-in dataset when the model takes 28×28 images)
 * and latent vectors of its latent size, so "Try it out" in Swagger UI gives a real
 * answer.
 */
@Component
class InferenceExamples implements OpenApiCustomizer {

	private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(InferenceExamples.class);

	private final ActiveModel activeModel;

	private final InferenceService inference;

	private final LossService loss;

	private final Predictor predictor;

	private final com.fasterxml.jackson.databind.ObjectMapper json;

	InferenceExamples(ActiveModel activeModel, InferenceService inference, LossService loss, Predictor predictor,
			com.fasterxml.jackson.databind.ObjectMapper json) {
		this.activeModel = activeModel;
		this.inference = inference;
		this.loss = loss;
		this.predictor = predictor;
		this.json = json;
	}

	@Override
	public void customise(io.swagger.v3.oas.models.OpenAPI openApi) {
		dev.vae.registry.ServedModel a = this.activeModel.get();
		double[] input = exampleInput(a.inputLength());
		double[] z = new double[a.latentSize()];
		for (int k = 0; k < z.length; k++) {
			z[k] = Math.round(Math.sin(k + 1) * 100) / 100.0;
		}
		set(openApi, "/encode", Map.of("inputs", new double[][] { input }, "samples", 2, "seed", 42));
		set(openApi, "/decode", Map.of("z", new double[][] { z, new double[z.length] }, "sample", false));
		set(openApi, "/reconstruct", Map.of("inputs", new double[][] { input }, "latent", "mean"));
		Map<String, Object> loss = new LinkedHashMap<>();
		loss.put("inputs", new double[][] { input });
		loss.put("samples", 16);
		loss.put("iwae_k", 100);
		loss.put("seed", 1);
		set(openApi, "/loss", loss);
		Map<String, Object> score = new LinkedHashMap<>();
		score.put("inputs", new double[][] { input });
		score.put("k", 100);
		score.put("fpr", 0.01);
		score.put("seed", 1);
		set(openApi, "/score", score);
		Map<String, Object> sample = new LinkedHashMap<>();
		sample.put("n", 2);
		sample.put("seed", 7);
		sample.put("temperature", 1.0);
		set(openApi, "/sample", sample);
		Map<String, Object> traverse = new LinkedHashMap<>();
		traverse.put("input", input);
		traverse.put("dims", java.util.List.of(2, 3, 4));
		traverse.put("steps", 7);
		traverse.put("range", 3.0);
		set(openApi, "/traverse", traverse);
		for (String path : new String[] { "/encode", "/reconstruct", "/loss", "/score" }) {
			imageBodies(openApi, path);
		}
		binaryBodies(openApi);
		answers(openApi, Map.of("inputs", new double[][] { input }, "samples", 2, "seed", 42),
				Map.of("z", new double[][] { z, new double[z.length] }, "sample", false),
				Map.of("inputs", new double[][] { input }, "latent", "mean"), sample, loss);
		double[] reversed = new double[z.length];
		for (int k = 0; k < z.length; k++) {
			reversed[k] = z[z.length - 1 - k];
		}
		Map<String, Object> interpolate = new LinkedHashMap<>();
		interpolate.put("z", new double[][] { z, reversed });
		interpolate.put("steps", 8);
		interpolate.put("method", "spherical");
		set(openApi, "/interpolate", interpolate);
	}

	/**
	 * The 200 examples are the served model's real answers to the request examples: run
	 * through the same services as the endpoints, so they hold real numbers of the right
	 * lengths.
	 */
	private void answers(io.swagger.v3.oas.models.OpenAPI openApi, Map<String, Object> encode,
			Map<String, Object> decode, Map<String, Object> reconstruct, Map<String, Object> sample,
			Map<String, Object> lossRequest) {
		try {
			answer(openApi, "/encode", this.inference.encode(this.predictor.open(null),
					this.json.convertValue(encode, InferenceApi.EncodeRequest.class)));
			answer(openApi, "/decode", this.inference.decode(this.predictor.open(null),
					this.json.convertValue(decode, InferenceApi.DecodeRequest.class)));
			answer(openApi, "/reconstruct", this.inference.reconstruct(this.predictor.open(null),
					this.json.convertValue(reconstruct, InferenceApi.ReconstructRequest.class)));
			answer(openApi, "/sample", this.inference.sample(this.predictor.open(null),
					this.json.convertValue(sample, InferenceApi.SampleRequest.class)));
			answer(openApi, "/loss", this.loss.loss(this.predictor.open(null),
					this.json.convertValue(lossRequest, LossApi.LossRequest.class)));
		}
		catch (RuntimeException ex) {
			// the document is still served, with the schemas' examples
			log.warn("Could not compute the OpenAPI response examples: {}", ex.getMessage());
		}
	}

	private void answer(io.swagger.v3.oas.models.OpenAPI openApi, String path, Object response) {
		PathItem item = (openApi.getPaths() != null) ? openApi.getPaths().get(path) : null;
		Operation post = (item != null) ? item.getPost() : null;
		if (post == null || post.getResponses() == null || post.getResponses().get("200") == null) {
			return;
		}
		io.swagger.v3.oas.models.responses.ApiResponse ok = post.getResponses().get("200");
		if (ok.getContent() == null) {
			ok.setContent(new io.swagger.v3.oas.models.media.Content());
		}
		MediaType media = ok.getContent().get(org.springframework.http.MediaType.APPLICATION_JSON_VALUE);
		if (media == null) {
			// springdoc lists an untyped answer as */*: it is JSON
			MediaType any = ok.getContent().remove("*/*");
			media = (any != null) ? any : new MediaType();
			ok.getContent().addMediaType(org.springframework.http.MediaType.APPLICATION_JSON_VALUE, media);
		}
		media.setExample(this.json.convertValue(response, java.util.LinkedHashMap.class));
	}

	/**
	 * {@code /encode} and {@code /decode} also take float32 vectors as an
	 * {@code application/octet-stream} body (BinaryTensorController); springdoc merges
	 * the two operations on one path and keeps only one body, so it is added here.
	 */
	private static void binaryBodies(io.swagger.v3.oas.models.OpenAPI openApi) {
		for (String path : new String[] { "/encode", "/decode" }) {
			PathItem item = (openApi.getPaths() != null) ? openApi.getPaths().get(path) : null;
			Operation post = (item != null) ? item.getPost() : null;
			if (post == null || post.getRequestBody() == null || post.getRequestBody().getContent() == null) {
				continue;
			}
			post.getRequestBody()
				.getContent()
				.putIfAbsent(org.springframework.http.MediaType.APPLICATION_OCTET_STREAM_VALUE,
						new MediaType().schema(new io.swagger.v3.oas.models.media.StringSchema().format("binary")
							.description("N × D little-endian float32 values, row after row; the optional query "
									+ "parameter shape=N,D (or the X-Tensor-Shape header) gives the batch's shape")));
		}
	}

	/**
	 * A square from the built-in dataset, rounded to two decimals, or a mid-grey vector
	 * for other input sizes.
	 */
	static double[] exampleInput(int length) {
		double[] input = new double[length];
		if (length == Shapes.SIZE * Shapes.SIZE) {
			float[] image = Shapes.render(new Shapes.Factors(Shapes.Shape.SQUARE, 0.7, 0.3, 0.5, 0.5));
			for (int j = 0; j < length; j++) {
				input[j] = Math.round(image[j] * 100) / 100.0;
			}
		}
		else {
			Arrays.fill(input, 0.5);
		}
		return input;
	}

	/**
	 * The raw image variants read their body as a stream, which springdoc cannot see:
	 * their media types are added here, after JSON and multipart.
	 */
	private static void imageBodies(io.swagger.v3.oas.models.OpenAPI openApi, String path) {
		PathItem item = (openApi.getPaths() != null) ? openApi.getPaths().get(path) : null;
		Operation post = (item != null) ? item.getPost() : null;
		if (post == null || post.getRequestBody() == null || post.getRequestBody().getContent() == null) {
			return;
		}
		for (String type : new String[] { "image/png", "image/jpeg", "image/gif", "image/bmp" }) {
			post.getRequestBody()
				.getContent()
				.putIfAbsent(type, new MediaType().schema(new io.swagger.v3.oas.models.media.StringSchema()
					.format("binary")
					.description(
							"one image; it is read as the model's input (grey or RGB, resized to its height × width)")));
		}
	}

	private static void set(io.swagger.v3.oas.models.OpenAPI openApi, String path, Object example) {
		PathItem item = (openApi.getPaths() != null) ? openApi.getPaths().get(path) : null;
		Operation post = (item != null) ? item.getPost() : null;
		if (post == null || post.getRequestBody() == null || post.getRequestBody().getContent() == null) {
			return;
		}
		MediaType json = post.getRequestBody()
			.getContent()
			.get(org.springframework.http.MediaType.APPLICATION_JSON_VALUE);
		if (json != null) {
			json.setExample(example);
		}
	}

}
