package dev.vae.spark;

import dev.vae.data.Shapes;
import dev.vae.model.Examples;
import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Data-parallel training on {@code local[2]} against the single-process trainer: the same
 * seed and global minibatch must give the same parameters (a sum of gradients differs
 * only by rounding) and the same held-out −ELBO.
 */
class DataParallelTrainerTests {

	private static final List<Integer> SHAPE = List.of(14, 14, 1);

	private static JavaSparkContext spark;

	@BeforeAll
	static void start() {
		spark = new JavaSparkContext(new SparkConf().setMaster("local[2]")
			.setAppName("DataParallelTrainerTests")
			.set("spark.ui.enabled", "false")
			// Kryo, as many clusters configure it: every shipped type must survive it
			// (Java serialisation, the
			// default, is what the service's child driver uses in
			// SparkJobsIntegrationTests)
			.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
			.set("spark.driver.host", "127.0.0.1")
			.set("spark.driver.bindAddress", "127.0.0.1"));
	}

	@AfterAll
	static void stop() {
		spark.stop();
	}

	/** 14×14 built-in shapes. */
	static Examples someShapes(int count, long seed) {
		int d = 14 * 14;
		float[] values = new float[count * d];
		for (int i = 0; i < count; i++) {
			System.arraycopy(Shapes.render(Shapes.factors(seed, i), 14), 0, values, i * d, d);
		}
		return new Examples(values, count, d);
	}

	static NetworkSpec aSpec(String json) {
		return new NetworkSpec(json, SHAPE);
	}

	static final String MLP = "{\"dataset\": \"d\", \"hidden\": [48], \"latentSize\": 4, \"batchSize\": 40, "
			+ "\"learningRate\": 0.003, \"seed\": 5, \"epochs\": 2}";

	@Test
	void twoPartitionsFollowSingleProcessTrainingStepForStep() {
		NetworkSpec spec = aSpec(MLP);
		Examples train = someShapes(400, 1);
		Examples validation = someShapes(40, 2);
		int steps = 6;

		Network single = spec.initialise().network();
		float[] initial = single.parametersAsFloats();
		trainSteps(single, spec, train, validation, steps);

		NetworkSpec.Trained parallel = spec.initialise();
		assertThat(parallel.replica().parameters()).containsExactly(initial);
		try {
			new DataParallelTrainer(spark, spec, spec.spec().settings(), 2, stopAfter(steps)).train(parallel, train,
					validation);
		}
		catch (Trainer.CancelledException expected) {
			// stopped after the steps asked for
		}

		float[] expected = single.parametersAsFloats();
		float[] actual = parallel.replica().parameters();
		// every step moves every weight by up to lr = 0.003 (Adam): the runs must agree
		// far more closely
		assertThat(maxDifference(initial, expected)).isGreaterThan(0.01);
		assertThat(maxDifference(expected, actual)).isLessThan(1e-4);
	}

	@Test
	void twoPartitionsFollowSingleProcessTrainingWithEveryTrainingOption() {
		// free bits needs the whole minibatch's KL per dimension: at a floor of 0.005
		// some
		// dimensions are under it and some over (each partition's own KL alone ends
		// 0.004 away after six steps)
		NetworkSpec spec = aSpec("{\"dataset\": \"d\", \"hidden\": [48], \"latentSize\": 4, \"batchSize\": 40, "
				+ "\"learningRate\": 0.003, \"seed\": 5, \"epochs\": 2, \"klWarmup\": {\"steps\": 4}, "
				+ "\"freeBits\": 0.005" + ", \"lrSchedule\": {\"type\": \"cosine\", \"minLearningRate\": 0.0005}, "
				+ "\"clipNorm\": 2.0, \"earlyStopping\": {\"patience\": 1}}");
		Examples train = someShapes(400, 1);
		Examples validation = someShapes(40, 2);
		int steps = 6;
		Network single = spec.initialise().network();
		float[] initial = single.parametersAsFloats();
		trainSteps(single, spec, train, validation, steps);
		Network plain = aSpec(MLP).initialise().network();
		trainSteps(plain, aSpec(MLP), train, validation, steps);

		NetworkSpec.Trained parallel = spec.initialise();
		try {
			new DataParallelTrainer(spark, spec, spec.spec().settings(), 2, stopAfter(steps)).train(parallel, train,
					validation);
		}
		catch (Trainer.CancelledException expected) {
			// stopped after the steps asked for
		}
		float[] expected = single.parametersAsFloats();
		assertThat(maxDifference(initial, expected)).isGreaterThan(0.01);
		// the options changed the run, and the two engines agree on it
		assertThat(maxDifference(plain.parametersAsFloats(), expected)).isGreaterThan(1e-3);
		assertThat(maxDifference(expected, parallel.replica().parameters())).isLessThan(1e-4);
	}

	@Test
	void theAggregatedGradientIsTheMinibatchMeanGradient() {
		// a layered network with a learned-variance head: the model core's other path
		NetworkSpec spec = aSpec("{\"dataset\": \"d\", \"hidden\": [32], \"latentSize\": 3, "
				+ "\"likelihood\": \"gaussian-learned-variance\", \"seed\": 2}");
		Examples train = someShapes(90, 3);
		Network reference = spec.initialise().network();
		int b = 30;
		SplittableRandom random = new SplittableRandom(8);
		int[] batch = new int[b];
		float[] x = new float[b * train.length()];
		for (int j = 0; j < b; j++) {
			// rows from all three partitions, in no particular order
			batch[j] = random.nextInt(train.count());
			System.arraycopy(train.values(), batch[j] * train.length(), x, j * train.length(), train.length());
		}
		float[] eps = new float[b * 3];
		for (int i = 0; i < eps.length; i++) {
			eps[i] = (float) random.nextGaussian();
		}
		INDArray gradient = reference.newGradient();
		try (INDArray xs = Nd4j.createFromArray(x).reshape(b, train.length());
				INDArray es = Nd4j.createFromArray(eps).reshape(b, 3)) {
			reference.lossAndGradient(xs, es, gradient);
		}
		float[] expected = gradient.toFloatVector();

		JavaRDD<Chunk> chunks = DataParallelTrainer.load(spark,
				TrainingData.inMemory(train, 3, Split.inOrder(train.count(), 0)));
		String run = UUID.randomUUID().toString();
		Sum sum = DataParallelTrainer.aggregate(spark, chunks,
				new Step(run, reference.parametersAsFloats(), reference.buffersAsFloats(), batch, eps, 1.0, 0, null),
				spec);
		Replicas.release(run);

		assertThat(sum.count).isEqualTo(b);
		float[] mean = sum.gradient.clone();
		for (int i = 0; i < mean.length; i++) {
			mean[i] /= b;
		}
		double scale = maxAbs(expected);
		assertThat(scale).isGreaterThan(1e-3);
		assertThat(maxDifference(expected, mean)).isLessThan(1e-5 * scale);
	}

	@Test
	void heldOutNegElboMatchesSingleProcessTrainingWithinOnePercent() {
		NetworkSpec spec = aSpec(MLP);
		Examples train = someShapes(600, 4);
		Examples validation = someShapes(100, 5);
		Network single = spec.initialise().network();
		double before = dev.vae.model.network.Evaluation.negElbo(single, validation, 7).negElbo();
		Trainer.EpochMetrics local = new Trainer(spec.spec().settings(), new Trainer.Listener() {
		}).train(single, train, validation);

		NetworkSpec.Trained parallel = spec.initialise();
		Trainer.EpochMetrics distributed = new DataParallelTrainer(spark, spec, spec.spec().settings(), 2,
				stopAfter(Long.MAX_VALUE))
			.train(parallel, train, validation);

		assertThat(distributed.epoch()).isEqualTo(2);
		assertThat(local.validationNegElbo()).isLessThan(0.8 * before);
		assertThat(distributed.validationNegElbo()).isCloseTo(local.validationNegElbo(),
				org.assertj.core.data.Percentage.withPercentage(1));
	}

	@Test
	void localStepsWithParameterAveragingAggregateOncePerRoundAndTrainAsWell() {
		NetworkSpec spec = aSpec(MLP);
		Examples train = someShapes(600, 4);
		Examples validation = someShapes(100, 5);
		Network single = spec.initialise().network();
		double before = dev.vae.model.network.Evaluation.negElbo(single, validation, 7).negElbo();
		Trainer.EpochMetrics local = new Trainer(spec.spec().settings(), new Trainer.Listener() {
		}).train(single, train, validation);

		// one partition: its local steps are the trainer's steps, and averaging one
		// replica changes nothing
		NetworkSpec.Trained one = spec.initialise();
		new DataParallelTrainer(spark, spec, spec.spec().settings(), 1, 4, stopAfter(Long.MAX_VALUE)).train(one, train,
				validation);
		assertThat(maxDifference(single.parametersAsFloats(), one.replica().parameters())).isLessThan(1e-4);

		// two partitions, 15 minibatches an epoch in rounds of 4, 4, 4 and 3
		List<Long> rounds = new java.util.ArrayList<>();
		NetworkSpec.Trained two = spec.initialise();
		Trainer.EpochMetrics averaged = new DataParallelTrainer(spark, spec, spec.spec().settings(), 2, 4,
				new DataParallelTrainer.Listener() {
					@Override
					public void onStep(int epoch, long step, long totalSteps, double loss, double stepMillis,
							double computeMillis) {
						rounds.add(step);
					}

					@Override
					public void onEpoch(Trainer.EpochMetrics metrics, DataParallelTrainer.StepTimes times) {
					}
				})
			.train(two, train, validation);
		assertThat(rounds).containsExactly(4L, 8L, 12L, 15L, 19L, 23L, 27L, 30L);
		assertThat(maxDifference(single.parametersAsFloats(), two.replica().parameters())).isGreaterThan(1e-3);
		assertThat(averaged.validationNegElbo()).isLessThan(0.8 * before)
			.isCloseTo(local.validationNegElbo(), org.assertj.core.data.Percentage.withPercentage(5));
	}

	@Test
	void aConvVaeWithBatchNormTrainsOnOnePartitionAsTheLocalTrainerDoes() {
		NetworkSpec spec = new NetworkSpec(
				"{\"dataset\": \"d\", \"architecture\": \"conv\", \"widths\": [4, 8], "
						+ "\"latentSize\": 3, \"batchSize\": 16, \"learningRate\": 0.003, \"seed\": 6, \"epochs\": 1}",
				List.of(8, 8, 1));
		Examples train = smallShapes(64, 6);
		Examples validation = smallShapes(16, 7);
		Network single = spec.initialise().network();
		float[] initialBuffers = single.buffersAsFloats();
		Trainer.EpochMetrics local = new Trainer(spec.spec().settings(), new Trainer.Listener() {
		}).train(single, train, validation);

		NetworkSpec.Trained one = spec.initialise();
		Trainer.EpochMetrics onePartition = new DataParallelTrainer(spark, spec, spec.spec().settings(), 1,
				stopAfter(Long.MAX_VALUE))
			.train(one, train, validation);
		NetworkSpec.Trained two = spec.initialise();
		Trainer.EpochMetrics twoPartitions = new DataParallelTrainer(spark, spec, spec.spec().settings(), 2,
				stopAfter(Long.MAX_VALUE))
			.train(two, train, validation);

		assertThat(maxDifference(initialBuffers, single.buffersAsFloats())).isGreaterThan(0.01);
		assertThat(maxDifference(single.parametersAsFloats(), one.replica().parameters())).isLessThan(1e-4);
		assertThat(maxDifference(single.buffersAsFloats(), one.replica().buffers())).isLessThan(1e-4);
		assertThat(onePartition.validationNegElbo()).isCloseTo(local.validationNegElbo(),
				org.assertj.core.data.Percentage.withPercentage(0.1));
		// two partitions normalise by per-partition batch statistics: close, not equal
		assertThat(twoPartitions.validationNegElbo()).isCloseTo(local.validationNegElbo(),
				org.assertj.core.data.Percentage.withPercentage(5));
	}

	static Examples smallShapes(int count, long seed) {
		float[] values = new float[count * 64];
		for (int i = 0; i < count; i++) {
			System.arraycopy(Shapes.render(Shapes.factors(seed, i), 8), 0, values, i * 64, 64);
		}
		return new Examples(values, count, 64);
	}

	/** The local trainer for {@code steps} minibatches (it stops by cancellation). */
	private static void trainSteps(Network network, NetworkSpec spec, Examples train, Examples validation, int steps) {
		int[] done = { 0 };
		try {
			new Trainer(spec.spec().settings(), new Trainer.Listener() {
				@Override
				public void onStep(int epoch, long step, long totalSteps) {
					done[0]++;
				}

				@Override
				public boolean cancelled() {
					return done[0] >= steps;
				}
			}).train(network, train, validation);
		}
		catch (Trainer.CancelledException expected) {
			// stopped after the steps asked for
		}
		assertThat(done[0]).isEqualTo(steps);
	}

	private static DataParallelTrainer.Listener stopAfter(long steps) {
		return new DataParallelTrainer.Listener() {
			long done;

			@Override
			public void onStep(int epoch, long step, long totalSteps, double loss, double stepMillis,
					double computeMillis) {
				this.done = step;
			}

			@Override
			public void onEpoch(Trainer.EpochMetrics metrics, DataParallelTrainer.StepTimes times) {
			}

			@Override
			public boolean cancelled() {
				return this.done >= steps;
			}
		};
	}

	static double maxDifference(float[] a, float[] b) {
		assertThat(b).hasSameSizeAs(a);
		double max = 0;
		for (int i = 0; i < a.length; i++) {
			max = Math.max(max, Math.abs((double) a[i] - b[i]));
		}
		return max;
	}

	static double maxAbs(float[] a) {
		double max = 0;
		for (float v : a) {
			max = Math.max(max, Math.abs(v));
		}
		return max;
	}

}
