package dev.vae.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code GET /datasets/{id}/embedding} through real HTTP with the default model, checked
 * against {@code /encode} of the same examples fetched one by one from {@code GET
 * /datasets/{id}/examples/{index}}; and {@code GET /security} without keys.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.batching.enabled=false" })
class EmbeddingIntegrationTests {

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

	@Test
	void pcaOfMuProjectsTheSameExamplesThatEncodeSees() {
		String id = this.http.post("/datasets/shapes", Map.of("count", 500, "seed", 9)).body().get("id").asText();
		JsonNode e = this.http.get("/datasets/" + id + "/embedding?n=120&seed=4").body();
		assertThat(e.get("projection").asText()).isEqualTo("pca");
		assertThat(e.get("model").asText()).isEqualTo("default");
		int n = e.get("index").size();
		assertThat(n).isEqualTo(120);
		double[][] inputs = new double[n][];
		for (int i = 0; i < n; i++) {
			JsonNode example = this.http.get("/datasets/" + id + "/examples/" + e.get("index").get(i).asInt()).body();
			inputs[i] = HttpFixture.doubles(example.get("values"));
			assertThat(e.get("label").get(i).asInt()).isEqualTo(example.get("label").asInt());
		}
		JsonNode encoded = this.http.post("/encode", Map.of("inputs", inputs)).body().get("results");
		double[][] mu = new double[n][];
		for (int i = 0; i < n; i++) {
			mu[i] = HttpFixture.doubles(encoded.get(i).get("mu"));
		}
		int k = mu[0].length;
		double[] mean = new double[k];
		for (double[] m : mu) {
			for (int j = 0; j < k; j++) {
				mean[j] += m[j] / n;
			}
		}
		double[] a1 = HttpFixture.doubles(e.get("axes").get(0).get("direction"));
		double[] a2 = HttpFixture.doubles(e.get("axes").get(1).get("direction"));
		double total = 0;
		double largestSingle = 0;
		for (int j = 0; j < k; j++) {
			double v = 0;
			for (double[] m : mu) {
				v += (m[j] - mean[j]) * (m[j] - mean[j]) / (n - 1);
			}
			total += v;
			largestSingle = Math.max(largestSingle, v);
		}
		double varX = 0;
		for (int i = 0; i < n; i++) {
			double x = 0;
			double y = 0;
			for (int j = 0; j < k; j++) {
				x += a1[j] * (mu[i][j] - mean[j]);
				y += a2[j] * (mu[i][j] - mean[j]);
			}
			// x = a₁·(μ − μ̄), y = a₂·(μ − μ̄)
			assertThat(e.get("x").get(i).asDouble()).isCloseTo(x, within(1e-9));
			assertThat(e.get("y").get(i).asDouble()).isCloseTo(y, within(1e-9));
			varX += x * x / (n - 1);
		}
		assertThat(e.get("axes").get(0).get("explained").asDouble()).isCloseTo(varX / total, within(1e-9));
		// the first principal axis carries at least as much variance as any single
		// dimension
		assertThat(varX).isGreaterThanOrEqualTo(largestSingle * (1 - 1e-12));

		JsonNode again = this.http.get("/datasets/" + id + "/embedding?n=120&seed=4").body();
		assertThat(again.get("index")).isEqualTo(e.get("index"));
		JsonNode dims = this.http.get("/datasets/" + id + "/embedding?n=120&seed=4&projection=dims").body();
		for (int i = 0; i < n; i++) {
			assertThat(dims.get("x").get(i).asDouble()).isCloseTo(mu[i][0], within(1e-12));
			assertThat(dims.get("y").get(i).asDouble()).isCloseTo(mu[i][1], within(1e-12));
		}
	}

	@Test
	void badRequestsAreProblems() {
		String id = this.http.post("/datasets/shapes", Map.of("count", 50, "seed", 2)).body().get("id").asText();
		HttpFixture.Answer tooMany = this.http.get("/datasets/" + id + "/embedding?n=5000");
		assertThat(tooMany.status()).isEqualTo(400);
		assertThat(tooMany.body().get("field").asText()).isEqualTo("n");
		assertThat(this.http.get("/datasets/" + id + "/embedding?projection=tsne").body().get("detail").asText())
			.isEqualTo("projection must be 'pca' or 'dims', was 'tsne'");
		assertThat(this.http.get("/datasets/" + id + "/examples/50").status()).isEqualTo(400);
		assertThat(this.http.get("/datasets/d-missing/embedding").status()).isEqualTo(404);
		String small = this.http.post("/datasets/shapes", Map.of("count", 10, "size", 16)).body().get("id").asText();
		JsonNode wrongSize = this.http.get("/datasets/" + small + "/embedding").body();
		assertThat(wrongSize.get("status").asInt()).isEqualTo(400);
		assertThat(wrongSize.get("detail").asText()).contains("holds images of 16×16×1 (256 values)")
			.contains("takes 784 (1×28×28)");
		// all of a dataset smaller than n
		assertThat(this.http.get("/datasets/" + id + "/embedding").body().get("index").size()).isEqualTo(50);
	}

	@Test
	void securityWithoutKeys() {
		JsonNode s = this.http.get("/security").body();
		assertThat(s.get("apiKeyRequired").asBoolean()).isFalse();
		assertThat(s.get("inferenceNeedsKey").asBoolean()).isFalse();
		assertThat(s.get("keyAccepted").asBoolean()).isFalse();
	}

}
