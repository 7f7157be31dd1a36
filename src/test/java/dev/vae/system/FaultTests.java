package dev.vae.system;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Storage faults: a checkpoint that cannot be written, a stored checkpoint that was
 * corrupted.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
class FaultTests {

	static final Path STORAGE = Path.of(TestStorage.newDirectory());

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", STORAGE::toString);
	}

	private JsonNode waitFor(HttpFixture http, String job) throws InterruptedException {
		JsonNode view = http.get("/jobs/" + job).body();
		for (int i = 0; i < 600 && List.of("QUEUED", "RUNNING").contains(view.get("status").asText()); i++) {
			Thread.sleep(100);
			view = http.get("/jobs/" + job).body();
		}
		return view;
	}

	@Test
	void aCheckpointThatCannotBeWrittenFailsTheJobAndKeepsTheActiveModel() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		List<JsonNode> before = list(http.get("/models").body());
		String dataset = http.post("/datasets/shapes", Map.of("count", 200, "seed", 1)).body().get("id").asText();
		// the jobs directory cannot be created: a file stands where it belongs
		Path jobs = STORAGE.resolve("jobs");
		Files.createDirectories(STORAGE);
		Files.deleteIfExists(jobs);
		Files.writeString(jobs, "in the way");
		try {
			String job = http
				.post("/jobs", Map.of("dataset", dataset, "hidden", List.of(16), "latentSize", 2, "epochs", 2))
				.body()
				.get("id")
				.asText();
			JsonNode view = waitFor(http, job);
			assertThat(view.get("status").asText()).isEqualTo("FAILED");
			assertThat(view.get("error").asText()).contains("training checkpoint after epoch 1 failed");
			assertThat(view.has("model")).isFalse();
		}
		finally {
			Files.delete(jobs);
		}
		assertThat(list(http.get("/models").body())).isEqualTo(before);
		assertThat(http.get("/model").body().get("id").asText()).isEqualTo("default");
		assertThat(http.post("/encode", Map.of("inputs", new double[][] { new double[784] })).status()).isEqualTo(200);
	}

	@Test
	void aCorruptedStoredCheckpointIsReportedAndHarmsNothingElse() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		byte[] checkpoint = http.bytes("/models/default/checkpoint");
		String truncated = http.postBytes("/models", checkpoint, "application/octet-stream").body().get("id").asText();
		String flipped = http.postBytes("/models", checkpoint, "application/octet-stream").body().get("id").asText();
		Path truncatedFile = STORAGE.resolve("models").resolve(truncated + ".vae");
		Files.write(truncatedFile, java.util.Arrays.copyOf(checkpoint, checkpoint.length / 3));
		Path flippedFile = STORAGE.resolve("models").resolve(flipped + ".vae");
		byte[] bits = checkpoint.clone();
		bits[bits.length / 2] ^= 0x10;
		Files.write(flippedFile, bits);

		for (String id : List.of(truncated, flipped)) {
			HttpFixture.Answer answer = http.post("/models/" + id + "/activate", "");
			assertThat(answer.status()).as(id).isEqualTo(422);
			assertThat(answer.body().get("type").asText()).isEqualTo("/problems/invalid-checkpoint");
			assertThat(answer.body().get("detail").asText()).contains(id + ".vae");
			HttpFixture.Answer addressed = http.post("/encode",
					Map.of("inputs", new double[][] { new double[784] }, "model", id));
			assertThat(addressed.status()).isEqualTo(422);
		}
		assertThat(http.get("/model").body().get("id").asText()).isEqualTo("default");
		assertThat(http.post("/encode", Map.of("inputs", new double[][] { new double[784] })).status()).isEqualTo(200);
		assertThat(list(http.get("/models").body()).stream().map((m) -> m.get("id").asText())).contains("default",
				truncated, flipped);
		assertThat(http.delete("/models/" + truncated).status()).isEqualTo(204);
		assertThat(http.delete("/models/" + flipped).status()).isEqualTo(204);
	}

	private static List<JsonNode> list(JsonNode array) {
		return java.util.stream.StreamSupport.stream(array.spliterator(), false).toList();
	}

}
