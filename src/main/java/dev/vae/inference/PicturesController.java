package dev.vae.inference;

import dev.vae.registry.ServedModel;
import dev.vae.system.ConflictException;
import dev.vae.system.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Looking at the latent space: traversals, interpolations and the 2-D manifold, as PNG
 * grids or JSON.
 */
@RestController
@Tag(name = "Pictures", description = "Latent traversals, interpolation and the 2-D latent manifold")
class PicturesController {

	private final InferenceService inference;

	private final Predictor predictor;

	PicturesController(InferenceService inference, Predictor predictor) {
		this.inference = inference;
		this.predictor = predictor;
	}

	record TraverseRequest(@Schema(description = "an input whose μ is the centre; omit for z = 0") double[] input,
			@Schema(description = "a latent vector as the centre instead") double[] z,
			@Schema(description = "latent dimensions to sweep, one row each; default the first 8") List<Integer> dims,
			@Schema(description = "values per row (2..32), default 9") Integer steps,
			@Schema(description = "sweep from −range to +range around the centre, default 3") Double range,
			@Schema(description = "model version; the active one when omitted") String model) {
	}

	record Traversal(String model, List<Integer> dims, double[] values, List<List<double[]>> rows) {
	}

	@GetMapping("/traverse")
	@Operation(summary = "Latent traversal around z = 0",
			description = "For each chosen dimension, decodes z = 0 with that dimension swept over [−range, range]: one row per "
					+ "dimension. PNG by default; format=json for the decoded means.")
	@ApiResponse(responseCode = "200",
			content = { @Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")),
					@Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(implementation = Traversal.class)) })
	ResponseEntity<?> traverse(@RequestParam(required = false) List<Integer> dims,
			@RequestParam(required = false) Integer steps, @RequestParam(required = false) Double range,
			@RequestParam(required = false) String model, @RequestParam(required = false) String format,
			@RequestParam(required = false) Integer scale) {
		return traverse(new TraverseRequest(null, null, dims, steps, range, model), format, scale);
	}

	@PostMapping(path = "/traverse", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Latent traversal around an input's μ (or a given z)")
	@ApiResponse(responseCode = "200",
			content = { @Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")),
					@Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(implementation = Traversal.class)) })
	ResponseEntity<?> traverse(@RequestBody TraverseRequest request, @RequestParam(required = false) String format,
			@RequestParam(required = false) Integer scale) {
		Prediction prediction = this.predictor.open(request.model());
		ServedModel model = prediction.model();
		int k = model.latentSize();
		double[] centre = centre(request, prediction);
		List<Integer> dims = (request.dims() != null) ? request.dims()
				: java.util.stream.IntStream.range(0, Math.min(8, k)).boxed().toList();
		if (dims.isEmpty() || dims.size() > 64) {
			throw new InvalidInputException("dims", "dims must name 1 to 64 latent dimensions");
		}
		for (Integer d : dims) {
			if (d == null || d < 0 || d >= k) {
				throw new InvalidInputException("dims", "dims must lie in 0.." + (k - 1) + ", was " + d);
			}
		}
		int steps = Images.option(request.steps(), "steps", 9, 32);
		if (steps < 2) {
			throw new InvalidInputException("steps", "steps must be at least 2");
		}
		double range = (request.range() == null) ? 3 : request.range();
		if (!(range > 0) || range > 10) {
			throw new InvalidInputException("range", "range must lie in (0, 10], was " + range);
		}
		double[] values = new double[steps];
		double[][] z = new double[dims.size() * steps][];
		for (int s = 0; s < steps; s++) {
			values[s] = -range + 2 * range * s / (steps - 1);
		}
		for (int r = 0; r < dims.size(); r++) {
			for (int s = 0; s < steps; s++) {
				z[r * steps + s] = centre.clone();
				z[r * steps + s][dims.get(r)] += values[s];
			}
		}
		List<double[]> tiles = decode(z, prediction);
		if (wantsJson(format)) {
			List<List<double[]>> rows = new ArrayList<>();
			for (int r = 0; r < dims.size(); r++) {
				rows.add(tiles.subList(r * steps, (r + 1) * steps));
			}
			return ResponseEntity.ok(new Traversal(model.id(), dims, values, rows));
		}
		return InferenceController.png(tiles, model, steps, scale, steps);
	}

	record InterpolateRequest(@Schema(description = "two inputs: their μ are the ends") double[][] inputs,
			@Schema(description = "or two latent vectors") double[][] z,
			@Schema(description = "points including both ends (2..64), default 10") Integer steps,
			@Schema(description = "'linear' (default) or 'spherical' (slerp)", allowableValues = {
					"linear", "spherical" }) String method,
			@Schema(description = "model version; the active one when omitted") String model){
	}

	record Interpolation(String model, String method, double[][] z, List<double[]> means) {
	}

	@PostMapping(path = "/interpolate", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Interpolate between two inputs (or two z) in latent space",
			description = "Linear: z(t) = (1 − t) a + t b. Spherical: z(t) = sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b with "
					+ "cos Ω = a·b / (|a||b|). JSON by default; format=png or Accept: image/png for one row of tiles.")
	@ApiResponse(responseCode = "200",
			content = {
					@Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
							schema = @Schema(implementation = Interpolation.class)),
					@Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")) })
	ResponseEntity<?> interpolate(@RequestBody InterpolateRequest request,
			@RequestParam(required = false) String format, @RequestParam(required = false) Integer scale,
			@RequestHeader(name = HttpHeaders.ACCEPT, required = false) String accept) {
		Prediction prediction = this.predictor.open(request.model());
		ServedModel model = prediction.model();
		double[][] ends;
		if ((request.inputs() == null) == (request.z() == null)) {
			throw new InvalidInputException("inputs", "send either two 'inputs' or two 'z'");
		}
		if (request.inputs() != null) {
			if (request.inputs().length != 2) {
				throw new InvalidInputException("inputs", "inputs must hold exactly two vectors");
			}
			ends = this.inference
				.encode(prediction, new InferenceApi.EncodeRequest(request.inputs(), null, null, model.id()))
				.results()
				.stream()
				.map(InferenceApi.Encoded::mu)
				.toArray(double[][]::new);
		}
		else {
			if (request.z().length != 2) {
				throw new InvalidInputException("z", "z must hold exactly two vectors");
			}
			Vectors.check(request.z(), "z", model.latentSize(), "latent size", 2, false, "");
			ends = request.z();
		}
		int steps = Images.option(request.steps(), "steps", 10, 64);
		if (steps < 2) {
			throw new InvalidInputException("steps", "steps must be at least 2");
		}
		String method = (request.method() == null) ? "linear" : request.method();
		if (!method.equals("linear") && !method.equals("spherical")) {
			throw new InvalidInputException("method", "method must be 'linear' or 'spherical', was '" + method + "'");
		}
		double[][] path = new double[steps][];
		for (int s = 0; s < steps; s++) {
			double t = (double) s / (steps - 1);
			path[s] = method.equals("linear") ? lerp(ends[0], ends[1], t) : slerp(ends[0], ends[1], t);
		}
		List<double[]> means = decode(path, prediction);
		if (Images.wantsPng(format, accept)) {
			return InferenceController.png(means, model, steps, scale, steps);
		}
		return ResponseEntity.ok(new Interpolation(model.id(), method, path, means));
	}

	@GetMapping("/manifold")
	@Operation(summary = "The decoded 2-D latent manifold",
			description = "For a model with a 2-dimensional latent space: decodes an n × n grid of z over [−range, range]², "
					+ "z₁ along the columns, z₂ from top (+range) to bottom (−range). Other models answer 409.")
	@ApiResponse(responseCode = "200",
			content = @Content(mediaType = Images.PNG, schema = @Schema(type = "string", format = "binary")))
	ResponseEntity<byte[]> manifold(@RequestParam(required = false) Integer n,
			@RequestParam(required = false) Double range, @RequestParam(required = false) String model,
			@RequestParam(required = false) Integer scale) {
		Prediction prediction = this.predictor.open(model);
		ServedModel served = prediction.model();
		int k = served.latentSize();
		if (k != 2) {
			throw new ConflictException(
					"the manifold needs a model with a 2-dimensional latent space; '" + served.id() + "' has " + k);
		}
		int size = Images.option(n, "n", 15, 40);
		double r = (range == null) ? 3 : range;
		if (!(r > 0) || r > 10) {
			throw new InvalidInputException("range", "range must lie in (0, 10], was " + r);
		}
		double[][] z = new double[size * size][];
		for (int row = 0; row < size; row++) {
			for (int col = 0; col < size; col++) {
				double step = (size == 1) ? 0 : 2 * r / (size - 1);
				z[row * size + col] = new double[] { -r + col * step, r - row * step };
			}
		}
		return InferenceController.png(decode(z, prediction), served, size, scale, size);
	}

	private double[] centre(TraverseRequest request, Prediction prediction) {
		ServedModel model = prediction.model();
		int k = model.latentSize();
		if (request.input() != null && request.z() != null) {
			throw new InvalidInputException("input", "send either 'input' or 'z', not both");
		}
		if (request.input() != null) {
			return this.inference
				.encode(prediction,
						new InferenceApi.EncodeRequest(new double[][] { request.input() }, null, null, model.id()))
				.results()
				.get(0)
				.mu();
		}
		if (request.z() != null) {
			Vectors.check(new double[][] { request.z() }, "z", k, "latent size " + k, 1, false, "");
			return request.z().clone();
		}
		return new double[k];
	}

	/** The decoder means of z, in chunks of at most 256 rows, all by the one model. */
	private static List<double[]> decode(double[][] z, Prediction prediction) {
		List<double[]> means = new ArrayList<>();
		for (int from = 0; from < z.length; from += 256) {
			double[][] chunk = java.util.Arrays.copyOfRange(z, from, Math.min(z.length, from + 256));
			means.addAll(List.of(prediction.means(prediction.decodeLogits(chunk))));
		}
		return means;
	}

	private static boolean wantsJson(String format) {
		return format != null && !Images.wantsPng(format, null);
	}

	static double[] lerp(double[] a, double[] b, double t) {
		double[] z = new double[a.length];
		for (int i = 0; i < z.length; i++) {
			z[i] = (1 - t) * a[i] + t * b[i];
		}
		return z;
	}

	/**
	 * Spherical interpolation; falls back to linear when a and b are (anti)parallel or
	 * zero.
	 */
	static double[] slerp(double[] a, double[] b, double t) {
		double dot = 0;
		double na = 0;
		double nb = 0;
		for (int i = 0; i < a.length; i++) {
			dot += a[i] * b[i];
			na += a[i] * a[i];
			nb += b[i] * b[i];
		}
		double cos = dot / Math.sqrt(na * nb);
		if (!(Math.abs(cos) < 1 - 1e-9)) {
			return lerp(a, b, t);
		}
		double omega = Math.acos(cos);
		double sa = Math.sin((1 - t) * omega) / Math.sin(omega);
		double sb = Math.sin(t * omega) / Math.sin(omega);
		double[] z = new double[a.length];
		for (int i = 0; i < z.length; i++) {
			z[i] = sa * a[i] + sb * b[i];
		}
		return z;
	}

}
