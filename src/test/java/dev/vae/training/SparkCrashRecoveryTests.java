package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.JobFixtures;
import dev.vae.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills the service (SIGKILL) while its Spark driver trains: the driver, whose standard
 * input was the service's pipe, stops itself; the service started again on the same
 * storage re-queues the job and starts a new driver with {@code --resume} from the
 * training checkpoint in the object store, and the job ends with the parameters of the
 * same job run without a crash. Both services are real JVMs, so the kills are real.
 */
class SparkCrashRecoveryTests {

	@TempDir
	Path storage;

	private ServiceProcess start(int port) throws IOException, InterruptedException {
		return ServiceProcess.start(this.storage, port, List.of(), "--logging.level.root=WARN",
				"--vae.spark.master=local[2]", "--vae.spark.partitions=2", "--vae.spark.driver-memory=512MB",
				"--vae.spark.checkpoint-every=10", "--vae.spark.classpath=" + System.getProperty("java.class.path"));
	}

	@Test
	void aServiceKilledUnderItsDriverStopsTheDriverAndResumesTheJobAfterTheRestart() throws Exception {
		int port = ServiceProcess.freePort();
		HttpFixture http = new HttpFixture(port);
		// 900 training examples: 45 minibatches an epoch, a checkpoint every 10 and at
		// each epoch's end
		String dataset;
		Map<String, Object> spec;
		String job;
		long killedAfter;
		ProcessHandle driver;
		ServiceProcess first = start(port);
		try {
			dataset = http.post("/datasets/shapes", Map.of("count", 1000, "seed", 2)).body().get("id").asText();
			spec = Map.of("dataset", dataset, "engine", "spark", "hidden", List.of(32), "latentSize", 4, "epochs", 4,
					"batchSize", 20, "seed", 3);
			job = http.post("/jobs", spec).body().get("id").asText();
			JsonNode view;
			do {
				Thread.sleep(20);
				view = http.get("/jobs/" + job).body();
				assertThat(view.get("status").asText()).as(view.toString()).isIn("QUEUED", "RUNNING");
			}
			// a checkpoint saved within an epoch, after the first
			while (view.at("/checkpoint/step").asLong() <= 45 || view.at("/checkpoint/step").asLong() % 45 == 0);
			killedAfter = view.at("/checkpoint/step").asLong();
			driver = ProcessHandle.current()
				.descendants()
				.filter((p) -> commandLine(p).contains("dev.vae.spark.SparkTraining"))
				.findFirst()
				.orElseThrow();
		}
		finally {
			first.kill();
		}
		// the driver notices its service is gone and stops, with its executors
		assertThat(driver.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();

		ServiceProcess second = start(port);
		try {
			JsonNode done = JobFixtures.waitFor(http, job, "SUCCEEDED", 300);
			assertThat(done.at("/resumedFrom/reason").asText()).isEqualTo("interrupted by restart");
			assertThat(done.at("/resumedFrom/step").asLong()).isGreaterThanOrEqualTo(killedAfter);
			assertThat(done.get("epochs")).hasSize(4);
			// the same job, never interrupted
			String again = http.post("/jobs", spec).body().get("id").asText();
			JsonNode whole = JobFixtures.waitFor(http, again, "SUCCEEDED", 300);
			assertThat(whole.path("resumedFrom").isMissingNode() || whole.path("resumedFrom").isNull()).isTrue();
			JobFixtures.assertSameParameters(JobFixtures.parameters(http, done.get("model").asText()),
					JobFixtures.parameters(http, whole.get("model").asText()));
			try (var files = Files.walk(this.storage.resolve("training"))) {
				assertThat(files.filter(Files::isRegularFile)).isEmpty();
			}
		}
		finally {
			second.close();
		}
	}

	private static String commandLine(ProcessHandle process) {
		try {
			return Files.readString(Path.of("/proc", process.pid() + "", "cmdline"));
		}
		catch (IOException ex) {
			return process.info().commandLine().orElse("");
		}
	}

}
