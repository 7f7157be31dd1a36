package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
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
 * the same storage: the job is FAILED with "interrupted by restart", the registry and the
 * active model are intact, and no half-written file is visible. The service runs as a
 * separate JVM so that the kill is real.
 */
class CrashRecoveryTests {

	@TempDir
	Path storage;

	private ServiceProcess start(int port) throws IOException, InterruptedException {
		return ServiceProcess.start(this.storage, port, List.of(), "--logging.level.root=WARN");
	}

	@Test
	void aKilledTrainingJobIsMarkedFailedAndNothingStoredIsLost() throws Exception {
		int port = ServiceProcess.freePort();
		HttpFixture http = new HttpFixture(port);
		ServiceProcess first = start(port);
		String job;
		List<String> modelsBefore;
		try {
			// a model of our own, active before the crash
			byte[] checkpoint = http.bytes("/models/default/checkpoint");
			String uploaded = http.postBytes("/models", checkpoint, "application/octet-stream")
				.body()
				.get("id")
				.asText();
			assertThat(http.post("/models/" + uploaded + "/activate", "").status()).isEqualTo(200);
			String dataset = http.post("/datasets/shapes", Map.of("count", 3000, "seed", 2)).body().get("id").asText();
			job = http.post("/jobs", Map.of("dataset", dataset, "hidden", List.of(128), "latentSize", 8, "epochs", 400))
				.body()
				.get("id")
				.asText();
			JsonNode view;
			do {
				Thread.sleep(100);
				view = http.get("/jobs/" + job).body();
			}
			while (view.get("epochs").size() < 1);
			assertThat(view.get("status").asText()).isEqualTo("RUNNING");
			modelsBefore = ids(http.get("/models").body());
		}
		finally {
			first.kill();
		}

		ServiceProcess second = start(port);
		try {
			JsonNode view = http.get("/jobs/" + job).body();
			assertThat(view.get("status").asText()).isEqualTo("FAILED");
			assertThat(view.get("error").asText()).isEqualTo("interrupted by restart");
			assertThat(view.get("epochs").size()).isGreaterThanOrEqualTo(1);
			assertThat(ids(http.get("/models").body())).isEqualTo(modelsBefore);
			JsonNode active = http.get("/model").body();
			assertThat(active.get("id").asText()).isNotEqualTo("default");
			double[] x = dev.vae.data.Shapes.generate(1, 0, 1).examples().row(0);
			assertThat(http.post("/encode", Map.of("inputs", new double[][] { x })).status()).isEqualTo(200);
			try (Stream<Path> files = Files.list(this.storage.resolve("models"))) {
				assertThat(files.map((p) -> p.getFileName().toString())).allMatch((n) -> n.endsWith(".vae"))
					.noneMatch((n) -> n.startsWith("."));
			}
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
