package dev.vae.inference;

import dev.vae.registry.ServedModel;
import dev.vae.system.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /encode} and {@code /decode} with a binary body: the vectors as little-endian
 * float32, row after row, as numpy's {@code x.astype('<f4').tobytes()} writes them.
 * Nothing is parsed from text, which is what a JSON body of 784 numbers costs. The shape,
 * when given ({@code shape=N,D} or the {@code X-Tensor-Shape} header), must match the
 * body; otherwise the rows follow from the body's length. Answers are JSON, as for the
 * JSON variants.
 */
@RestController
class BinaryTensorController {

	private static final String SHAPE_HEADER = "X-Tensor-Shape";

	private final InferenceService inference;

	private final Predictor predictor;

	private final ScoreService scores;

	BinaryTensorController(InferenceService inference, Predictor predictor, ScoreService scores) {
		this.inference = inference;
		this.predictor = predictor;
		this.scores = scores;
	}

	@PostMapping(path = "/encode", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	@Operation(tags = "Inference", summary = "Encode float32 vectors sent as a binary body",
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					description = "N × D little-endian float32 values, row-major",
					content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
							schema = @Schema(type = "string", format = "binary"))))
	InferenceApi.EncodeResponse encode(InputStream body,
			@Parameter(description = "N,D (optional; checked against the body)") @RequestParam(
					required = false) String shape,
			@RequestHeader(name = SHAPE_HEADER, required = false) String shapeHeader,
			@RequestParam(required = false) Integer samples, @RequestParam(required = false) Long seed,
			@RequestParam(required = false) String model) throws IOException {
		// resolved once: the rows are read for the version that answers
		Prediction p = this.predictor.open(model);
		ServedModel served = p.model();
		double[][] inputs = rows(body, served.inputLength(), Vectors.option(shape, shapeHeader, "shape"), "inputs");
		return this.inference.encode(p, new InferenceApi.EncodeRequest(inputs, samples, seed, served.id()));
	}

	@PostMapping(path = "/decode", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	@Operation(tags = "Inference", summary = "Decode float32 latent vectors sent as a binary body",
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					description = "N × K little-endian float32 values, row-major",
					content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
							schema = @Schema(type = "string", format = "binary"))))
	InferenceApi.DecodeResponse decode(InputStream body,
			@Parameter(description = "N,K (optional; checked against the body)") @RequestParam(
					required = false) String shape,
			@RequestHeader(name = SHAPE_HEADER, required = false) String shapeHeader,
			@RequestParam(required = false) Boolean sample, @RequestParam(required = false) Long seed,
			@RequestParam(required = false) String model) throws IOException {
		Prediction p = this.predictor.open(model);
		ServedModel served = p.model();
		double[][] z = rows(body, served.latentSize(), Vectors.option(shape, shapeHeader, "shape"), "z");
		return this.inference.decode(p, new InferenceApi.DecodeRequest(z, sample, seed, served.id()));
	}

	@PostMapping(path = "/score", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	@Operation(tags = "Anomaly", summary = "Anomaly scores of float32 vectors sent as a binary body",
			requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
					description = "N × D little-endian float32 values, row-major",
					content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
							schema = @Schema(type = "string", format = "binary"))))
	org.springframework.http.ResponseEntity<?> score(InputStream body,
			@Parameter(description = "N,D (optional; checked against the body)") @RequestParam(
					required = false) String shape,
			@RequestHeader(name = SHAPE_HEADER, required = false) String shapeHeader,
			@RequestParam(required = false) Integer k, @RequestParam(required = false) Double fpr,
			@RequestParam(required = false) Long seed, @RequestParam(required = false) String pixels,
			@RequestParam(required = false) String model, @RequestParam(required = false) String format,
			@RequestParam(required = false) Integer scale,
			@RequestHeader(name = org.springframework.http.HttpHeaders.ACCEPT, required = false) String accept)
			throws IOException {
		Prediction p = this.predictor.open(model);
		double[][] inputs = rows(body, p.model().inputLength(), Vectors.option(shape, shapeHeader, "shape"), "inputs");
		return ScoreController.answer(p, new ScoreApi.ScoreRequest(inputs, k, fpr, seed, pixels, p.model().id()),
				format, scale, accept, this.scores);
	}

	/**
	 * The body as rows of {@code length} values. The body is already capped by the
	 * request body limit.
	 */
	static double[][] rows(InputStream body, int length, String shape, String field) throws IOException {
		byte[] bytes = body.readAllBytes();
		long rowBytes = 4L * length;
		if (bytes.length == 0 || bytes.length % rowBytes != 0) {
			throw new InvalidInputException(field, "the body holds " + bytes.length + " bytes; rows of " + length
					+ " float32 values are " + rowBytes + " bytes each, so it must be a positive multiple of that");
		}
		int n = (int) (bytes.length / rowBytes);
		if (shape != null && !shape.replace(" ", "").equals(n + "," + length)) {
			throw new InvalidInputException("shape",
					"shape is '" + shape + "' but the body holds " + n + " rows of " + length + " float32 values");
		}
		FloatBuffer floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
		double[][] rows = new double[n][length];
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < length; j++) {
				rows[i][j] = floats.get();
			}
		}
		return rows;
	}

}
