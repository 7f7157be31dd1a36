package dev.vae.spark;

import dev.vae.model.network.Evaluation;
import dev.vae.model.Examples;
import dev.vae.model.train.Replica;
import dev.vae.model.train.Trainer;
import dev.vae.model.train.TrainingSchedule;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

import java.util.ArrayList;
import java.util.List;
import dev.vae.model.train.TrainingOptions;
import dev.vae.model.train.TrainingSchedule;
import java.util.UUID;

/**
 * Synchronous data-parallel training on Spark, the way MLlib's mini-batch gradient
 * descent works: each step the driver broadcasts the parameters, every partition computes
 * the gradient sum over its part of the global minibatch with the model core
 * ({@link Replica#gradientSum}), {@code treeAggregate} adds the (gradient, loss, count)
 * sums, and the driver divides by the count and steps the local trainer's Adam. The
 * executors read and cache their own ranges of the stored rows ({@link TrainingData});
 * the driver holds the parameters and the minibatch order, never a row. The minibatch
 * order and the noise come from the {@link TrainingSchedule} {@link Trainer} uses, so the
 * run follows the single-process one up to float rounding (the sums are added in another
 * order), and continues from a {@link Trainer.State} as it does. Batch norm normalises
 * each partition's rows by their own statistics (as PyTorch's DDP without SyncBatchNorm),
 * and the running statistics are the row-weighted average of the replicas'.
 */
final class DataParallelTrainer {

	private final JavaSparkContext spark;

	private final NetworkSpec spec;

	private final Trainer.Settings settings;

	private final int partitions;

	private final int localSteps;

	private final Listener listener;

	DataParallelTrainer(JavaSparkContext spark, NetworkSpec spec, Trainer.Settings settings, int partitions,
			Listener listener) {
		this(spark, spec, settings, partitions, 1, listener);
	}

	/**
	 * @param localSteps 1: synchronous gradient aggregation every step (exact); K &gt; 1:
	 * each partition takes K local steps between averages (K times fewer aggregations, no
	 * longer the single-process run)
	 */
	DataParallelTrainer(JavaSparkContext spark, NetworkSpec spec, Trainer.Settings settings, int partitions,
			int localSteps, Listener listener) {
		if (partitions < 1 || localSteps < 1) {
			throw new IllegalArgumentException(
					"partitions and local steps must be at least 1, were " + partitions + " and " + localSteps);
		}
		this.localSteps = localSteps;
		this.spark = spark;
		this.spec = spec;
		this.settings = settings;
		this.partitions = partitions;
		this.listener = listener;
	}

	/**
	 * Trains {@code network} (the driver's copy, updated in place) on {@code train},
	 * evaluating on {@code validation} after each epoch, with the settings' training
	 * options as the local trainer applies them (free bits adds a pass of the encoders
	 * per step: the floor compares each dimension's KL over the whole minibatch); both
	 * are shipped to the executors in {@link #partitions} ranges.
	 * @return the metrics of the epoch whose parameters the network holds (with early
	 * stopping, the best one's)
	 */
	Trainer.EpochMetrics train(NetworkSpec.Trained network, Examples train, Examples validation) {
		return train(network, TrainingData.inMemory(train, validation, this.partitions)).last();
	}

	/**
	 * Trains {@code network} (the driver's copy, updated in place) on the rows the
	 * executors read from {@code data}, one partition per range, evaluating on its
	 * validation rows after each epoch, on the executors too: the driver holds the
	 * parameters and the minibatch order, never a row.
	 * @return the last epoch's metrics and the pixel-mean baseline of the validation set
	 */
	Outcome train(NetworkSpec.Trained network, TrainingData data) {
		return train(network, data, null);
	}

	/**
	 * Continues a run from {@code from} (null: from the start); {@code network} must hold
	 * the parameters and running statistics saved with that state. The rest of the run
	 * makes the updates an uninterrupted one makes: the shuffles and the noise follow
	 * from (seed, epoch, step) ({@link TrainingSchedule}), Adam continues from the saved
	 * moments.
	 */
	Outcome train(NetworkSpec.Trained network, TrainingData data, Trainer.State from) {
		Replica master = network.replica();
		int d = data.length();
		int k = master.latentSize();
		if (d != master.inputLength()) {
			throw new IllegalArgumentException(
					"examples have length " + d + ", the network expects " + master.inputLength());
		}
		int trainCount = data.split().train();
		TrainingOptions options = this.settings.options();
		double beta = this.spec.spec().beta();
		// the trainer's shuffles and noise, draw for draw
		TrainingSchedule schedule = new TrainingSchedule(this.settings.seed(), trainCount, this.settings.batchSize());
		int stepsPerEpoch = schedule.stepsPerEpoch();
		long totalSteps = (long) stepsPerEpoch * this.settings.epochs();
		Trainer.State start = (from != null) ? from : Trainer.State.start();
		start.check(this.settings, trainCount, stepsPerEpoch);
		Trainer.EpochMetrics last = start.last();
		Trainer.EarlyStop stop = start.earlyStop();
		String run = UUID.randomUUID().toString();
		JavaRDD<Chunk> chunks = load(this.spark, data).persist(StorageLevel.MEMORY_ONLY());
		Replica.Optimizer adam = master.adam(this.settings.learningRate(), options.clipNorm());
		if (from != null) {
			adam.restore(new Replica.State(from.adamM(), from.adamV(), from.adamSteps()));
		}
		long iteration = start.globalStep(stepsPerEpoch);
		try {
			// a run that had stopped early is complete: its network holds the best epoch
			boolean stopped = stop != null && stop.stopped();
			for (int epoch = start.epoch(); epoch <= this.settings.epochs() && !stopped; epoch++) {
				boolean resumed = epoch == start.epoch();
				long started = System.nanoTime() - (resumed ? (long) (start.seconds() * 1e9) : 0);
				int[] order = schedule.order(epoch);
				double reconstruction = resumed ? start.reconstruction() : 0;
				double kl = resumed ? start.kl() : 0;
				StepTimes times = new StepTimes();
				for (int step = resumed ? start.step() : 0; step < stepsPerEpoch; step += this.localSteps) {
					if (this.listener.cancelled()) {
						throw new Trainer.CancelledException("training cancelled in epoch " + epoch);
					}
					long stepStarted = System.nanoTime();
					// the next global minibatches and their noise, drawn as the trainer
					// draws them
					int count = Math.min(this.localSteps, stepsPerEpoch - step);
					int[][] batches = new int[count][];
					float[][] noise = new float[count][];
					int rows = 0;
					// each step's β (warm-up) and learning rate (schedule), as the
					// trainer
					// has them
					double[] betas = new double[count];
					double[] rates = new double[count];
					for (int j = 0; j < count; j++) {
						betas[j] = beta * options.betaFactor(iteration + j, stepsPerEpoch);
						rates[j] = options.learningRate(this.settings.learningRate(), iteration + j, stepsPerEpoch,
								totalSteps);
						int b = schedule.size(step + j);
						batches[j] = new int[b];
						System.arraycopy(order, schedule.from(step + j), batches[j], 0, b);
						noise[j] = new float[b * k];
						schedule.noise(epoch, step + j, noise[j]);
						rows += b;
					}
					double[] losses = (this.localSteps == 1)
							? synchronousStep(chunks, run, master, adam, batches[0], noise[0], betas[0], rates[0])
							: averagedRound(chunks, run, master, adam, batches, noise, rows, betas, rates);
					reconstruction += losses[0];
					kl += losses[1];
					long elapsed = System.nanoTime() - stepStarted;
					long compute = (long) losses[2];
					times.add(elapsed / count, compute / count);
					iteration += count;
					this.listener.onStep(epoch, iteration, totalSteps, (losses[0] + losses[1]) / rows,
							elapsed / 1e6 / count, compute / 1e6 / count);
					if (step + count < stepsPerEpoch && this.listener.checkpointDue(epoch, iteration)) {
						this.listener.onCheckpoint(state(epoch, step + count, adam, reconstruction, kl,
								(System.nanoTime() - started) / 1e9, last, stop));
					}
				}
				Evaluation.Summary held = evaluate(chunks, run, master, this.settings.seed() + epoch,
						data.split().validation());
				int n = trainCount;
				long lastStep = iteration - 1;
				Trainer.EpochMetrics metrics = new Trainer.EpochMetrics(epoch, (reconstruction + kl) / n,
						reconstruction / n, kl / n, held.negElbo(), held.reconstruction(), held.kl(),
						(System.nanoTime() - started) / 1e9, held.klPerDimension(), held.activeUnits(),
						beta * options.betaFactor(lastStep, stepsPerEpoch),
						options.learningRate(this.settings.learningRate(), lastStep, stepsPerEpoch, totalSteps));
				last = metrics;
				if (options.stopsEarly()) {
					// as the trainer: keep the best epoch, stop after `patience` without
					// one
					stop = Trainer.EarlyStop.after(stop, metrics, master.parameters(), master.buffers(),
							options.patience(), epoch == this.settings.epochs());
					if (stop.stopped()) {
						master.load(stop.parameters(), stop.buffers());
						last = stop.best();
					}
				}
				this.listener.onEpoch(metrics, times);
				this.listener.onCheckpoint(state(epoch + 1, 0, adam, 0, 0, 0, last, stop));
				if (stop != null && stop.stopped()) {
					break;
				}
			}
			return new Outcome(last, baseline(chunks, this.spec));
		}
		finally {
			chunks.unpersist(false);
			Replicas.release(run);
			master.close();
		}
	}

	private static Trainer.State state(int epoch, int step, Replica.Optimizer adam, double reconstruction, double kl,
			double seconds, Trainer.EpochMetrics last, Trainer.EarlyStop stop) {
		Replica.State moments = adam.state();
		return new Trainer.State(epoch, step, moments.m(), moments.v(), moments.t(), reconstruction, kl, seconds, last,
				stop);
	}

	/**
	 * The last epoch's metrics and the validation set's −log p(x) under per-pixel means.
	 */
	record Outcome(Trainer.EpochMetrics last, double baseline) {
	}

	/** Each range read by an executor into its partition's {@link Chunk}. */
	static JavaRDD<Chunk> load(JavaSparkContext spark, TrainingData data) {
		Split split = data.split();
		int length = data.length();
		return spark.parallelize(data.ranges(), data.ranges().size())
			.map((RowRange range) -> Chunk.read(range, split, length));
	}

	/**
	 * The held-out −ELBO on the executors, each partition its own validation rows with
	 * the noise the single-process evaluation gives them; the driver adds three numbers
	 * per partition.
	 */
	private Evaluation.Summary evaluate(JavaRDD<Chunk> chunks, String run, Replica master, long seed, int expected) {
		Broadcast<Evaluate> shared = this.spark
			.broadcast(new Evaluate(run, master.parameters(), master.buffers(), seed, master.latentSize()));
		NetworkSpec spec = this.spec;
		List<double[]> parts;
		try {
			parts = chunks.map((Chunk chunk) -> chunk.evaluate(shared.value(), spec)).collect();
		}
		finally {
			shared.destroy();
		}
		Evaluation.Summary held = Evaluation.Summary.combine(parts.stream().map(Chunk::summary).toList());
		if (held.count() != expected) {
			throw new IllegalStateException("evaluated " + held.count() + " validation rows, expected " + expected);
		}
		return held;
	}

	/**
	 * {@link Evaluation#pixelMeanBaseline} over the partitions: the training rows' mean
	 * and variance per value in two passes, then the validation rows' NLL under them.
	 */
	static double baseline(JavaRDD<Chunk> chunks, NetworkSpec spec) {
		double[] sum = chunks.map(Chunk::trainSum).reduce(DataParallelTrainer::add);
		int d = sum.length - 1;
		double n = sum[d];
		double[] mean = new double[d];
		for (int j = 0; j < d; j++) {
			mean[j] = sum[j] / n;
		}
		double[] squares = chunks.map((Chunk c) -> c.trainSquares(mean)).reduce(DataParallelTrainer::add);
		double[] variance = new double[d];
		for (int j = 0; j < d; j++) {
			variance[j] = squares[j] / n;
		}
		double[] eta = spec.head().pixelMeanEta(mean, variance);
		double[] nll = chunks.map((Chunk c) -> new double[] { c.validationNll(spec.head(), eta), c.validationRows() })
			.reduce(DataParallelTrainer::add);
		return nll[0] / nll[1];
	}

	/**
	 * One synchronous step: the gradient sums of all partitions, their mean over the
	 * minibatch, one Adam step on the driver.
	 * @return summed reconstruction, summed KL, the slowest partition's compute (ns)
	 */
	private double[] synchronousStep(JavaRDD<Chunk> chunks, String run, Replica master, Replica.Optimizer adam,
			int[] batch, float[] eps, double beta, double learningRate) {
		int b = batch.length;
		float[] buffers = master.buffers();
		double freeBits = this.settings.options().freeBits();
		double[] batchKl = null;
		if (freeBits > 0) {
			// free bits compares each dimension's KL over the whole minibatch with the
			// floor: one pass of the encoders first to add it up
			batchKl = klMeans(this.spark, chunks,
					new Step(run, master.parameters(), buffers, batch, eps, beta, 0, null), this.spec);
		}
		Sum sum = aggregate(this.spark, chunks,
				new Step(run, master.parameters(), buffers, batch, eps, beta, freeBits, batchKl), this.spec);
		if (sum.count != b) {
			throw new IllegalStateException("step aggregated " + sum.count + " rows, expected " + b);
		}
		// the mean gradient of the global minibatch: Σ_partitions Σ_rows ∇ / B
		float[] mean = sum.gradient;
		for (int i = 0; i < mean.length; i++) {
			mean[i] /= b;
		}
		adam.step(mean, learningRate);
		if (buffers.length > 0) {
			for (int i = 0; i < buffers.length; i++) {
				buffers[i] = sum.buffers[i] / b;
			}
			adam.setBuffers(buffers);
		}
		return new double[] { sum.reconstruction, sum.kl, sum.computeNanos };
	}

	/**
	 * One round of local steps: every partition takes an Adam step on its rows of each
	 * minibatch in turn, from the driver's parameters and Adam state; the driver then
	 * sets parameters, moments and running statistics to the row-weighted means of the
	 * partitions' (DL4J's parameter averaging, with the updater state averaged too).
	 */
	private double[] averagedRound(JavaRDD<Chunk> chunks, String run, Replica master, Replica.Optimizer adam,
			int[][] batches, float[][] noise, int rows, double[] betas, double[] rates) {
		Replica.State state = adam.state();
		TrainingOptions options = this.settings.options();
		Round round = new Round(run, master.parameters(), master.buffers(), state, this.settings.learningRate(),
				batches, noise, betas, rates, options.freeBits(), options.clipNorm());
		Broadcast<Round> shared = this.spark.broadcast(round);
		Average average;
		try {
			average = chunks.treeAggregate(Average.empty(), new Local(shared, this.spec), Average::merge, 2);
		}
		finally {
			shared.destroy();
		}
		if (average.rows != rows) {
			throw new IllegalStateException("round aggregated " + average.rows + " rows, expected " + rows);
		}
		master.load(Average.divide(average.params, rows), Average.divide(average.buffers, rows));
		adam.restore(new Replica.State(Average.divide(average.m, rows), Average.divide(average.v, rows),
				state.t() + batches.length));
		return new double[] { average.reconstruction, average.kl, average.computeNanos };
	}

	/** The per-partition fold of a round: this partition's local steps. */
	private static final class Local implements Function2<Average, Chunk, Average> {

		private static final long serialVersionUID = 1L;

		private final Broadcast<Round> round;

		private final NetworkSpec spec;

		Local(Broadcast<Round> round, NetworkSpec spec) {
			this.round = round;
			this.spec = spec;
		}

		@Override
		public Average call(Average average, Chunk chunk) {
			return average.merge(chunk.localSteps(this.round.value(), this.spec));
		}

	}

	/**
	 * One step's sums over all partitions: the step broadcast, each partition's share
	 * computed where its slice lives, the sums added in a tree.
	 */
	static Sum aggregate(JavaSparkContext spark, JavaRDD<Chunk> chunks, Step step, NetworkSpec spec) {
		Broadcast<Step> shared = spark.broadcast(step);
		try {
			return chunks.treeAggregate(Sum.empty(), new Seq(shared, spec), Sum::merge, 2);
		}
		finally {
			shared.destroy();
		}
	}

	/**
	 * The mean KL of each latent dimension over the step's whole minibatch: each
	 * partition's sums over its rows, added in a tree, over the minibatch size.
	 */
	static double[] klMeans(JavaSparkContext spark, JavaRDD<Chunk> chunks, Step step, NetworkSpec spec) {
		Broadcast<Step> shared = spark.broadcast(step);
		double[] sums;
		try {
			sums = chunks.treeAggregate(new double[0], new KlSeq(shared, spec), DataParallelTrainer::add, 2);
		}
		finally {
			shared.destroy();
		}
		int b = step.batch().length;
		// the last entry counts the rows
		if (sums.length == 0 || sums[sums.length - 1] != b) {
			throw new IllegalStateException("the KL pass aggregated "
					+ ((sums.length == 0) ? 0 : (long) sums[sums.length - 1]) + " rows, expected " + b);
		}
		double[] means = new double[sums.length - 1];
		for (int j = 0; j < means.length; j++) {
			means[j] = sums[j] / b;
		}
		return means;
	}

	/** Adds two per-dimension sums (either may be the empty zero value). */
	private static double[] add(double[] a, double[] b) {
		if (a.length == 0) {
			return b;
		}
		if (b.length == 0) {
			return a;
		}
		for (int i = 0; i < a.length; i++) {
			a[i] += b[i];
		}
		return a;
	}

	/** The per-partition fold of the KL pass. */
	private static final class KlSeq implements Function2<double[], Chunk, double[]> {

		private static final long serialVersionUID = 1L;

		private final Broadcast<Step> step;

		private final NetworkSpec spec;

		KlSeq(Broadcast<Step> step, NetworkSpec spec) {
			this.step = step;
			this.spec = spec;
		}

		@Override
		public double[] call(double[] sums, Chunk chunk) {
			return add(sums, chunk.klSums(this.step.value(), this.spec));
		}

	}

	/** The per-partition fold: this partition's share of the broadcast step. */
	private static final class Seq implements Function2<Sum, Chunk, Sum> {

		private static final long serialVersionUID = 1L;

		private final Broadcast<Step> step;

		private final NetworkSpec spec;

		Seq(Broadcast<Step> step, NetworkSpec spec) {
			this.step = step;
			this.spec = spec;
		}

		@Override
		public Sum call(Sum sum, Chunk chunk) {
			return sum.merge(chunk.share(this.step.value(), this.spec));
		}

	}

	/** An epoch's step times: the whole step and the slowest partition's compute. */
	static final class StepTimes {

		private long steps;

		private long stepNanos;

		private long computeNanos;

		void add(long step, long compute) {
			this.steps++;
			this.stepNanos += step;
			this.computeNanos += compute;
		}

		double stepMillis() {
			return this.stepNanos / 1e6 / Math.max(1, this.steps);
		}

		double computeMillis() {
			return this.computeNanos / 1e6 / Math.max(1, this.steps);
		}

	}

	/** Progress callbacks; {@link #cancelled()} is polled before every step. */
	interface Listener {

		/**
		 * @param loss the minibatch's −ELBO per example
		 * @param stepMillis wall time of the step on the driver
		 * @param computeMillis the slowest partition's gradient computation
		 */
		void onStep(int epoch, long step, long totalSteps, double loss, double stepMillis, double computeMillis);

		void onEpoch(Trainer.EpochMetrics metrics, StepTimes times);

		/**
		 * Whether to save the run after global step {@code step} (1-based) of
		 * {@code epoch}, within an epoch; the end of every epoch is saved anyway.
		 */
		default boolean checkpointDue(int epoch, long step) {
			return false;
		}

		/**
		 * Where the run is, between two minibatches (with the driver's network as it is
		 * now): enough to continue it. After each epoch (after {@link #onEpoch}) and when
		 * {@link #checkpointDue} says so.
		 */
		default void onCheckpoint(Trainer.State state) {
		}

		default boolean cancelled() {
			return false;
		}

	}

}
