package dev.vae;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.data.Dataset;
import dev.vae.data.Shapes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static dev.vae.HttpFixture.doubles;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real service on its shipped default model, over real HTTP. Micro-batching is off
 * here so that concurrent answers can be compared with sequential ones bit for bit; with
 * it on they agree to float32 rounding (MicroBatcherTests).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.batching.enabled=false" })
class ServiceIntegrationTests {

	/**
	 * Held-out shapes: the default model trained on images 0..19999 of seed 1 and
	 * validated on the next 2000.
	 */
	private static final Dataset HELD_OUT = Shapes.generate(1, 22_000, 200);

	@LocalServerPort
	int port;

	@org.springframework.test.context.DynamicPropertySource
	static void storage(org.springframework.test.context.DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	HttpFixture http;

	@BeforeEach
	void client() {
		this.http = new HttpFixture(this.port);
	}

	private static double[][] heldOut(int from, int count) {
		double[][] rows = new double[count][];
		for (int i = 0; i < count; i++) {
			rows[i] = HELD_OUT.examples().row(from + i);
		}
		return rows;
	}

	@Test
	void encodeReturnsTheLatentSize() {
		HttpFixture.Answer answer = this.http.post("/encode", Map.of("inputs", heldOut(0, 1)));
		assertThat(answer.status()).isEqualTo(200);
		assertThat(answer.body().at("/results/0/mu")).hasSize(20);
		assertThat(answer.body().at("/results/0/sigma")).hasSize(20);
		for (JsonNode sigma : answer.body().at("/results/0/sigma")) {
			assertThat(sigma.asDouble()).isPositive();
		}
	}

	@Test
	void theDefaultModelBeatsThePixelMeanBaselineByMoreThanThirtyPercent() {
		JsonNode metrics = this.http.get("/model").body().get("metrics");
		assertThat(metrics.get("validationNegElbo").asDouble())
			.isLessThan(0.7 * metrics.get("baselineNegLogLikelihood").asDouble());
	}

	@Test
	void reconstructionsKeepShapeAndPosition() {
		double[][] x = heldOut(0, 100);
		JsonNode results = this.http.post("/reconstruct", Map.of("inputs", x)).body().get("results");
		double bce = 0;
		double iou = 0;
		double centroidError = 0;
		for (int i = 0; i < x.length; i++) {
			double[] r = doubles(results.get(i).get("reconstruction"));
			int both = 0;
			int either = 0;
			for (int j = 0; j < r.length; j++) {
				double p = Math.min(1 - 1e-12, Math.max(1e-12, r[j]));
				bce -= x[i][j] * Math.log(p) + (1 - x[i][j]) * Math.log(1 - p);
				boolean a = x[i][j] > 0.5;
				boolean b = r[j] > 0.5;
				both += (a && b) ? 1 : 0;
				either += (a || b) ? 1 : 0;
			}
			iou += (double) both / either;
			centroidError += Math.hypot(centroid(x[i], 0) - centroid(r, 0), centroid(x[i], 1) - centroid(r, 1));
		}
		System.out.printf(
				"reconstruction of 100 held-out shapes: mean BCE %.2f nats, IoU %.3f, centroid error %.3f px%n",
				bce / x.length, iou / x.length, centroidError / x.length);
		assertThat(bce / x.length).isLessThan(40);
		assertThat(iou / x.length).isGreaterThan(0.85);
		assertThat(centroidError / x.length).isLessThan(0.5);
	}

	@Test
	void theSameSeedGivesTheSameSamplesAndAnotherSeedOthers() {
		Map<String, Object> request = Map.of("n", 3, "seed", 123);
		JsonNode first = this.http.post("/sample", request).body().get("results");
		JsonNode again = this.http.post("/sample", request).body().get("results");
		JsonNode other = this.http.post("/sample", Map.of("n", 3, "seed", 124)).body().get("results");
		assertThat(again).isEqualTo(first);
		assertThat(other.get(0).get("z")).isNotEqualTo(first.get(0).get("z"));
		assertThat(other.get(0).get("mean")).isNotEqualTo(first.get(0).get("mean"));

		Map<String, Object> encode = Map.of("inputs", heldOut(0, 2), "samples", 4, "seed", 9);
		assertThat(this.http.post("/encode", encode).body()).isEqualTo(this.http.post("/encode", encode).body());
		Map<String, Object> decode = Map.of("z", new double[][] { new double[20] }, "sample", true, "seed", 5);
		assertThat(this.http.post("/decode", decode).body()).isEqualTo(this.http.post("/decode", decode).body());
	}

	@Test
	void aFreshSeedIsReportedAndReproducesTheAnswer() {
		JsonNode first = this.http.post("/sample", Map.of("n", 2)).body();
		long seed = first.get("seed").asLong();
		assertThat(this.http.post("/sample", Map.of("n", 2, "seed", seed)).body()).isEqualTo(first);
	}

	@Test
	void concurrentRequestsGiveTheSameAnswersAsSequentialOnes() throws Exception {
		int n = 64;
		List<Map<String, Object>> requests = new ArrayList<>();
		for (int i = 0; i < n; i++) {
			requests.add(Map.of("inputs", heldOut(i % 50, 1 + i % 3), "samples", 2, "seed", i));
		}
		List<JsonNode> sequential = new ArrayList<>();
		for (Map<String, Object> request : requests) {
			sequential.add(this.http.post("/encode", request).body());
		}
		ExecutorService pool = Executors.newFixedThreadPool(16);
		try {
			for (int round = 0; round < 3; round++) {
				List<Future<JsonNode>> futures = new ArrayList<>();
				for (Map<String, Object> request : requests) {
					futures.add(pool.submit(() -> this.http.post("/encode", request).body()));
				}
				for (int i = 0; i < n; i++) {
					assertThat(futures.get(i).get()).as("request %d", i).isEqualTo(sequential.get(i));
				}
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void badInputGetsAProblemNamingTheField() {
		double[] tooShort = new double[783];
		HttpFixture.Answer wrongLength = this.http.post("/encode", Map.of("inputs", new double[][] { tooShort }));
		assertThat(wrongLength.status()).isEqualTo(400);
		assertThat(wrongLength.body().get("detail").asText())
			.isEqualTo("inputs[0] has 783 values; the model expects 784 (1×28×28)");

		double[] outside = new double[784];
		outside[100] = -0.5;
		HttpFixture.Answer range = this.http.post("/encode", Map.of("inputs", new double[][] { outside }));
		assertThat(range.status()).isEqualTo(400);
		assertThat(range.body().get("field").asText()).isEqualTo("inputs[0][100]");
		assertThat(range.body().get("detail").asText()).contains("must lie in [0, 1]", "bernoulli");

		HttpFixture.Answer nan = this.http.post("/encode", "{\"inputs\":[[NaN]]}");
		assertThat(nan.status()).isEqualTo(400);
		assertThat(nan.body().get("field").asText()).isEqualTo("inputs[0][0]");
	}

	@Test
	void swaggerUiAndTheOpenApiDocumentCarryWorkingExamples() {
		JsonNode api = this.http.get("/v3/api-docs").body();
		JsonNode example = api.at("/paths/~1encode/post/requestBody/content/application~1json/example");
		assertThat(example.at("/inputs/0")).hasSize(784);
		assertThat(this.http.post("/encode", example.toString()).status()).isEqualTo(200);
		JsonNode decode = api.at("/paths/~1decode/post/requestBody/content/application~1json/example");
		assertThat(decode.at("/z/0")).hasSize(20);
		assertThat(this.http.post("/decode", decode.toString()).status()).isEqualTo(200);
		for (String path : new String[] { "/reconstruct", "/sample", "/loss" }) {
			JsonNode body = api
				.at("/paths/" + path.replace("/", "~1") + "/post/requestBody/content/application~1json/example");
			assertThat(this.http.post(path, body.toString()).status()).as(path).isEqualTo(200);
		}
	}

	@Test
	void lossAtTheMeanMatchesTermsRecomputedFromEncodeAndDecode() {
		double[][] x = heldOut(10, 3);
		JsonNode encoded = this.http.post("/encode", Map.of("inputs", x)).body().get("results");
		double[][] mu = new double[x.length][];
		for (int i = 0; i < x.length; i++) {
			mu[i] = doubles(encoded.get(i).get("mu"));
		}
		JsonNode decoded = this.http.post("/decode", Map.of("z", mu)).body().get("results");
		JsonNode loss = this.http.post("/loss", Map.of("inputs", x)).body();
		for (int i = 0; i < x.length; i++) {
			double[] xhat = doubles(decoded.get(i).get("mean"));
			double[] sigma = doubles(encoded.get(i).get("sigma"));
			double bce = 0;
			double sse = 0;
			for (int j = 0; j < xhat.length; j++) {
				bce -= x[i][j] * Math.log(xhat[j]) + (1 - x[i][j]) * Math.log(1 - xhat[j]);
				sse += (x[i][j] - xhat[j]) * (x[i][j] - xhat[j]);
			}
			double kl = 0;
			for (int k = 0; k < mu[i].length; k++) {
				kl += 0.5 * (mu[i][k] * mu[i][k] + sigma[k] * sigma[k] - 1 - 2 * Math.log(sigma[k]));
			}
			JsonNode result = loss.get("results").get(i);
			assertThat(result.at("/at_mean/bce").asDouble()).isCloseTo(bce,
					org.assertj.core.data.Offset.offset(1e-9 * bce));
			assertThat(result.at("/at_mean/sse").asDouble()).isCloseTo(sse,
					org.assertj.core.data.Offset.offset(1e-9 * sse));
			assertThat(result.at("/kl/total").asDouble()).isCloseTo(kl, org.assertj.core.data.Offset.offset(1e-9 * kl));
			assertThat(result.at("/at_mean/elbo/model").asDouble())
				.isEqualTo(-(result.at("/at_mean/bce").asDouble() + result.at("/kl/total").asDouble()));
		}
	}

	@Test
	void lossRefusesOutOfRangeInputsUnlessOnlyGaussianTermsAreAsked() {
		double[] x = new double[784];
		x[3] = 1.5;
		HttpFixture.Answer refused = this.http.post("/loss", Map.of("inputs", new double[][] { x }));
		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.body().get("field").asText()).isEqualTo("inputs[0][3]");
		HttpFixture.Answer gaussian = this.http.post("/loss",
				Map.of("inputs", new double[][] { x }, "terms", "gaussian"));
		assertThat(gaussian.status()).isEqualTo(200);
		assertThat(gaussian.body().at("/results/0/at_mean/bce").isMissingNode()).isTrue();
		assertThat(gaussian.body().at("/results/0/at_mean/mse").asDouble()).isPositive();
	}

	private static double centroid(double[] image, int axis) {
		double sum = 0;
		double weighted = 0;
		for (int j = 0; j < image.length; j++) {
			sum += image[j];
			weighted += image[j] * ((axis == 0) ? j % Shapes.SIZE : j / Shapes.SIZE);
		}
		return weighted / sum;
	}

	@Test
	void binaryFloat32BodiesAnswerAsTheirJson() {
		double[][] x = heldOut(20, 3);
		java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(4 * 3 * 784).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		for (double[] row : x) {
			for (double v : row) {
				body.putFloat((float) v);
			}
		}
		// the float32 values exactly, as JSON numbers
		double[][] asFloats = new double[3][784];
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 784; j++) {
				asFloats[i][j] = (float) x[i][j];
			}
		}
		JsonNode binary = this.http.postBytes("/encode?shape=3,784", body.array(), "application/octet-stream").body();
		JsonNode json = this.http.post("/encode", Map.of("inputs", asFloats)).body();
		assertThat(binary.get("results")).isEqualTo(json.get("results"));
		java.nio.ByteBuffer z = java.nio.ByteBuffer.allocate(4 * 20).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		for (int k = 0; k < 20; k++) {
			z.putFloat(k / 10f - 1);
		}
		double[] zs = new double[20];
		for (int k = 0; k < 20; k++) {
			zs[k] = k / 10f - 1;
		}
		assertThat(this.http.postBytes("/decode", z.array(), "application/octet-stream").body().get("results"))
			.isEqualTo(this.http.post("/decode", Map.of("z", new double[][] { zs })).body().get("results"));
		HttpFixture.Answer ragged = this.http.postBytes("/encode", new byte[4 * 784 + 2], "application/octet-stream");
		assertThat(ragged.status()).isEqualTo(400);
		assertThat(ragged.body().get("detail").asText()).contains("3138 bytes", "3136 bytes");
		HttpFixture.Answer shape = this.http.postBytes("/encode?shape=2,784", body.array(), "application/octet-stream");
		assertThat(shape.status()).isEqualTo(400);
		assertThat(shape.body().get("field").asText()).isEqualTo("shape");
	}

}
