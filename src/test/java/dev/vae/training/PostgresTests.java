package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same migrations and queries on PostgreSQL, selected by configuration alone. Runs
 * where {@code VAE_TEST_POSTGRES_URL} points at a database (CI starts one with
 * {@code scripts/postgres-up.sh}).
 */
@EnabledIfEnvironmentVariable(named = "VAE_TEST_POSTGRES_URL", matches = ".+",
		disabledReason = "needs PostgreSQL: VAE_TEST_POSTGRES_URL is not set (eval \"$(scripts/postgres-up.sh)\" sets it)")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
class PostgresTests {

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@DynamicPropertySource
	static void postgres(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
		registry.add("spring.datasource.url", () -> System.getenv("VAE_TEST_POSTGRES_URL"));
		registry.add("spring.datasource.username", () -> System.getenv("VAE_TEST_POSTGRES_USER"));
		registry.add("spring.datasource.password", () -> System.getenv("VAE_TEST_POSTGRES_PASSWORD"));
	}

	@Test
	void trainsRegistersAndActivatesOnPostgres() throws InterruptedException {
		assertThat(this.jdbc.sql("SELECT version()").query(String.class).single()).startsWith("PostgreSQL");
		HttpFixture http = new HttpFixture(this.port);
		String dataset = http.post("/datasets/shapes", Map.of("count", 300, "seed", 8)).body().get("id").asText();
		String job = http.post("/jobs", Map.of("dataset", dataset, "hidden", List.of(32), "latentSize", 2, "epochs", 2))
			.body()
			.get("id")
			.asText();
		JsonNode view = http.get("/jobs/" + job).body();
		for (int i = 0; i < 600 && !view.get("status").asText().equals("SUCCEEDED"); i++) {
			assertThat(view.get("status").asText()).isIn("QUEUED", "RUNNING");
			Thread.sleep(100);
			view = http.get("/jobs/" + job).body();
		}
		assertThat(view.get("epochs")).hasSize(2);
		String model = view.get("model").asText();
		assertThat(http.post("/models/" + model + "/activate", "").status()).isEqualTo(200);
		assertThat(http.get("/jobs?status=SUCCEEDED&size=5").body().get("total").asLong()).isGreaterThanOrEqualTo(1);
		assertThat(this.jdbc.sql("SELECT model_id FROM active_model WHERE slot = 1").query(String.class).single())
			.isEqualTo(model);
		http.post("/models/default/activate", "");
	}

}
