package dev.vae.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;
import dev.vae.data.Shapes;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static dev.vae.HttpFixture.doubles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Open Inference Protocol endpoints driven with requests written from the protocol's
 * specification (KServe V2 REST: server and model metadata/health, tensor JSON with
 * row-major data), health probes and Prometheus metrics.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
@org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability
class ServingTests {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	private String text(String path) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
	}

	@Test
	void serverAndModelMetadataAndHealthHaveTheProtocolsShapes() {
		HttpFixture http = new HttpFixture(this.port);
		JsonNode server = http.get("/v2").body();
		assertThat(server.get("name").isTextual()).isTrue();
		assertThat(server.get("version").isTextual()).isTrue();
		assertThat(server.get("extensions").isArray()).isTrue();
		assertThat(http.get("/v2/health/live").body().get("live").asBoolean()).isTrue();
		assertThat(http.get("/v2/health/ready").body().get("ready").asBoolean()).isTrue();

		JsonNode model = http.get("/v2/models/vae").body();
		assertThat(model.get("name").asText()).isEqualTo("vae");
		assertThat(model.get("versions")).anyMatch((v) -> v.asText().equals("default"));
		assertThat(model.get("platform").isTextual()).isTrue();
		JsonNode input = model.at("/inputs/0");
		assertThat(input.get("name").asText()).isEqualTo("x");
		assertThat(input.get("datatype").asText()).isEqualTo("FP32");
		assertThat(input.get("shape").toString()).isEqualTo("[-1,784]");
		assertThat(model.get("outputs"))
			.anyMatch((o) -> o.get("name").asText().equals("mu") && o.get("shape").toString().equals("[-1,20]"));
		assertThat(http.get("/v2/models/vae/versions/default").body().get("name").asText()).isEqualTo("vae");
		JsonNode ready = http.get("/v2/models/vae/versions/default/ready").body();
		assertThat(ready.get("name").asText()).isEqualTo("vae");
		assertThat(ready.get("ready").asBoolean()).isTrue();
		assertThat(http.get("/v2/models/default/ready").body().get("ready").asBoolean()).isTrue();

		HttpFixture.Answer unknown = http.get("/v2/models/nope");
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(unknown.body().get("error").asText()).contains("nope");
		assertThat(http.get("/v2/models/vae/versions/m-none/ready").status()).isEqualTo(404);
	}

	@Test
	void inferTakesRowMajorTensorsAndAnswersTheChosenOutputs() {
		HttpFixture http = new HttpFixture(this.port);
		double[][] x = { Shapes.generate(1, 22_000, 1).examples().row(0),
				Shapes.generate(1, 22_001, 1).examples().row(0) };
		List<Double> data = new ArrayList<>();
		for (double[] row : x) {
			for (double v : row) {
				data.add(v);
			}
		}
		Map<String, Object> request = Map.of("id", "42", "inputs",
				List.of(Map.of("name", "x", "shape", List.of(2, 784), "datatype", "FP32", "data", data)), "outputs",
				List.of(Map.of("name", "mu"), Map.of("name", "kl"), Map.of("name", "reconstruction")));
		HttpFixture.Answer answer = http.post("/v2/models/vae/infer", request);
		assertThat(answer.status()).isEqualTo(200);
		JsonNode response = answer.body();
		assertThat(response.get("model_name").asText()).isEqualTo("vae");
		assertThat(response.get("model_version").asText()).isEqualTo("default");
		assertThat(response.get("id").asText()).isEqualTo("42");
		JsonNode outputs = response.get("outputs");
		assertThat(outputs).hasSize(3);
		JsonNode mu = outputs.get(0);
		assertThat(mu.get("name").asText()).isEqualTo("mu");
		assertThat(mu.get("datatype").asText()).isEqualTo("FP32");
		assertThat(mu.get("shape").toString()).isEqualTo("[2,20]");
		assertThat(mu.get("data")).hasSize(40);
		assertThat(outputs.get(1).get("shape").toString()).isEqualTo("[2]");
		assertThat(outputs.get(2).get("shape").toString()).isEqualTo("[2,784]");

		// the same numbers as the service's own endpoints (which may batch: float32
		// rounding)
		JsonNode encoded = http.post("/encode", Map.of("inputs", x)).body();
		JsonNode loss = http.post("/loss", Map.of("inputs", x)).body();
		double[] flatMu = doubles(mu.get("data"));
		for (int i = 0; i < 2; i++) {
			double[] ours = doubles(encoded.at("/results/" + i + "/mu"));
			for (int k = 0; k < 20; k++) {
				assertThat(flatMu[i * 20 + k]).isCloseTo(ours[k], within(1e-5));
			}
			assertThat(outputs.get(1).get("data").get(i).asDouble())
				.isCloseTo(loss.at("/results/" + i + "/kl/total").asDouble(), within(1e-4));
		}

		// nested data is row-major too; versions address the registry
		Map<String, Object> nested = Map.of("inputs", List
			.of(Map.of("name", "input-0", "shape", List.of(1, 784), "datatype", "FP64", "data", List.of(x[0]))));
		JsonNode defaults = http.post("/v2/models/vae/versions/default/infer", nested).body();
		assertThat(defaults.get("outputs")).hasSize(2);
		assertThat(defaults.at("/outputs/1/name").asText()).isEqualTo("logvar");
	}

	@Test
	void theBinaryTensorExtensionCarriesTheSameNumbers() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		double[][] x = { Shapes.generate(1, 22_002, 1).examples().row(0),
				Shapes.generate(1, 22_003, 1).examples().row(0) };
		java.nio.ByteBuffer data = java.nio.ByteBuffer.allocate(2 * 784 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
		for (double[] row : x) {
			for (double v : row) {
				data.putFloat((float) v);
			}
		}
		byte[] header = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(Map.of("inputs",
				List.of(Map.of("name", "x", "shape", List.of(2, 784), "datatype", "FP32", "parameters",
						Map.of("binary_data_size", data.capacity()))),
				"outputs",
				List.of(Map.of("name", "mu", "parameters", Map.of("binary_data", true)), Map.of("name", "kl"))));
		byte[] body = new byte[header.length + data.capacity()];
		System.arraycopy(header, 0, body, 0, header.length);
		System.arraycopy(data.array(), 0, body, header.length, data.capacity());
		java.net.http.HttpResponse<byte[]> response = java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + "/v2/models/vae/infer"))
				.header("Content-Type", "application/octet-stream")
				.header("Inference-Header-Content-Length", String.valueOf(header.length))
				.POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
				.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
		int length = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
		JsonNode described = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body(), 0, length);
		assertThat(described.at("/outputs/0/parameters/binary_data_size").asInt()).isEqualTo(2 * 20 * 4);
		assertThat(described.at("/outputs/0/data").isMissingNode()).isTrue();
		assertThat(described.at("/outputs/1/parameters/binary_data_size").asInt()).isEqualTo(2 * 8);
		java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(response.body(), length, response.body().length - length)
			.order(java.nio.ByteOrder.LITTLE_ENDIAN);
		JsonNode json = http
			.post("/v2/models/vae/infer", Map.of("inputs", List.of(Map.of("name", "x", "shape", List.of(2, 784),
					"datatype", "FP32", "data", List.of(floats(x[0]), floats(x[1]))))))
			.body();
		double[] mu = doubles(json.at("/outputs/0/data"));
		for (int i = 0; i < 40; i++) {
			assertThat(out.getFloat()).isEqualTo((float) mu[i]);
		}
		assertThat(out.getDouble()).isPositive();
		// a size that lies is a protocol error
		byte[] lying = body.clone();
		assertThat(java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + "/v2/models/vae/infer"))
				.header("Content-Type", "application/octet-stream")
				.header("Inference-Header-Content-Length", String.valueOf(header.length))
				.POST(java.net.http.HttpRequest.BodyPublishers
					.ofByteArray(java.util.Arrays.copyOf(lying, body.length - 4)))
				.build(), java.net.http.HttpResponse.BodyHandlers.ofString())
			.statusCode()).isEqualTo(400);
	}

	private static double[] floats(double[] row) {
		double[] out = new double[row.length];
		for (int i = 0; i < row.length; i++) {
			out[i] = (float) row[i];
		}
		return out;
	}

	@Test
	void protocolErrorsAreErrorObjectsWithA4xx() {
		HttpFixture http = new HttpFixture(this.port);
		Map<String, Object> wrongShape = Map.of("inputs",
				List.of(Map.of("name", "x", "shape", List.of(1, 10), "datatype", "FP32", "data", new double[10])));
		HttpFixture.Answer shape = http.post("/v2/models/vae/infer", wrongShape);
		assertThat(shape.status()).isEqualTo(400);
		assertThat(shape.body().get("error").asText()).contains("[batch, 784]");
		Map<String, Object> shortData = Map.of("inputs",
				List.of(Map.of("name", "x", "shape", List.of(2, 784), "datatype", "FP32", "data", new double[784])));
		assertThat(http.post("/v2/models/vae/infer", shortData).body().get("error").asText()).contains("needs 1568");
		Map<String, Object> badOutput = Map.of("inputs",
				List.of(Map.of("name", "x", "shape", List.of(1, 784), "datatype", "FP32", "data", new double[784])),
				"outputs", List.of(Map.of("name", "nonsense")));
		assertThat(http.post("/v2/models/vae/infer", badOutput).status()).isEqualTo(400);
		Map<String, Object> ints = Map.of("inputs",
				List.of(Map.of("name", "x", "shape", List.of(1, 784), "datatype", "INT8", "data", new int[784])));
		assertThat(http.post("/v2/models/vae/infer", ints).body().get("error").asText()).contains("FP32 or FP64");
		assertThat(http.post("/v2/models/nope/infer", badOutput).status()).isEqualTo(404);
		assertThat(http.post("/v2/models/vae/infer", "{not json").body().has("error")).isTrue();
	}

	@Test
	void probesAndPrometheusMetricsAfterRequestsAndATrainingJob() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		assertThat(http.get("/actuator/health/liveness").body().get("status").asText()).isEqualTo("UP");
		JsonNode readiness = http.get("/actuator/health/readiness").body();
		assertThat(readiness.get("status").asText()).isEqualTo("UP");
		for (int i = 0; i < 5; i++) {
			http.post("/encode", Map.of("inputs", new double[][] { new double[784] }));
		}
		String dataset = http.post("/datasets/shapes", Map.of("count", 2000, "seed", 3)).body().get("id").asText();
		String job = http
			.post("/jobs", Map.of("dataset", dataset, "hidden", List.of(64), "latentSize", 4, "epochs", 200))
			.body()
			.get("id")
			.asText();
		String during = "";
		for (int i = 0; i < 300 && !during.contains("vae_job_loss{job=\"" + job + "\"} 1"); i++) {
			Thread.sleep(100);
			during = text("/actuator/prometheus");
			if (during.contains("vae_job_loss{job=\"" + job + "\"}")
					&& !during.contains("vae_job_loss{job=\"" + job + "\"} NaN")) {
				break;
			}
		}
		assertThat(during).contains("vae_job_progress{job=\"" + job + "\"}");
		assertThat(during).contains("vae_job_loss{job=\"" + job + "\"}");
		assertThat(during).contains("vae_jobs{status=\"RUNNING\"} 1");
		http.delete("/jobs/" + job);

		String metrics = text("/actuator/prometheus");
		assertThat(metrics)
			.containsPattern("vae_requests_seconds_count\\{[^}]*endpoint=\"/encode\"[^}]*model=\"default\"");
		assertThat(metrics).contains("vae_requests_seconds_bucket");
		assertThat(metrics).contains("vae_batch_rows_count").contains("vae_batch_wait_seconds_count");
		assertThat(metrics).contains("vae_jobs{status=\"CANCELLED\"} 1");
		assertThat(metrics).contains("vae_model_load_seconds_count");
		assertThat(metrics).doesNotContain("vae_job_progress{job=\"" + job + "\"}");
	}

}
