package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replica with {@code vae.jobs.claim=false} queues jobs for the others and trains none
 * itself.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.jobs.claim=false", "vae.jobs.poll-interval=100ms" })
class InferenceOnlyReplicaTests {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	@Test
	void itQueuesJobsAndTrainsNone() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = http.post("/datasets/shapes", Map.of("count", 100, "seed", 1)).body().get("id").asText();
		JsonNode job = http
			.post("/jobs", Map.of("dataset", dataset, "hidden", List.of(8), "latentSize", 2, "epochs", 1))
			.body();
		assertThat(job.get("status").asText()).isEqualTo("QUEUED");
		// ten poll rounds later it is still waiting for a replica that trains
		Thread.sleep(1000);
		String id = job.get("id").asText();
		assertThat(http.get("/jobs/" + id).body().get("status").asText()).isEqualTo("QUEUED");
		assertThat(http.delete("/jobs/" + id).body().get("status").asText()).isEqualTo("CANCELLED");
	}

}
