package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Anomaly scores end to end on the real service: a job with a shape class held out stores
 * its model's reference and reports detection quality, /score and KServe V2 read
 * percentiles against it, /models/{id}/calibrate replaces it, and refused requests leave
 * it as it was.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "server.address=127.0.0.1" })
class AnomalyIntegrationTests {

	@LocalServerPort
	int port;

	HttpFixture http;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	@BeforeEach
	void client() {
		this.http = new HttpFixture(this.port);
	}

	private JsonNode waitFor(String job) throws InterruptedException {
		for (int i = 0; i < 1200; i++) {
			JsonNode view = this.http.get("/jobs/" + job).body();
			if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(view.get("status").asText())) {
				return view;
			}
			Thread.sleep(100);
		}
		throw new AssertionError("job " + job + " never finished");
	}

	@Test
	void aJobWithAClassHeldOutCalibratesItsModelAndMeasuresDetection() throws Exception {
		String dataset = this.http.post("/datasets/shapes", Map.of("count", 800, "seed", 3)).body().get("id").asText();
		// refused: a label the dataset does not hold, an FPR outside (0, 1), k over the
		// limit
		assertThat(this.http.post("/jobs", Map.of("dataset", dataset, "holdOutClasses", List.of(7)))
			.body()
			.get("field")
			.asText()).isEqualTo("holdOutClasses");
		assertThat(this.http.post("/jobs", Map.of("dataset", dataset, "anomalyFpr", 1.0)).status()).isEqualTo(400);
		assertThat(this.http.post("/jobs", Map.of("dataset", dataset, "anomalyK", 5000)).status()).isEqualTo(400);

		HttpFixture.Answer submitted = this.http.post("/jobs",
				Map.of("dataset", dataset, "hidden", List.of(64), "latentSize", 4, "epochs", 3, "batchSize", 50, "seed",
						5, "holdOutClasses", List.of(2), "anomalyK", 16, "anomalyFpr", 0.05));
		assertThat(submitted.status()).isEqualTo(202);
		JsonNode job = waitFor(submitted.body().get("id").asText());
		assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
		JsonNode anomaly = job.get("anomaly");
		assertThat(anomaly.has("error")).as(anomaly.toString()).isFalse();
		assertThat(anomaly.get("k").asInt()).isEqualTo(16);
		assertThat(anomaly.get("fpr").asDouble()).isEqualTo(0.05);
		assertThat(anomaly.get("holdOutClasses")).hasSize(1);
		// about a quarter of 800 are triangles; the validation split is 10% of the rest
		int anomalies = anomaly.get("anomalies").asInt();
		int reference = anomaly.get("referenceCount").asInt();
		assertThat(anomalies).isBetween(150, 250);
		assertThat(reference).isEqualTo((int) Math.round((800 - anomalies) * 0.1));
		for (String score : new String[] { "negLogLikelihood", "negElbo", "reconstructionMse" }) {
			JsonNode d = anomaly.get(score);
			assertThat(d.get("auroc").asDouble()).as(score).isBetween(0.0, 1.0);
			assertThat(d.get("tpr").asDouble()).as(score).isBetween(0.0, 1.0);
			assertThat(d.get("realisedFpr").asDouble()).as(score).isLessThanOrEqualTo(0.05);
		}

		String model = job.get("model").asText();
		JsonNode detail = this.http.get("/models/" + model).body().get("anomaly");
		assertThat(detail.get("calibrated").asBoolean()).isTrue();
		assertThat(detail.get("count").asInt()).isEqualTo(reference);
		assertThat(detail.get("quantiles").get("p50").asDouble()).isEqualTo(anomaly.get("referenceMedian").asDouble());

		double[] x = new double[784];
		JsonNode scored = this.http
			.post("/score", Map.of("inputs", new double[][] { x }, "model", model, "k", 16, "seed", 1, "fpr", 0.05))
			.body();
		JsonNode r = scored.get("results").get(0);
		assertThat(r.get("percentile").asDouble()).isBetween(0.0, 100.0);
		assertThat(scored.get("threshold").asDouble()).isEqualTo(anomaly.get("referenceThreshold").asDouble());
		assertThat(r.get("anomalous").asBoolean())
			.isEqualTo(r.get("score").get("value").asDouble() > scored.get("threshold").asDouble());

		// KServe V2 gives the same score for the same seed and k
		JsonNode v2 = this.http.post("/v2/models/" + model + "/infer",
				Map.of("inputs", List.of(Map.of("name", "x", "shape", List.of(1, 784), "datatype", "FP32", "data", x)),
						"outputs", List.of(Map.of("name", "anomaly_score"), Map.of("name", "anomaly_percentile")),
						"parameters", Map.of("k", 16, "seed", 1)))
			.body();
		assertThat(v2.get("outputs").get(0).get("data").get(0).asDouble())
			.isEqualTo(r.get("score").get("value").asDouble());
		assertThat(v2.get("outputs").get(1).get("data").get(0).asDouble()).isEqualTo(r.get("percentile").asDouble());

		// refused calibrations and scores change nothing stored
		assertThat(this.http.post("/models/" + model + "/calibrate", Map.of("dataset", dataset, "k", 5000)).status())
			.isEqualTo(400);
		assertThat(this.http.post("/models/" + model + "/calibrate", Map.of("dataset", "d-nope")).status())
			.isEqualTo(400);
		assertThat(
				this.http.post("/score", Map.of("inputs", new double[][] { x }, "model", model, "fpr", 1.5)).status())
			.isEqualTo(400);
		assertThat(this.http.get("/models/" + model).body().get("anomaly")).isEqualTo(detail);

		// calibrating again on a dataset replaces the reference
		JsonNode calibrated = this.http
			.post("/models/" + model + "/calibrate", Map.of("dataset", dataset, "k", 8, "limit", 60, "seed", 2))
			.body();
		assertThat(calibrated.get("count").asInt()).isEqualTo(60);
		JsonNode replaced = this.http.get("/models/" + model).body().get("anomaly");
		assertThat(replaced.get("count").asInt()).isEqualTo(60);
		assertThat(replaced.get("k").asInt()).isEqualTo(8);
		assertThat(replaced.get("quantiles")).isEqualTo(calibrated.get("quantiles"));

		// the built-in default has none until it is calibrated
		assertThat(this.http.get("/models/default").body().get("anomaly").get("calibrated").asBoolean()).isFalse();
		JsonNode raw = this.http.post("/score", Map.of("inputs", new double[][] { x }, "k", 4)).body();
		assertThat(raw.get("calibration").get("calibrated").asBoolean()).isFalse();
		assertThat(raw.get("results").get(0).has("percentile")).isFalse();
	}

}
