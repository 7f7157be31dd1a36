package dev.vae.inference;

import dev.vae.registry.ServedModel;
import dev.vae.system.InvalidInputException;
import dev.vae.system.TooLargeException;
import dev.vae.system.VaeProperties;
import io.swagger.v3.oas.annotations.Operation;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code /encode}, {@code /reconstruct} and {@code /loss} with images instead of vectors:
 * multipart parts named {@code image} (one or more), or one image as the raw body. Each
 * becomes an input vector as {@link Images} describes (luminance, transparent as black,
 * area-averaged to the model's size, grey/255); options are query parameters.
 */
@RestController
class ImageInputController {

	private final InferenceService inference;

	private final LossService loss;

	private final Predictor predictor;

	private final ScoreService scores;

	private final VaeProperties.Intake limits;

	private final int maxBatch;

	ImageInputController(InferenceService inference, LossService loss, Predictor predictor, ScoreService scores,
			VaeProperties properties) {
		this.scores = scores;
		this.inference = inference;
		this.loss = loss;
		this.predictor = predictor;
		this.limits = properties.intake();
		this.maxBatch = properties.limits().maxBatch();
	}

	private double[][] inputs(List<MultipartFile> parts, ServedModel model) throws IOException {
		if (parts == null || parts.isEmpty()) {
			throw new InvalidInputException("image", "send one or more parts named 'image'");
		}
		if (parts.size() > this.maxBatch) {
			throw new TooLargeException("image", "the request holds " + parts.size() + " images; at most "
					+ this.maxBatch + " are accepted per request (vae.limits.max-batch)");
		}
		List<Integer> shape = model.inputShape();
		double[][] x = new double[parts.size()][];
		for (int i = 0; i < x.length; i++) {
			try (InputStream in = parts.get(i).getInputStream()) {
				x[i] = Images.toInput(in, shape, "image[" + i + "]", this.limits);
			}
		}
		return x;
	}

	private double[][] input(InputStream body, ServedModel model) {
		return new double[][] { Images.toInput(body, model.inputShape(), "body", this.limits) };
	}

	@PostMapping(path = "/encode", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(tags = "Inference", summary = "Encode images",
			description = "Multipart parts named 'image' (PNG, JPEG, GIF, BMP).")
	InferenceApi.EncodeResponse encodeImages(@RequestPart("image") List<MultipartFile> images,
			@RequestParam(required = false) Integer samples, @RequestParam(required = false) Long seed,
			@RequestParam(required = false) String model) throws IOException {
		// resolved once, so that the images are read for the version that answers
		Prediction p = this.predictor.open(model);
		return this.inference.encode(p,
				new InferenceApi.EncodeRequest(inputs(images, p.model()), samples, seed, p.model().id()));
	}

	@PostMapping(path = "/encode",
			consumes = { MediaType.IMAGE_PNG_VALUE, MediaType.IMAGE_JPEG_VALUE, MediaType.IMAGE_GIF_VALUE,
					"image/bmp" })
	@Operation(tags = "Inference", summary = "Encode one image sent as the body")
	InferenceApi.EncodeResponse encodeImage(InputStream image, @RequestParam(required = false) Integer samples,
			@RequestParam(required = false) Long seed, @RequestParam(required = false) String model) {
		Prediction p = this.predictor.open(model);
		return this.inference.encode(p,
				new InferenceApi.EncodeRequest(input(image, p.model()), samples, seed, p.model().id()));
	}

	@PostMapping(path = "/reconstruct", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(tags = "Inference", summary = "Reconstruct images",
			description = "Multipart parts named 'image'; PNG or JSON out as for " + "the JSON variant.")
	ResponseEntity<?> reconstructImages(@RequestPart("image") List<MultipartFile> images,
			@RequestParam(required = false) String latent, @RequestParam(required = false) Long seed,
			@RequestParam(required = false) String model, @RequestParam(required = false) String format,
			@RequestParam(required = false) Integer columns, @RequestParam(required = false) Integer scale,
			@RequestParam(required = false) Boolean pairs,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) throws IOException {
		Prediction p = this.predictor.open(model);
		return reconstruct(p, inputs(images, p.model()), latent, seed, format, columns, scale, pairs, accept);
	}

	@PostMapping(path = "/reconstruct",
			consumes = { MediaType.IMAGE_PNG_VALUE, MediaType.IMAGE_JPEG_VALUE, MediaType.IMAGE_GIF_VALUE,
					"image/bmp" })
	@Operation(tags = "Inference", summary = "Reconstruct one image sent as the body")
	ResponseEntity<?> reconstructImage(InputStream image, @RequestParam(required = false) String latent,
			@RequestParam(required = false) Long seed, @RequestParam(required = false) String model,
			@RequestParam(required = false) String format, @RequestParam(required = false) Integer columns,
			@RequestParam(required = false) Integer scale, @RequestParam(required = false) Boolean pairs,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
		Prediction p = this.predictor.open(model);
		return reconstruct(p, input(image, p.model()), latent, seed, format, columns, scale, pairs, accept);
	}

	private ResponseEntity<?> reconstruct(Prediction p, double[][] x, String latent, Long seed, String format,
			Integer columns, Integer scale, Boolean pairs, String accept) {
		InferenceApi.ReconstructRequest request = new InferenceApi.ReconstructRequest(x, latent, seed, p.model().id());
		InferenceApi.ReconstructResponse response = this.inference.reconstruct(p, request);
		if (!Images.wantsPng(format, accept)) {
			return ResponseEntity.ok(response);
		}
		List<double[]> tiles = InferenceController.reconstructionTiles(x, response, pairs);
		return InferenceController.png(tiles, p.model(), columns, scale, 8);
	}

	@PostMapping(path = "/loss", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(tags = "Loss", summary = "Per-input ELBO breakdown of images",
			description = "Multipart parts named 'image'.")
	LossApi.LossResponse lossOfImages(@RequestPart("image") List<MultipartFile> images,
			@RequestParam(required = false) Integer samples,
			@RequestParam(name = "iwae_k", required = false) Integer iwaeK, @RequestParam(required = false) Long seed,
			@RequestParam(required = false) Double sigma, @RequestParam(required = false) String model)
			throws IOException {
		Prediction p = this.predictor.open(model);
		return this.loss.loss(p,
				new LossApi.LossRequest(inputs(images, p.model()), samples, iwaeK, seed, sigma, null, p.model().id()));
	}

	@PostMapping(path = "/loss",
			consumes = { MediaType.IMAGE_PNG_VALUE, MediaType.IMAGE_JPEG_VALUE, MediaType.IMAGE_GIF_VALUE,
					"image/bmp" })
	@Operation(tags = "Loss", summary = "Per-input ELBO breakdown of one image sent as the body")
	LossApi.LossResponse lossOfImage(InputStream image, @RequestParam(required = false) Integer samples,
			@RequestParam(name = "iwae_k", required = false) Integer iwaeK, @RequestParam(required = false) Long seed,
			@RequestParam(required = false) Double sigma, @RequestParam(required = false) String model) {
		Prediction p = this.predictor.open(model);
		return this.loss.loss(p,
				new LossApi.LossRequest(input(image, p.model()), samples, iwaeK, seed, sigma, null, p.model().id()));
	}

	@PostMapping(path = "/score", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(tags = "Anomaly", summary = "Anomaly scores of images",
			description = "Multipart parts named 'image'; JSON, or a PNG of each image beside its heat map, as for "
					+ "the JSON variant.")
	ResponseEntity<?> scoreImages(@RequestPart("image") List<MultipartFile> images,
			@RequestParam(required = false) Integer k, @RequestParam(required = false) Double fpr,
			@RequestParam(required = false) Long seed, @RequestParam(required = false) String pixels,
			@RequestParam(required = false) String model, @RequestParam(required = false) String format,
			@RequestParam(required = false) Integer scale,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) throws IOException {
		Prediction p = this.predictor.open(model);
		return ScoreController.answer(p,
				new ScoreApi.ScoreRequest(inputs(images, p.model()), k, fpr, seed, pixels, p.model().id()), format,
				scale, accept, this.scores);
	}

	@PostMapping(path = "/score",
			consumes = { MediaType.IMAGE_PNG_VALUE, MediaType.IMAGE_JPEG_VALUE, MediaType.IMAGE_GIF_VALUE,
					"image/bmp" })
	@Operation(tags = "Anomaly", summary = "Anomaly scores of one image sent as the body")
	ResponseEntity<?> scoreImage(InputStream image, @RequestParam(required = false) Integer k,
			@RequestParam(required = false) Double fpr, @RequestParam(required = false) Long seed,
			@RequestParam(required = false) String pixels, @RequestParam(required = false) String model,
			@RequestParam(required = false) String format, @RequestParam(required = false) Integer scale,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
		Prediction p = this.predictor.open(model);
		return ScoreController.answer(p,
				new ScoreApi.ScoreRequest(input(image, p.model()), k, fpr, seed, pixels, p.model().id()), format, scale,
				accept, this.scores);
	}

}
