package dev.vae.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.model.Examples;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.checkpoint.TrainingCheckpoint;
import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;
import dev.vae.training.TrainingSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.vae.spark.DataParallelTrainerTests.maxAbs;
import static dev.vae.spark.DataParallelTrainerTests.maxDifference;
import static dev.vae.spark.DataParallelTrainerTests.someShapes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Spark run continued from its training checkpoint ends where the uninterrupted run
 * ends: in this JVM from a checkpoint taken mid-epoch, and as the service sees it, a
 * driver process killed (SIGKILL) mid-run and started again with {@code --resume}.
 */
class ResumeTests {

	private static final String SPEC = "{\"dataset\": \"d\", \"hidden\": [32], \"latentSize\": 4, \"batchSize\": 10, "
			+ "\"learningRate\": 0.003, \"seed\": 5, \"epochs\": 3}";

	private static JavaSparkContext spark;

	@BeforeAll
	static void start() {
		spark = new JavaSparkContext(new SparkConf().setMaster("local[2]")
			.setAppName("ResumeTests")
			.set("spark.ui.enabled", "false")
			.set("spark.driver.host", "127.0.0.1")
			.set("spark.driver.bindAddress", "127.0.0.1"));
	}

	@AfterAll
	static void stop() {
		spark.stop();
	}

	private static NetworkSpec spec() {
		return new NetworkSpec(SPEC, List.of(14, 14, 1));
	}

	private static TrainingData data(Path file, TrainingSpec job) throws Exception {
		return TrainingData.stored(new FileRows(file), 196, 2, (n) -> Split.of(job, n));
	}

	/** The uninterrupted run's parameters. */
	private static float[] uninterrupted(Path file) throws Exception {
		NetworkSpec spec = spec();
		NetworkSpec.Trained network = spec.initialise();
		new DataParallelTrainer(spark, spec, spec.spec().settings(), 2, new Quiet()).train(network,
				data(file, spec.spec()));
		return network.replica().parameters();
	}

	@Test
	void aRunContinuedFromAMidEpochCheckpointEndsAsTheUninterruptedOne(@TempDir Path dir) throws Exception {
		Path file = StoredRowsTests.stored(someShapes(400, 12), dir.resolve("rows.f32"));
		NetworkSpec spec = spec();
		float[] expected = uninterrupted(file);

		// stopped after global step 50 (epoch 2, step 14 of 36), checkpointed at 48
		Path checkpoint = dir.resolve("run.ckpt");
		NetworkSpec.Trained first = spec.initialise();
		Network network = first.network();
		Quiet stopping = new Quiet() {
			@Override
			public boolean checkpointDue(int epoch, long step) {
				return step == 48;
			}

			@Override
			public void onCheckpoint(Trainer.State state) {
				try {
					TrainingCheckpoint.write(checkpoint, Manifest.draft("r", network.architecture(), null, null),
							network, state);
				}
				catch (java.io.IOException ex) {
					throw new java.io.UncheckedIOException(ex);
				}
			}

			@Override
			public boolean cancelled() {
				return this.steps >= 50;
			}
		};
		try {
			new DataParallelTrainer(spark, spec, spec.spec().settings(), 2, stopping).train(first,
					data(file, spec.spec()));
		}
		catch (Trainer.CancelledException expectedStop) {
			// stopped mid-epoch
		}
		TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.read(checkpoint, 10_000_000);
		assertThat(loaded.state().epoch()).isEqualTo(2);
		assertThat(loaded.state().step()).isEqualTo(12);
		assertThat(maxDifference(loaded.network().parametersAsFloats(), expected)).isGreaterThan(1e-3);

		NetworkSpec.Trained resumed = new NetworkSpec.Trained(loaded.network());
		Quiet counting = new Quiet();
		DataParallelTrainer.Outcome outcome = new DataParallelTrainer(spark, spec, spec.spec().settings(), 2, counting)
			.train(resumed, data(file, spec.spec()), loaded.state());

		assertThat(counting.steps).isEqualTo(108);
		assertThat(counting.epochs).isEqualTo(2);
		assertThat(outcome.last().epoch()).isEqualTo(3);
		assertThat(maxDifference(expected, resumed.replica().parameters()))
			.isLessThanOrEqualTo(1e-5 * maxAbs(expected));
	}

	@Test
	void aDriverKilledMidRunAndStartedWithResumeEndsAsTheUninterruptedRun(@TempDir Path dir) throws Exception {
		Path file = StoredRowsTests.stored(someShapes(400, 13), dir.resolve("rows.f32"));
		float[] expected = uninterrupted(file);
		Path specFile = Files.writeString(dir.resolve("spec.json"), SPEC);
		Path model = dir.resolve("model.vae");
		String[] arguments = { "--master", "local[2]", "--partitions", "2", "--spec", specFile.toString(), "--data",
				file.toString(), "--format", "f32", "--shape", "14,14,1", "--out", model.toString(), "--checkpoint",
				dir.resolve("run.ckpt").toString(), "--checkpoint-every", "4" };

		try (DriverProcess driver = DriverProcess.start(dir.resolve("first.log"), arguments)) {
			driver.await((line) -> line.path("event").asText().equals("checkpoint")
					&& line.path("globalStep").asLong() >= 40, 180);
			driver.process.destroyForcibly();
			assertThat(driver.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(driver.process.exitValue()).isEqualTo(137);
		}
		assertThat(model).doesNotExist();

		String[] again = java.util.Arrays.copyOf(arguments, arguments.length + 1);
		again[arguments.length] = "--resume";
		try (DriverProcess driver = DriverProcess.start(dir.resolve("second.log"), again)) {
			JsonNode resumed = driver.await(DriverProcess.event("resumed"), 180);
			assertThat(resumed.get("globalStep").asLong()).isGreaterThanOrEqualTo(40).isLessThan(108);
			JsonNode finished = driver.await(DriverProcess.event("finished"), 180);
			assertThat(finished.get("checkpoint").asText()).isEqualTo(model.toString());
			long steps = driver.seen.stream().filter((l) -> l.path("event").asText().equals("step")).count();
			assertThat(steps).isEqualTo(108 - resumed.get("globalStep").asLong());
		}
		float[] actual = Checkpoint.read(model, 10_000_000).network().parametersAsFloats();
		assertThat(maxDifference(expected, actual)).isLessThanOrEqualTo(1e-5 * maxAbs(expected));
	}

	@Test
	void resumeWithoutACheckpointFailsNamingIt(@TempDir Path dir) throws Exception {
		Path file = StoredRowsTests.stored(someShapes(40, 14), dir.resolve("rows.f32"));
		Path specFile = Files.writeString(dir.resolve("spec.json"), SPEC);
		try (DriverProcess driver = DriverProcess.start(dir.resolve("driver.log"), "--master", "local[1]", "--spec",
				specFile.toString(), "--data", file.toString(), "--format", "f32", "--shape", "14,14,1", "--out",
				dir.resolve("m.vae").toString(), "--checkpoint", dir.resolve("none.ckpt").toString(), "--resume")) {
			JsonNode failed = driver.await(DriverProcess.event("failed"), 120);
			assertThat(failed.get("error").asText())
				.isEqualTo("--resume: there is no training checkpoint at " + dir.resolve("none.ckpt"));
			assertThat(driver.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(driver.process.exitValue()).isEqualTo(1);
		}
	}

	private static class Quiet implements DataParallelTrainer.Listener {

		long steps;

		int epochs;

		@Override
		public void onStep(int epoch, long step, long totalSteps, double loss, double stepMillis,
				double computeMillis) {
			this.steps = step;
		}

		@Override
		public void onEpoch(Trainer.EpochMetrics metrics, DataParallelTrainer.StepTimes times) {
			this.epochs++;
		}

	}

}
