package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static dev.vae.JobFixtures.assertSameParameters;
import static dev.vae.JobFixtures.parameters;
import static dev.vae.JobFixtures.waitFor;
import static dev.vae.JobFixtures.waitForStep;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pause and resume over real HTTP: a job paused mid-epoch keeps a training checkpoint,
 * and resumed it ends with exactly the parameters and epoch figures of the same job run
 * without a pause; cancelling a paused job deletes its checkpoint.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.jobs.checkpoint-interval=7" })
class ResumableJobsTests {

	@LocalServerPort
	int port;

	private static final Path STORAGE = Path.of(TestStorage.newDirectory());

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", STORAGE::toString);
	}

	private Map<String, Object> spec(String dataset) {
		return Map.of("dataset", dataset, "hidden", List.of(64), "latentSize", 4, "epochs", 30, "batchSize", 50, "seed",
				11);
	}

	@Test
	void aJobPausedMidEpochAndResumedEndsAsIfNeverPaused() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = http.post("/datasets/shapes", Map.of("count", 1000, "seed", 5)).body().get("id").asText();
		JsonNode whole = waitFor(http, http.post("/jobs", spec(dataset)).body().get("id").asText(), "SUCCEEDED", 120);

		String id = http.post("/jobs", spec(dataset)).body().get("id").asText();
		waitForStep(http, id, 3);
		HttpFixture.Answer paused = http.post("/jobs/" + id + "/pause", "");
		assertThat(paused.status()).isEqualTo(200);
		JsonNode view = waitFor(http, id, "PAUSED", 30);
		long step = view.at("/checkpoint/step").asLong();
		assertThat(step).isPositive().isLessThan(view.at("/progress/totalSteps").asLong());
		assertThat(view.has("model")).isFalse();
		// a paused job is not running: resuming twice or pausing again is a conflict, as
		// is resuming a finished one
		assertThat(http.post("/jobs/" + id + "/pause", "").status()).isEqualTo(409);
		assertThat(http.post("/jobs/" + whole.get("id").asText() + "/resume", "").body().get("detail").asText())
			.contains("only paused jobs can be resumed");

		java.util.concurrent.ExecutorService follower = java.util.concurrent.Executors.newSingleThreadExecutor();
		java.util.concurrent.Future<List<String>> events = follower
			.submit(() -> http.eventLines("/jobs/" + id + "/events", 1_000_000));
		Thread.sleep(500);
		assertThat(http.post("/jobs/" + id + "/resume", "").status()).isEqualTo(200);
		JsonNode done = waitFor(http, id, "SUCCEEDED", 120);
		List<String> lines = events.get(60, java.util.concurrent.TimeUnit.SECONDS);
		follower.shutdownNow();
		int resumed = lines.indexOf("event:resumed");
		assertThat(resumed).as("a resumed event in %s", lines.subList(0, Math.min(10, lines.size()))).isNotNegative();
		assertThat(lines.get(resumed + 1)).startsWith("data:")
			.contains("\"summary\":\"resumed from epoch ")
			.contains("/ step " + step + "\"");
		assertThat(done.at("/resumedFrom/step").asLong()).isEqualTo(step);
		assertThat(done.at("/resumedFrom/reason").asText()).isEqualTo("paused by a client");
		assertThat(done.at("/resumedFrom/summary").asText())
			.isEqualTo("resumed from epoch " + done.at("/resumedFrom/epoch").asInt() + " / step " + step);
		assertSameParameters(parameters(http, done.get("model").asText()),
				parameters(http, whole.get("model").asText()));
		assertThat(done.get("epochs")).hasSize(30);
		for (int e = 0; e < 30; e++) {
			assertThat(done.at("/epochs/" + e + "/validationNegElbo").asDouble())
				.isEqualTo(whole.at("/epochs/" + e + "/validationNegElbo").asDouble());
		}
		assertThat(done.has("checkpoint")).isFalse();
		assertThat(trainingCheckpoints()).isEmpty();
	}

	@Test
	void cancellingAPausedJobDeletesItsTrainingCheckpoint() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = http.post("/datasets/shapes", Map.of("count", 1000, "seed", 6)).body().get("id").asText();
		String id = http.post("/jobs", spec(dataset)).body().get("id").asText();
		waitForStep(http, id, 3);
		http.post("/jobs/" + id + "/pause", "");
		waitFor(http, id, "PAUSED", 30);
		assertThat(trainingCheckpoints()).hasSize(1);
		assertThat(http.get("/jobs?status=PAUSED").body().get("total").asLong()).isEqualTo(1);
		assertThat(http.delete("/jobs/" + id).body().get("status").asText()).isEqualTo("CANCELLED");
		assertThat(trainingCheckpoints()).isEmpty();
		assertThat(http.post("/jobs/" + id + "/resume", "").status()).isEqualTo(409);
	}

	@Test
	void pausingAnUnknownJobIsNotFound() {
		HttpFixture http = new HttpFixture(this.port);
		HttpFixture.Answer answer = http.post("/jobs/no-such-job/pause", "");
		assertThat(answer.status()).isEqualTo(404);
		assertThat(answer.body().get("detail").asText()).contains("no-such-job");
	}

	private List<Path> trainingCheckpoints() throws java.io.IOException {
		Path dir = STORAGE.resolve("training");
		if (!Files.exists(dir)) {
			return List.of();
		}
		try (Stream<Path> files = Files.walk(dir)) {
			return files.filter(Files::isRegularFile).toList();
		}
	}

}
