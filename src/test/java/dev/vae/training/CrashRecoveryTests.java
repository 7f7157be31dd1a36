package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.JobFixtures;
import dev.vae.ServiceProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills the service with SIGKILL in the middle of a training job and starts it again on
 * the same storage: the job continues from its last training checkpoint and ends with the
 * parameters of the same job run without a crash; the registry and the active model are
 * intact, and no half-written file is visible. The service runs as a separate JVM so that
 * the kill is real.
 */
class CrashRecoveryTests {

	@TempDir
	Path storage;

	private ServiceProcess start(int port) throws IOException, InterruptedException {
		return ServiceProcess.start(this.storage, port, List.of(), "--logging.level.root=WARN",
				"--vae.jobs.checkpoint-interval=10");
	}

	@Test
	void aJobKilledMidEpochResumesAfterTheRestartAndEndsAsAnUninterruptedRun() throws Exception {
		int port = ServiceProcess.freePort();
		HttpFixture http = new HttpFixture(port);
		ServiceProcess first = start(port);
		String job;
		String dataset;
		List<String> modelsBefore;
		long killedAfter;
		// 2,700 training examples: 27 minibatches an epoch, a checkpoint every 10 and at
		// each epoch's end
		Map<String, Object> spec;
		try {
			// a model of our own, active before the crash
			byte[] checkpoint = http.bytes("/models/default/checkpoint");
			String uploaded = http.postBytes("/models", checkpoint, "application/octet-stream")
				.body()
				.get("id")
				.asText();
			assertThat(http.post("/models/" + uploaded + "/activate", "").status()).isEqualTo(200);
			dataset = http.post("/datasets/shapes", Map.of("count", 3000, "seed", 2)).body().get("id").asText();
			spec = Map.of("dataset", dataset, "hidden", List.of(64), "latentSize", 8, "epochs", 8, "seed", 3);
			job = http.post("/jobs", spec).body().get("id").asText();
			JsonNode view;
			do {
				Thread.sleep(20);
				view = http.get("/jobs/" + job).body();
			}
			// a checkpoint saved within an epoch, after the first
			while (view.at("/checkpoint/step").asLong() <= 27 || view.at("/checkpoint/step").asLong() % 27 == 0);
			assertThat(view.get("status").asText()).isEqualTo("RUNNING");
			killedAfter = view.at("/checkpoint/step").asLong();
			modelsBefore = ids(http.get("/models").body());
		}
		finally {
			first.kill();
		}

		ServiceProcess second = start(port);
		try {
			JsonNode done = JobFixtures.waitFor(http, job, "SUCCEEDED", 300);
			assertThat(done.at("/resumedFrom/reason").asText()).isEqualTo("interrupted by restart");
			assertThat(done.at("/resumedFrom/step").asLong()).isGreaterThanOrEqualTo(killedAfter);
			assertThat(done.get("epochs")).hasSize(8);
			// the same job, never interrupted
			String again = http.post("/jobs", spec).body().get("id").asText();
			JsonNode whole = JobFixtures.waitFor(http, again, "SUCCEEDED", 300);
			JobFixtures.assertSameParameters(JobFixtures.parameters(http, done.get("model").asText()),
					JobFixtures.parameters(http, whole.get("model").asText()));
			List<String> expected = new java.util.ArrayList<>(modelsBefore);
			expected.add(done.get("model").asText());
			expected.add(whole.get("model").asText());
			assertThat(ids(http.get("/models").body())).containsExactlyInAnyOrderElementsOf(expected);
			JsonNode active = http.get("/model").body();
			assertThat(active.get("id").asText()).isNotEqualTo("default");
			double[] x = dev.vae.data.Shapes.generate(1, 0, 1).examples().row(0);
			assertThat(http.post("/encode", Map.of("inputs", new double[][] { x })).status()).isEqualTo(200);
			try (Stream<Path> files = Files.list(this.storage.resolve("models"))) {
				assertThat(files.map((p) -> p.getFileName().toString())).allMatch((n) -> n.endsWith(".vae"))
					.noneMatch((n) -> n.startsWith("."));
			}
			try (Stream<Path> files = Files.walk(this.storage.resolve("training"))) {
				assertThat(files.filter(Files::isRegularFile)).isEmpty();
			}
		}
		finally {
			second.close();
		}
	}

	@Test
	void aServiceStoppedNormallySavesItsJobAndContinuesItAfterTheRestart() throws Exception {
		int port = ServiceProcess.freePort();
		HttpFixture http = new HttpFixture(port);
		ServiceProcess first = start(port);
		String job;
		JsonNode stopped;
		try {
			String dataset = http.post("/datasets/shapes", Map.of("count", 3000, "seed", 2)).body().get("id").asText();
			job = http
				.post("/jobs",
						Map.of("dataset", dataset, "hidden", List.of(64), "latentSize", 8, "epochs", 8, "seed", 3))
				.body()
				.get("id")
				.asText();
			JobFixtures.waitForStep(http, job, 5);
		}
		finally {
			// SIGTERM: the service saves the job where it is and puts it back in the
			// queue
			first.close();
		}
		ServiceProcess second = start(port);
		try {
			JsonNode done = JobFixtures.waitFor(http, job, "SUCCEEDED", 300);
			assertThat(done.at("/resumedFrom/reason").asText()).startsWith("replica '").endsWith("' shut down");
			assertThat(done.at("/resumedFrom/step").asLong()).isGreaterThanOrEqualTo(5);
			assertThat(done.get("epochs")).hasSize(8);
		}
		finally {
			second.close();
		}
	}

	@Test
	void aServiceKilledDuringAnUploadRestartsWithAConsistentRegistry() throws Exception {
		int port = ServiceProcess.freePort();
		HttpFixture http = new HttpFixture(port);
		ServiceProcess first = start(port);
		List<String> before;
		try {
			before = ids(http.get("/models").body());
			byte[] checkpoint = http.bytes("/models/default/checkpoint");
			// an upload whose body arrives halfway and then stalls, as over a slow link
			java.io.PipedOutputStream sender = new java.io.PipedOutputStream();
			java.io.PipedInputStream body = new java.io.PipedInputStream(sender, 1 << 16);
			java.net.http.HttpRequest request = java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/models"))
				.header("Content-Type", "application/octet-stream")
				.POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> body))
				.build();
			var upload = java.net.http.HttpClient.newHttpClient()
				.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofString());
			sender.write(checkpoint, 0, checkpoint.length / 2);
			sender.flush();
			Thread.sleep(1000);
			first.kill();
			sender.close();
			upload.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
		}
		finally {
			first.kill();
		}
		ServiceProcess second = start(port);
		try {
			assertThat(ids(http.get("/models").body())).isEqualTo(before);
			try (Stream<Path> files = Files.list(this.storage.resolve("models"))) {
				assertThat(files.map((p) -> p.getFileName().toString())).containsExactly("default.vae");
			}
			assertThat(http.post("/encode", Map.of("inputs", new double[][] { new double[784] })).status())
				.isEqualTo(200);
		}
		finally {
			second.close();
		}
	}

	private static List<String> ids(JsonNode models) {
		return java.util.stream.StreamSupport.stream(models.spliterator(), false)
			.map((m) -> m.get("id").asText())
			.sorted()
			.toList();
	}

}
