package dev.vae.serving;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vae.inference.Prediction;
import dev.vae.inference.Predictor;

import dev.vae.model.analysis.AnomalyReference;
import dev.vae.model.analysis.AnomalyScore;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Evaluation;
import dev.vae.model.head.Reconstruction;
import dev.vae.registry.ActiveModel;
import dev.vae.registry.ModelReferences;
import dev.vae.registry.ModelRegistry;
import dev.vae.registry.ServedModel;
import dev.vae.system.AnomalySettings;
import dev.vae.system.NotFoundException;
import dev.vae.system.VaeProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Open Inference Protocol (KServe V2) REST endpoints. The model name {@value #NAME}
 * means the active model and its versions are the registry's model ids; a registry id is
 * accepted as a name too. One input tensor {@code x} (any name is accepted) of shape [B,
 * D], FP32 or FP64, row-major {@code data}; outputs chosen among
 * {@code mu, logvar, sigma, z, reconstruction, bce, kl} and the anomaly score
 * {@code anomaly_score} (−log p(x) by IWAE with {@code parameters.k} importance samples),
 * {@code anomaly_score_se} (its standard error) and {@code anomaly_percentile} (against
 * the model's reference) (default {@code mu} and {@code logvar}).
 */
@RestController
@Tag(name = "Open Inference Protocol (KServe V2)")
class V2Controller {

	static final String NAME = "vae";

	private static final List<String> OUTPUTS = List.of("mu", "logvar", "sigma", "z", "reconstruction", "bce", "kl",
			"anomaly_score", "anomaly_score_se", "anomaly_percentile");

	/** The outputs with one value per input. */
	private static final List<String> SCALARS = List.of("bce", "kl", "anomaly_score", "anomaly_score_se",
			"anomaly_percentile");

	private final ModelRegistry registry;

	private final ActiveModel activeModel;

	private final int maxBatch;

	private final ObjectMapper json;

	private final Predictor predictor;

	private final ModelReferences references;

	private final AnomalySettings anomaly;

	private final int maxDecodes;

	V2Controller(ModelRegistry registry, ActiveModel activeModel, VaeProperties properties, ObjectMapper json,
			Predictor predictor, ModelReferences references, AnomalySettings anomaly) {
		this.predictor = predictor;
		this.references = references;
		this.anomaly = anomaly;
		this.maxDecodes = properties.limits().maxDecodes();
		this.registry = registry;
		this.activeModel = activeModel;
		this.maxBatch = properties.limits().maxBatch();
		this.json = json;
	}

	@GetMapping("/v2")
	@Operation(summary = "Server metadata")
	V2Api.ServerMetadata server() {
		return new V2Api.ServerMetadata("vae-service", "0.1", List.of("binary_tensor_data"));
	}

	@GetMapping("/v2/health/live")
	@Operation(summary = "Server liveness")
	V2Api.Live live() {
		return new V2Api.Live(true);
	}

	@GetMapping("/v2/health/ready")
	@Operation(summary = "Server readiness: ready once a model is loaded and warmed up")
	ResponseEntity<V2Api.Ready> ready() {
		boolean ready = this.activeModel.isLoaded();
		return ResponseEntity.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
			.body(new V2Api.Ready(ready));
	}

	@GetMapping({ "/v2/models/{name}", "/v2/models/{name}/versions/{version}" })
	@Operation(summary = "Model metadata: inputs and outputs with names, datatypes and shapes")
	V2Api.ModelMetadata metadata(@PathVariable String name, @PathVariable(required = false) String version) {
		ServedModel model = resolve(name, version);
		long k = model.latentSize();
		long d = model.inputLength();
		List<String> versions = NAME.equals(name) ? this.registry.list().stream().map((r) -> r.id()).toList()
				: List.of(model.id());
		return new V2Api.ModelMetadata(name, versions, "deeplearning4j-nd4j",
				List.of(new V2Api.TensorMetadata("x", "FP32", List.of(-1L, d))),
				List.of(tensor("mu", k), tensor("logvar", k), tensor("sigma", k), tensor("z", k),
						tensor("reconstruction", d), new V2Api.TensorMetadata("bce", "FP64", List.of(-1L)),
						new V2Api.TensorMetadata("kl", "FP64", List.of(-1L)),
						new V2Api.TensorMetadata("anomaly_score", "FP64", List.of(-1L)),
						new V2Api.TensorMetadata("anomaly_score_se", "FP64", List.of(-1L)),
						new V2Api.TensorMetadata("anomaly_percentile", "FP64", List.of(-1L))));
	}

	@GetMapping({ "/v2/models/{name}/ready", "/v2/models/{name}/versions/{version}/ready" })
	@Operation(summary = "Model readiness")
	V2Api.ModelReady modelReady(@PathVariable String name, @PathVariable(required = false) String version) {
		resolve(name, version);
		return new V2Api.ModelReady(name, true);
	}

	@PostMapping(path = { "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer" },
			consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Inference with the protocol's tensor JSON")
	ResponseEntity<?> infer(@PathVariable String name, @PathVariable(required = false) String version,
			@RequestBody V2Api.InferenceRequest request) throws IOException {
		ServedModel model = resolve(name, version);
		return answer(name, model, request, input(request, model, null));
	}

	@PostMapping(path = { "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer" },
			consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	@Operation(summary = "Inference with the binary tensor data extension",
			description = "A JSON header of Inference-Header-Content-Length bytes, then the input's raw little-endian "
					+ "values (its parameters.binary_data_size bytes), as Triton and KServe clients send them.")
	ResponseEntity<?> inferBinary(@PathVariable String name, @PathVariable(required = false) String version,
			@RequestHeader(V2Binary.HEADER_LENGTH) long headerLength, InputStream body) throws IOException {
		V2Binary.Request request = V2Binary.parse(body.readAllBytes(), headerLength, this.json);
		ServedModel model = resolve(name, version);
		return answer(name, model, request.header(), input(request.header(), model, request.tail()));
	}

	private ResponseEntity<?> answer(String name, ServedModel model, V2Api.InferenceRequest request, double[][] x)
			throws IOException {
		V2Api.InferenceResponse response = respond(name, model, request, x);
		if (!V2Binary.wanted(request)) {
			return ResponseEntity.ok(response);
		}
		V2Binary.Response binary = V2Binary.write(response, this.json);
		return ResponseEntity.ok()
			.contentType(MediaType.APPLICATION_OCTET_STREAM)
			.header(V2Binary.HEADER_LENGTH, String.valueOf(binary.headerLength()))
			.body(binary.body());
	}

	private V2Api.InferenceResponse respond(String name, ServedModel model, V2Api.InferenceRequest request,
			double[][] x) {
		Prediction prediction = this.predictor.of(model);
		List<String> wanted = wanted(request);
		Encoding q = prediction.encode(x);
		Map<String, double[][]> values = new LinkedHashMap<>();
		values.put("mu", q.mu());
		values.put("logvar", q.logvar());
		values.put("sigma", q.sigma());
		if (wanted.contains("z")) {
			long seed = seed(request);
			SplittableRandom random = new SplittableRandom(seed);
			double[][] z = new double[x.length][];
			for (int i = 0; i < x.length; i++) {
				z[i] = q.reparameterise(i, Evaluation.gaussian(random, model.latentSize()));
			}
			values.put("z", z);
		}
		if (wanted.contains("reconstruction") || wanted.contains("bce")) {
			if (wanted.contains("bce") && model.classicLikelihood().isEmpty()) {
				throw bad("output 'bce' is defined for decoders with x̂ = sigmoid(η); this model's is "
						+ model.likelihood());
			}
			double[][] eta = prediction.decodeLogits(q.mu());
			double[][] mean = new double[x.length][];
			double[][] bce = new double[x.length][1];
			for (int i = 0; i < x.length; i++) {
				mean[i] = model.mean(eta[i]);
				if (model.classicLikelihood().isPresent()) {
					for (int j = 0; j < mean[i].length; j++) {
						bce[i][0] += Reconstruction.bce(x[i][j], eta[i][j]);
					}
				}
			}
			values.put("reconstruction", mean);
			values.put("bce", bce);
		}
		double[][] kl = new double[x.length][1];
		for (int i = 0; i < x.length; i++) {
			kl[i][0] = Evaluation.kl(q.mu()[i], q.logvar()[i]);
		}
		values.put("kl", kl);
		if (wanted.stream().anyMatch((o) -> o.startsWith("anomaly_"))) {
			anomalyScores(prediction, x, request, wanted, values);
		}
		List<V2Api.ResponseOutput> outputs = new ArrayList<>();
		for (String output : wanted) {
			double[][] v = values.get(output);
			boolean scalar = SCALARS.contains(output);
			List<Long> shape = scalar ? List.of((long) v.length) : List.of((long) v.length, (long) v[0].length);
			outputs.add(new V2Api.ResponseOutput(output, shape, scalar ? "FP64" : "FP32", null, flatten(v)));
		}
		return new V2Api.InferenceResponse(name, model.id(), request.id(), outputs);
	}

	/**
	 * The anomaly outputs: −log p(x) by IWAE with {@code parameters.k} importance samples
	 * (default vae.anomaly.k), its standard error, and its percentile against the model's
	 * reference (refused for a model without one).
	 */
	private void anomalyScores(Prediction prediction, double[][] x, V2Api.InferenceRequest request, List<String> wanted,
			Map<String, double[][]> values) {
		ServedModel model = prediction.model();
		int k = k(request);
		if ((long) x.length * k > this.maxDecodes) {
			throw bad("batch × k = " + (long) x.length * k + " latent vectors to decode; at most " + this.maxDecodes
					+ " per request (vae.limits.max-decodes)");
		}
		AnomalyReference reference = null;
		if (wanted.contains("anomaly_percentile")) {
			reference = this.references.find(model.id())
				.map(ModelReferences.Stored::reference)
				.orElseThrow(() -> bad(
						"output 'anomaly_percentile' needs model '" + model.id() + "' to be calibrated (POST /models/"
								+ model.id() + "/calibrate with a dataset of normal data)"));
		}
		List<AnomalyScore.Score> scores = AnomalyScore.score(prediction.passes(), model.head(), model.latentSize(), x,
				k, seed(request), false);
		double[][] score = new double[x.length][1];
		double[][] se = new double[x.length][1];
		double[][] percentile = new double[x.length][1];
		for (int i = 0; i < x.length; i++) {
			score[i][0] = scores.get(i).negLogLikelihood();
			se[i][0] = scores.get(i).standardError();
			percentile[i][0] = (reference != null) ? reference.percentile(score[i][0]) : Double.NaN;
		}
		values.put("anomaly_score", score);
		values.put("anomaly_score_se", se);
		values.put("anomaly_percentile", percentile);
	}

	private int k(V2Api.InferenceRequest request) {
		Object k = (request.parameters() != null) ? request.parameters().get("k") : null;
		if (k == null) {
			return this.anomaly.k();
		}
		if (!(k instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 2
				|| n.intValue() > this.anomaly.maxK()) {
			throw bad("parameter 'k' must be a whole number in 2.." + this.anomaly.maxK() + " (vae.anomaly.max-k), was "
					+ k);
		}
		return n.intValue();
	}

	private ServedModel resolve(String name, String version) {
		try {
			if (NAME.equals(name)) {
				return this.registry.resolve(version);
			}
			if (version != null && !version.equals(name)) {
				throw new V2Exception(HttpStatus.NOT_FOUND, "model '" + name + "' has only version '" + name + "'");
			}
			return this.registry.resolve(name);
		}
		catch (NotFoundException ex) {
			throw new V2Exception(HttpStatus.NOT_FOUND,
					"unknown model '" + name + "'" + ((version != null) ? " version '" + version + "'" : ""));
		}
	}

	/**
	 * The input rows from the JSON data, or from {@code binary} when the input says so.
	 */
	private double[][] input(V2Api.InferenceRequest request, ServedModel a, java.nio.ByteBuffer binary) {
		if (request == null || request.inputs() == null || request.inputs().size() != 1) {
			throw bad("exactly one input tensor is expected, of shape [batch, " + a.inputLength() + "]");
		}
		V2Api.RequestInput in = request.inputs().get(0);
		if (in.datatype() == null || !(in.datatype().equals("FP32") || in.datatype().equals("FP64"))) {
			throw bad("input '" + in.name() + "' has datatype " + in.datatype() + "; FP32 or FP64 is expected");
		}
		List<Long> shape = in.shape();
		if (shape == null || shape.size() != 2 || shape.get(1) != a.inputLength() || shape.get(0) < 1
				|| shape.get(0) > this.maxBatch) {
			throw bad("input '" + in.name() + "' has shape " + shape + "; [batch, " + a.inputLength()
					+ "] with batch in 1.." + this.maxBatch + " is expected");
		}
		int rows = shape.get(0).intValue();
		int d = a.inputLength();
		double[] values;
		if (V2Binary.binarySize(in) >= 0) {
			if (binary == null) {
				throw bad("input '" + in.name() + "' declares binary data; send it with Content-Type "
						+ "application/octet-stream and " + V2Binary.HEADER_LENGTH);
			}
			values = V2Binary.values(in, (long) rows * d, binary);
		}
		else {
			values = numbers(in, (long) rows * d, shape);
		}
		double[][] x = new double[rows][d];
		for (int i = 0; i < values.length; i++) {
			double v = values[i];
			if (!Double.isFinite(v)) {
				throw bad("input '" + in.name() + "' value " + i + " is not a finite number");
			}
			if (a.head().requiresUnitInterval() && (v < 0 || v > 1)) {
				throw bad("input '" + in.name() + "' value " + i + " is " + v + "; values must lie in [0, 1]");
			}
			x[i / d][i % d] = v;
		}
		return x;
	}

	private static double[] numbers(V2Api.RequestInput in, long count, List<Long> shape) {
		TensorData data = in.data();
		if (data == null) {
			throw bad("the input has no data");
		}
		if (data.problem() != null) {
			throw bad("input '" + in.name() + "': " + data.problem());
		}
		if (data.values().length != count) {
			throw bad("input '" + in.name() + "' holds " + data.values().length + " values; its shape " + shape
					+ " needs " + count);
		}
		return data.values();
	}

	private static List<String> wanted(V2Api.InferenceRequest request) {
		if (request.outputs() == null || request.outputs().isEmpty()) {
			return List.of("mu", "logvar");
		}
		List<String> names = new ArrayList<>();
		for (V2Api.RequestOutput o : request.outputs()) {
			if (o == null || !OUTPUTS.contains(o.name())) {
				throw bad("unknown output '" + ((o == null) ? null : o.name()) + "'; outputs are " + OUTPUTS);
			}
			names.add(o.name());
		}
		return names;
	}

	private static long seed(V2Api.InferenceRequest request) {
		Object seed = (request.parameters() != null) ? request.parameters().get("seed") : null;
		if (seed == null) {
			return java.util.concurrent.ThreadLocalRandom.current().nextLong(1L << 53);
		}
		if (!(seed instanceof Number n)) {
			throw bad("parameter 'seed' must be a number");
		}
		return n.longValue();
	}

	private static V2Api.TensorMetadata tensor(String name, long width) {
		return new V2Api.TensorMetadata(name, "FP32", List.of(-1L, width));
	}

	private static double[] flatten(double[][] v) {
		int k = v[0].length;
		double[] flat = new double[v.length * k];
		for (int i = 0; i < v.length; i++) {
			System.arraycopy(v[i], 0, flat, i * k, k);
		}
		return flat;
	}

	private static V2Exception bad(String message) {
		return new V2Exception(HttpStatus.BAD_REQUEST, message);
	}

}
