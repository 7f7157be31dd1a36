package dev.vae.training;

import dev.vae.HttpFixture;
import dev.vae.TestStorage;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without {@code vae.spark.master}, a Spark job is a 400 problem that says what to set.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
class SparkEngineOffTests {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	@Test
	void aSparkJobIsRefusedWithAProblemNamingTheSetting() {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = http.post("/datasets/shapes", Map.of("count", 10, "seed", 1)).body().get("id").asText();

		HttpFixture.Answer refused = http.post("/jobs", Map.of("dataset", dataset, "engine", "spark"));

		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.body().get("type").asText()).isEqualTo("/problems/invalid-input");
		assertThat(refused.body().get("field").asText()).isEqualTo("engine");
		assertThat(refused.body().get("detail").asText()).contains("vae.spark.master is not set");
		assertThat(http.get("/jobs").body().toString()).doesNotContain(dataset);
	}

}
