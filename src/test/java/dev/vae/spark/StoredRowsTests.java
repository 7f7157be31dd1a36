package dev.vae.spark;

import dev.vae.S3MockServer;
import dev.vae.model.Examples;
import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;
import dev.vae.training.TrainingSpec;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.vae.spark.DataParallelTrainerTests.aSpec;
import static dev.vae.spark.DataParallelTrainerTests.maxDifference;
import static dev.vae.spark.DataParallelTrainerTests.someShapes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Executors reading their own rows: ranges of a stored float32 file or S3 object (the S3
 * test server), placed in the job's split without the driver reading a row, train as the
 * local trainer does on {@link TrainingSpec#split}.
 */
class StoredRowsTests {

	private static final String BUCKET = "rows";

	private static JavaSparkContext spark;

	@BeforeAll
	static void start() {
		spark = new JavaSparkContext(new SparkConf().setMaster("local[2]")
			.setAppName("StoredRowsTests")
			.set("spark.ui.enabled", "false")
			.set("spark.driver.host", "127.0.0.1")
			.set("spark.driver.bindAddress", "127.0.0.1")
			// S3Mock accepts any key
			.set(S3Rows.ACCESS_KEY, "test")
			.set(S3Rows.SECRET_KEY, "test"));
	}

	@AfterAll
	static void stop() {
		spark.stop();
	}

	static Path stored(Examples all, Path file) throws Exception {
		ByteBuffer bytes = ByteBuffer.allocate(all.values().length * 4).order(ByteOrder.LITTLE_ENDIAN);
		bytes.asFloatBuffer().put(all.values());
		Files.write(file, bytes.array());
		return file;
	}

	@Test
	void theRangesHoldEachRowExactlyOnceInTheJobsSplit(@TempDir Path dir) throws Exception {
		TrainingSpec spec = aSpec(DataParallelTrainerTests.MLP).spec();
		Examples all = someShapes(1003, 9);
		Path file = stored(all, dir.resolve("rows.f32"));
		TrainingData data = TrainingData.stored(new FileRows(file), all.length(), 7, (n) -> Split.of(spec, n));
		assertThat(data.ranges()).hasSize(7);

		List<Chunk> chunks = DataParallelTrainer.load(spark, data).collect();

		// every stored row in exactly one range, the ranges in order and contiguous
		long next = 0;
		for (Chunk chunk : chunks) {
			assertThat(chunk.start()).isEqualTo(next);
			next += chunk.rows();
		}
		assertThat(next).isEqualTo(1003);
		// every training and validation example exactly once, with the values
		// TrainingSpec.split gives it
		Examples[] split = spec.split(all);
		int[] trainSeen = new int[split[0].count()];
		int[] validationSeen = new int[split[1].count()];
		for (Chunk chunk : chunks) {
			for (int i : chunk.trainIndices()) {
				trainSeen[i]++;
			}
			for (int i : chunk.validationIndices()) {
				validationSeen[i]++;
			}
			assertThat(chunk.trainSum()[all.length()] + chunk.validationRows()).isEqualTo(chunk.rows());
		}
		assertThat(trainSeen).containsOnly(1);
		assertThat(validationSeen).containsOnly(1);
		assertThat(split[1].count()).isEqualTo(spec.heldOut(1003)).isPositive();
		// the executors' per-value training sums are those of the split's training rows
		double[] sum = chunks.stream().map(Chunk::trainSum).reduce(new double[all.length() + 1], (a, b) -> {
			double[] c = a.clone();
			for (int i = 0; i < c.length; i++) {
				c[i] += b[i];
			}
			return c;
		});
		double[] expected = new double[all.length()];
		for (int i = 0; i < split[0].count(); i++) {
			for (int j = 0; j < all.length(); j++) {
				expected[j] += split[0].values()[i * all.length() + j];
			}
		}
		for (int j = 0; j < all.length(); j++) {
			assertThat(sum[j]).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-6));
		}
	}

	@Test
	void aRunReadingFromTheS3TestServerEqualsTheRunFromAFileAndTheLocalTrainer(@TempDir Path dir) throws Exception {
		NetworkSpec spec = aSpec(DataParallelTrainerTests.MLP);
		TrainingSpec job = spec.spec();
		Examples all = someShapes(500, 11);
		Path file = stored(all, dir.resolve("rows.f32"));
		Files.createDirectories(dir.resolve("s3"));
		try (S3MockServer s3 = S3MockServer.start(dir.resolve("s3"), BUCKET);
				S3Client client = S3Client.builder()
					.endpointOverride(s3.endpoint())
					.region(Region.US_EAST_1)
					.forcePathStyle(true)
					.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
					.build()) {
			client.putObject((b) -> b.bucket(BUCKET).key("datasets/d.f32"), RequestBody.fromFile(file));
			S3Rows object = new S3Rows(s3.endpoint().toString(), "us-east-1", true, BUCKET, "datasets/d.f32");

			NetworkSpec.Trained fromS3 = spec.initialise();
			List<Trainer.EpochMetrics> s3Epochs = new ArrayList<>();
			DataParallelTrainer.Outcome s3Outcome = new DataParallelTrainer(spark, spec, job.settings(), 3,
					epochs(s3Epochs))
				.train(fromS3, TrainingData.stored(object, all.length(), 3, (n) -> Split.of(job, n)));
			NetworkSpec.Trained fromFile = spec.initialise();
			List<Trainer.EpochMetrics> fileEpochs = new ArrayList<>();
			DataParallelTrainer.Outcome fileOutcome = new DataParallelTrainer(spark, spec, job.settings(), 3,
					epochs(fileEpochs))
				.train(fromFile, TrainingData.stored(new FileRows(file), all.length(), 3, (n) -> Split.of(job, n)));

			// the same ranges, the same bytes: the same run, to the rounding of adding
			// three
			// partitions' sums in the order they reach the driver
			float[] s3Parameters = fromS3.replica().parameters();
			assertThat(maxDifference(s3Parameters, fromFile.replica().parameters()))
				.isLessThanOrEqualTo(1e-6 * DataParallelTrainerTests.maxAbs(s3Parameters));
			assertThat(s3Epochs).hasSize(2);
			assertThat(s3Outcome.baseline()).isCloseTo(fileOutcome.baseline(),
					org.assertj.core.data.Percentage.withPercentage(1e-9));

			// and the local trainer's run on the job's split, to rounding
			Examples[] split = job.split(all);
			Network single = spec.initialise().network();
			float[] initial = single.parametersAsFloats();
			Trainer.EpochMetrics local = new Trainer(job.settings(), new Trainer.Listener() {
			}).train(single, split[0], split[1]);
			assertThat(maxDifference(initial, single.parametersAsFloats())).isGreaterThan(0.01);
			assertThat(maxDifference(single.parametersAsFloats(), fromS3.replica().parameters())).isLessThan(1e-4);
			assertThat(s3Outcome.last().validationNegElbo()).isCloseTo(local.validationNegElbo(),
					org.assertj.core.data.Percentage.withPercentage(0.01));
			double baseline = dev.vae.model.network.Evaluation.pixelMeanBaseline(single.architecture(), split[0],
					split[1]);
			assertThat(s3Outcome.baseline()).isCloseTo(baseline, org.assertj.core.data.Percentage.withPercentage(1e-6));
		}
	}

	@Test
	void aPartialReadOfTheObjectFails() {
		byte[] bytes = new byte[10];
		float[] values = new float[3];
		assertThat(org.assertj.core.api.Assertions
			.catchThrowable(() -> S3Rows.readFloats(new java.io.ByteArrayInputStream(bytes), values)))
			.hasMessageContaining("ended 2 bytes early");
		float[] two = new float[2];
		Arrays.fill(two, 1);
		assertThat(org.assertj.core.api.Assertions
			.catchThrowable(() -> S3Rows.readFloats(new java.io.ByteArrayInputStream(new byte[8]), two))).isNull();
		assertThat(two).containsExactly(0f, 0f);
	}

	private static DataParallelTrainer.Listener epochs(List<Trainer.EpochMetrics> into) {
		return new DataParallelTrainer.Listener() {
			@Override
			public void onStep(int epoch, long step, long totalSteps, double loss, double stepMillis,
					double computeMillis) {
			}

			@Override
			public void onEpoch(Trainer.EpochMetrics metrics, DataParallelTrainer.StepTimes times) {
				into.add(metrics);
			}
		};
	}

}
