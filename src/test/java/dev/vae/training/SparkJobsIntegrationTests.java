package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code "engine": "spark"} jobs through the HTTP API: the service starts the Spark
 * training application as a child JVM on {@code local[2]} (the test's own class path
 * holds Spark), follows it, registers its model, and cancels it by destroying the
 * process.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.spark.master=local[2]", "vae.spark.partitions=2",
				"vae.spark.driver-memory=512MB", "vae.spark.checkpoint-every=5" })
class SparkJobsIntegrationTests {

	@LocalServerPort
	int port;

	HttpFixture http;

	@DynamicPropertySource
	static void settings(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
		registry.add("vae.spark.classpath", () -> System.getProperty("java.class.path"));
	}

	@BeforeEach
	void client() {
		this.http = new HttpFixture(this.port);
	}

	private String dataset(int count) {
		HttpFixture.Answer created = this.http.post("/datasets/shapes", Map.of("count", count, "seed", 3));
		assertThat(created.status()).isEqualTo(201);
		return created.body().get("id").asText();
	}

	private JsonNode waitFor(String job, String... statuses) throws InterruptedException {
		for (int i = 0; i < 1200; i++) {
			JsonNode view = this.http.get("/jobs/" + job).body();
			if (List.of(statuses).contains(view.get("status").asText())) {
				return view;
			}
			Thread.sleep(100);
		}
		throw new AssertionError("job " + job + " never reached " + List.of(statuses));
	}

	@Test
	void aSparkJobTrainsRegistersAndServesItsModel() throws Exception {
		String dataset = dataset(500);
		// with training options, passed to the Spark application in the spec
		Map<String, Object> spec = new java.util.HashMap<>(Map.of("dataset", dataset, "engine", "spark", "hidden",
				List.of(32), "latentSize", 4, "epochs", 2, "batchSize", 50, "seed", 5));
		spec.put("klWarmup", Map.of("steps", 12));
		spec.put("lrSchedule", Map.of("type", "step", "every", 1, "gamma", 0.5));
		spec.put("freeBits", 0.05);
		HttpFixture.Answer submitted = this.http.post("/jobs", spec);
		assertThat(submitted.status()).isEqualTo(202);
		String job = submitted.body().get("id").asText();

		// followed as local jobs are: progress and epochs as Server-Sent Events until it
		// ends
		List<String> events = this.http.eventLines("/jobs/" + job + "/events", 10_000);
		assertThat(events.stream().filter((l) -> l.equals("event:epoch"))).hasSize(2);
		assertThat(events).anyMatch((l) -> l.equals("event:progress"));
		assertThat(String.join("\n", events)).contains("\"status\":\"SUCCEEDED\"");

		JsonNode done = waitFor(job, "SUCCEEDED", "FAILED");
		assertThat(done.get("error")).as(done.toString()).isNull();
		assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
		assertThat(done.get("spec").get("engine").asText()).isEqualTo("spark");
		assertThat(done.get("epochs")).hasSize(2);
		assertThat(done.get("epochs").get(1).get("validationNegElbo").asDouble())
			.isLessThan(done.get("epochs").get(0).get("trainNegElbo").asDouble());
		assertThat(done.get("progress").get("step").asLong()).isEqualTo(done.get("progress").get("totalSteps").asLong())
			.isEqualTo(2 * 9);
		// the epoch lines carry the KL per dimension, active units, β and learning rate
		JsonNode first = done.get("epochs").get(0);
		assertThat(first.get("validationKlPerDimension")).hasSize(4);
		assertThat(first.get("activeUnits").asInt()).isBetween(0, 4);
		assertThat(first.get("beta").asDouble()).isEqualTo(8.0 / 12);
		assertThat(done.get("epochs").get(1).get("beta").asDouble()).isEqualTo(1.0);
		assertThat(done.get("epochs").get(1).get("learningRate").asDouble()).isEqualTo(0.0005);
		String model = done.get("model").asText();

		JsonNode manifest = this.http.get("/models/" + model).body();
		assertThat(manifest.toString()).contains("Spark local[2], 2 partitions");
		assertThat(manifest.at("/manifest/training/options/freeBits").asDouble()).isEqualTo(0.05);
		assertThat(manifest.at("/manifest/training/epochsRun").asInt()).isEqualTo(2);
		float[] zeros = new float[784];
		HttpFixture.Answer encoded = this.http.post("/encode", Map.of("inputs", List.of(zeros), "model", model));
		assertThat(encoded.status()).isEqualTo(200);
		assertThat(encoded.body().toString()).contains("mu");
	}

	@Test
	void cancellingASparkJobStopsItsDriverAndRegistersNothing() throws Exception {
		String dataset = dataset(300);
		long modelsBefore = this.http.get("/models").body().size();
		HttpFixture.Answer submitted = this.http.post("/jobs", Map.of("dataset", dataset, "engine", "spark", "hidden",
				List.of(16), "latentSize", 2, "epochs", 1000, "batchSize", 10));
		assertThat(submitted.status()).isEqualTo(202);
		String job = submitted.body().get("id").asText();
		for (int i = 0; i < 600
				&& this.http.get("/jobs/" + job).body().get("progress").get("step").asLong() == 0; i++) {
			Thread.sleep(100);
		}
		assertThat(this.http.get("/jobs/" + job).body().get("progress").get("step").asLong()).isPositive();

		assertThat(this.http.delete("/jobs/" + job).status()).isEqualTo(200);
		JsonNode cancelled = waitFor(job, "CANCELLED", "FAILED", "SUCCEEDED");
		assertThat(cancelled.get("status").asText()).isEqualTo("CANCELLED");
		assertThat(this.http.get("/models").body().size()).isEqualTo(modelsBefore);
		assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).count()).isZero();
	}

	@Test
	void aDriverKilledMidRunIsStartedAgainFromItsTrainingCheckpoint() throws Exception {
		String dataset = dataset(500);
		HttpFixture.Answer submitted = this.http.post("/jobs", Map.of("dataset", dataset, "engine", "spark", "hidden",
				List.of(32), "latentSize", 4, "epochs", 4, "batchSize", 10, "seed", 5));
		String job = submitted.body().get("id").asText();
		java.util.concurrent.CompletableFuture<List<String>> events = java.util.concurrent.CompletableFuture
			.supplyAsync(() -> this.http.eventLines("/jobs/" + job + "/events", 100_000));
		for (int i = 0; i < 1200
				&& this.http.get("/jobs/" + job).body().get("progress").get("step").asLong() < 20; i++) {
			Thread.sleep(50);
		}
		ProcessHandle driver = ProcessHandle.current()
			.children()
			.filter((p) -> commandLine(p).contains("dev.vae.spark.SparkTraining"))
			.findFirst()
			.orElseThrow();
		long killedAt = this.http.get("/jobs/" + job).body().get("progress").get("step").asLong();
		assertThat(killedAt).isBetween(20L, 179L);
		driver.destroyForcibly();

		JsonNode done = waitFor(job, "SUCCEEDED", "FAILED");
		assertThat(done.get("error")).as(done.toString()).isNull();
		assertThat(done.get("status").asText()).isEqualTo("SUCCEEDED");
		assertThat(done.get("progress").get("step").asLong()).isEqualTo(4 * 45);
		assertThat(done.get("epochs")).hasSize(4);
		assertThat(driver.isAlive()).isFalse();
		String stream = String.join("\n", events.get(60, java.util.concurrent.TimeUnit.SECONDS));
		assertThat(stream).contains("event:resumed");
		assertThat(this.http.get("/models/" + done.get("model").asText()).status()).isEqualTo(200);
	}

	@Test
	void aPausedSparkJobStopsItsDriverAndResumesFromItsLastCheckpoint() throws Exception {
		String dataset = dataset(500);
		// 450 training rows in batches of 10: 45 steps an epoch, a training checkpoint
		// after each
		String job = this.http
			.post("/jobs", Map.of("dataset", dataset, "engine", "spark", "hidden", List.of(32), "latentSize", 4,
					"epochs", 4, "batchSize", 10, "seed", 5))
			.body()
			.get("id")
			.asText();
		for (int i = 0; i < 1200 && this.http.get("/jobs/" + job).body().at("/checkpoint/step").asLong() < 45; i++) {
			Thread.sleep(50);
		}
		assertThat(this.http.post("/jobs/" + job + "/pause", "").status()).isEqualTo(200);
		JsonNode paused = waitFor(job, "PAUSED", "FAILED", "SUCCEEDED");
		assertThat(paused.get("status").asText()).isEqualTo("PAUSED");
		long saved = paused.at("/checkpoint/step").asLong();
		assertThat(saved).isPositive().isLessThan(4 * 45);
		assertThat(ProcessHandle.current()
			.children()
			.filter((p) -> p.isAlive() && commandLine(p).contains("dev.vae.spark.SparkTraining"))
			.count()).isZero();

		assertThat(this.http.post("/jobs/" + job + "/resume", "").status()).isEqualTo(200);
		JsonNode done = waitFor(job, "SUCCEEDED", "FAILED");
		assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
		assertThat(done.at("/resumedFrom/reason").asText()).isEqualTo("paused by a client");
		assertThat(done.at("/resumedFrom/step").asLong()).isEqualTo(saved);
		assertThat(done.get("epochs")).hasSize(4);
	}

	private static String commandLine(ProcessHandle process) {
		try {
			return java.nio.file.Files.readString(java.nio.file.Path.of("/proc", process.pid() + "", "cmdline"));
		}
		catch (java.io.IOException ex) {
			return process.info().commandLine().orElse("");
		}
	}

	@Test
	void anUnknownEngineIsAProblemNamingTheField() {
		HttpFixture.Answer refused = this.http.post("/jobs", Map.of("dataset", dataset(10), "engine", "quantum"));
		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.body().get("field").asText()).isEqualTo("engine");
		assertThat(refused.body().get("detail").asText()).contains("'local' or 'spark'");
	}

}
