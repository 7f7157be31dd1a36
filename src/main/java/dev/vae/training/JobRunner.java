package dev.vae.training;

import dev.vae.data.DatasetService;
import dev.vae.model.NativeThreads;
import dev.vae.model.Examples;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.checkpoint.TrainingCheckpoint;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;
import dev.vae.registry.ModelRegistry;
import dev.vae.registry.ModelRow;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs one job this replica has claimed (RUNNING, held by it) on a training thread:
 * RUNNING → SUCCEEDED | FAILED | CANCELLED | PAUSED, the last step only while it still
 * holds the job. After every epoch and every {@code vae.jobs.checkpoint-interval}
 * minibatches it saves a training checkpoint to the shared object store
 * ({@link TrainingCheckpoints}); a job claimed with one continues from it, with the
 * result of an uninterrupted run. On success the final network moves into the registry;
 * on cancellation or failure nothing is registered and the training checkpoint is
 * deleted; when another replica took the job over, it is left for that replica.
 */
final class JobRunner implements RunningJobs {

	private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

	/** Progress reaches the database and event streams at most this often. */
	private static final long PUBLISH_EVERY_NANOS = 250_000_000L;

	private final JobRepository repository;

	private final DatasetService datasets;

	private final ModelRegistry registry;

	private final JobEvents events;

	private final Path dir;

	private final Function<String, JobView> views;

	private final Map<String, Live> live = new ConcurrentHashMap<>();

	private final io.micrometer.core.instrument.MeterRegistry meters;

	private final String replica;

	private final JobCalibration calibration;

	private final TrainingCheckpoints checkpoints;

	private final int checkpointInterval;

	/** OpenMP threads of the training thread (vae.training.threads). */
	private final int threads;

	JobRunner(JobRepository repository, DatasetService datasets, ModelRegistry registry, JobEvents events, Path dir,
			Function<String, JobView> views, io.micrometer.core.instrument.MeterRegistry meters, String replica,
			JobCalibration calibration, TrainingCheckpoints checkpoints, int checkpointInterval, int threads) {
		this.threads = threads;
		this.checkpoints = checkpoints;
		this.checkpointInterval = checkpointInterval;
		this.calibration = calibration;
		this.meters = meters;
		this.replica = replica;
		this.repository = repository;
		this.datasets = datasets;
		this.registry = registry;
		this.events = events;
		this.dir = dir;
		this.views = views;
	}

	/** A running job's progress, as the training thread last reported it. */
	private static final class Live {

		final long started = System.nanoTime();

		final int totalEpochs;

		volatile int epoch;

		volatile long step;

		volatile long totalSteps;

		/** Steps done before this run continued them (from a training checkpoint). */
		volatile long firstStep;

		volatile boolean cancelled;

		/** A client asked to pause: save a training checkpoint at the next minibatch. */
		volatile boolean pauseRequested;

		/**
		 * This replica is shutting down: save a training checkpoint and hand the job
		 * back.
		 */
		volatile boolean suspending;

		/** The checkpoint asked for by a pause or a shutdown is saved: stop. */
		volatile boolean paused;

		volatile double loss = Double.NaN;

		/** The last epoch finished. */
		volatile int epochsDone;

		long lastPublished;

		/** The epoch the batch sums below belong to. */
		int lossEpoch;

		double batchLossSum;

		int batches;

		double lastBatchLoss = Double.NaN;

		Live(int totalEpochs) {
			this.totalEpochs = totalEpochs;
		}

		JobView.Progress progress() {
			return JobView.Progress.running(this.epoch, this.totalEpochs, this.step, this.totalSteps, this.started,
					this.firstStep);
		}

		void batch(int epoch, double negElbo) {
			if (epoch != this.lossEpoch) {
				this.lossEpoch = epoch;
				this.batchLossSum = 0;
				this.batches = 0;
			}
			this.batchLossSum += negElbo;
			this.batches++;
			this.lastBatchLoss = negElbo;
		}

		JobView.StepLoss stepLoss() {
			return new JobView.StepLoss(this.lossEpoch, this.step, this.totalSteps, this.lastBatchLoss,
					this.batchLossSum / this.batches);
		}

	}

	JobView.Progress progress(String id) {
		Live l = this.live.get(id);
		return (l != null) ? l.progress() : null;
	}

	@Override
	public void cancel(String id) {
		Live l = this.live.get(id);
		if (l != null) {
			l.cancelled = true;
		}
	}

	@Override
	public void pause(String id) {
		Live l = this.live.get(id);
		if (l != null) {
			l.pauseRequested = true;
		}
	}

	/**
	 * Saves a training checkpoint of every job running here at its next minibatch and
	 * puts it back in the queue, for this or another replica to continue: what a replica
	 * does when it is stopped.
	 */
	void suspendAll() {
		this.live.values().forEach((l) -> l.suspending = true);
	}

	void cancelAll() {
		this.live.values().forEach((l) -> l.cancelled = true);
	}

	/** The jobs training here now. */
	@Override
	public java.util.Set<String> running() {
		return java.util.Set.copyOf(this.live.keySet());
	}

	/** Trains a job this replica has claimed. */
	void run(String id, TrainingSpec spec) {
		NativeThreads.forThisThread(this.threads);
		Live state = new Live(spec.epochs());
		this.live.put(id, state);
		var progressGauge = io.micrometer.core.instrument.Gauge
			.builder("vae.job.progress", state, (s) -> s.progress().fraction())
			.description("fraction of a running job's minibatches done")
			.tag("job", id)
			.register(this.meters);
		var lossGauge = io.micrometer.core.instrument.Gauge.builder("vae.job.loss", state, (s) -> s.loss)
			.description("a running job's last training -ELBO per example")
			.tag("job", id)
			.register(this.meters);
		this.events.publish(id, "status", this.views.apply(id));
		Path jobDir = this.dir.resolve(id);
		try {
			ModelRow model = train(id, spec, state, jobDir);
			this.calibration.run(id, spec, model.id());
			if (finish(id, JobStatus.SUCCEEDED, null, model.id())) {
				this.checkpoints.discard(id);
			}
			log.info("Job {} succeeded: model {}", id, model.id());
		}
		catch (Trainer.CancelledException ex) {
			if (state.paused && !state.cancelled && state.suspending) {
				if (this.repository.release(id, this.replica, "replica '" + this.replica + "' shut down")) {
					log.info("Job {} saved and put back in the queue: this replica is shutting down", id);
				}
			}
			else if (state.paused && !state.cancelled) {
				if (this.repository.paused(id, this.replica)) {
					log.info("Job {} paused at its training checkpoint", id);
				}
				this.events.publish(id, "status", this.views.apply(id));
			}
			else if (finish(id, JobStatus.CANCELLED, null, null)) {
				this.checkpoints.discard(id);
				log.info("Job {} cancelled", id);
			}
		}
		catch (Exception | OutOfMemoryError ex) {
			String reason = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
			if (finish(id, JobStatus.FAILED, reason, null)) {
				this.checkpoints.discard(id);
			}
			log.warn("Job {} failed: {}", id, reason, ex);
		}
		finally {
			this.live.remove(id);
			this.meters.remove(progressGauge);
			this.meters.remove(lossGauge);
			deleteQuietly(jobDir);
		}
	}

	private ModelRow train(String id, TrainingSpec spec, Live state, Path jobDir) throws IOException {
		Examples all = this.datasets.examples(spec.dataset());
		if (!spec.holdOutClasses().isEmpty()) {
			// the held-out classes are known anomalies: the model never sees them
			all = spec.holdOut(all, this.datasets.labels(spec.dataset()))[0];
		}
		Architecture architecture = spec.plan(this.datasets.get(spec.dataset()).shape());
		Examples[] split = spec.split(all);
		Examples train = split[0];
		Examples validation = split[1];
		Path checkpoint = jobDir.resolve("checkpoint.vae");
		String description = "dataset " + spec.dataset() + " (" + this.datasets.get(spec.dataset()).description() + ")";
		long started = System.nanoTime();
		dev.vae.model.train.TrainingOptions options = spec.options();
		// the card's epochs run, and with early stopping the epoch whose parameters these
		// are
		Function<Integer, Manifest.TrainingInfo> info = (bestEpoch) -> new Manifest.TrainingInfo(description,
				train.count(), validation.count(), spec.epochs(), spec.batchSize(), spec.learningRate(), spec.seed(),
				(System.nanoTime() - started) / 1e9,
				options.equals(dev.vae.model.train.TrainingOptions.NONE) ? null : options, state.epochsDone, bestEpoch);
		Network network;
		Trainer.State from = null;
		java.util.Optional<TrainingCheckpoint.Loaded> saved = this.checkpoints.load(id, architecture);
		int stepsPerEpoch = new dev.vae.model.train.TrainingSchedule(spec.seed(), train.count(), spec.batchSize())
			.stepsPerEpoch();
		if (saved.isPresent()) {
			network = saved.get().network();
			from = saved.get().state();
			state.epochsDone = from.epoch() - 1;
		}
		else {
			network = Network.initialise(architecture, DataType.FLOAT, spec.seed());
		}
		if (from != null || this.repository.claims(id) > 1) {
			int epoch = (from != null) ? from.epoch() : 1;
			long step = (from != null) ? from.globalStep(stepsPerEpoch) : 0;
			this.repository.markResumed(id, this.replica, epoch, step);
			state.firstStep = step;
			state.step = step;
			this.events.publish(id, "resumed", this.views.apply(id).resumedFrom());
			log.info("Job {} resumed from epoch {} / step {}", id, epoch, step);
		}
		Trainer.EpochMetrics last = new Trainer(spec.settings(), listener(id, state, (s) -> saveTrainingCheckpoint(id,
				spec, architecture, info.apply(null), network, s, jobDir, stepsPerEpoch)))
			.train(network, train, validation, from);
		Checkpoint.write(checkpoint,
				Manifest.draft(spec.name(), architecture, info.apply(options.stopsEarly() ? last.epoch() : null),
						metrics(last, Evaluation.pixelMeanBaseline(architecture, train, validation))),
				network);
		if (state.cancelled) {
			throw new Trainer.CancelledException("training cancelled after the last epoch");
		}
		if (!this.repository.holds(id, this.replica)) {
			throw new IllegalStateException("this replica no longer holds the job (its lease expired); "
					+ "the trained model is not registered");
		}
		return this.registry.registerTrained(checkpoint, id);
	}

	private void saveTrainingCheckpoint(String id, TrainingSpec spec, Architecture architecture,
			Manifest.TrainingInfo info, Network network, Trainer.State state, Path jobDir, int stepsPerEpoch)
			throws IOException {
		Manifest.Metrics figures = (state.last() != null) ? metrics(state.last(), Double.NaN) : null;
		this.checkpoints.save(id, this.replica, jobDir, Manifest.draft(spec.name(), architecture, info, figures),
				network, state, state.globalStep(stepsPerEpoch));
	}

	/** Saves a training checkpoint of the run at {@code state}. */
	private interface Saver {

		void save(Trainer.State state) throws IOException;

	}

	/**
	 * Publishes progress, records each epoch, saves training checkpoints, and stops the
	 * trainer when the job is cancelled or, once its checkpoint is saved, paused.
	 */
	private Trainer.Listener listener(String id, Live state, Saver saver) {
		return new Trainer.Listener() {
			@Override
			public void onBatch(int epoch, double negElbo) {
				state.batch(epoch, negElbo);
			}

			@Override
			public void onStep(int epoch, long step, long totalSteps) {
				state.epoch = epoch;
				state.step = step;
				state.totalSteps = totalSteps;
				long now = System.nanoTime();
				if (now - state.lastPublished > PUBLISH_EVERY_NANOS || step == totalSteps) {
					state.lastPublished = now;
					JobRunner.this.repository.progress(id, epoch, step, totalSteps);
					JobRunner.this.events.publish(id, "progress", state.progress());
					if (state.batches > 0) {
						JobRunner.this.events.publish(id, "loss", state.stepLoss());
					}
				}
			}

			@Override
			public void onEpoch(Trainer.EpochMetrics metrics) {
				state.loss = metrics.trainNegElbo();
				state.epochsDone = metrics.epoch();
				JobRunner.this.repository.insertEpoch(id, metrics);
				JobRunner.this.events.publish(id, "epoch", metrics);
			}

			@Override
			public boolean checkpointDue(int epoch, long step) {
				return state.pauseRequested
						|| (JobRunner.this.checkpointInterval > 0 && step % JobRunner.this.checkpointInterval == 0);
			}

			@Override
			public void onCheckpoint(Trainer.State position) {
				try {
					saver.save(position);
				}
				catch (IOException ex) {
					String where = (position.step() == 0) ? "after epoch " + (position.epoch() - 1)
							: "in epoch " + position.epoch() + " after step " + position.step();
					throw new java.io.UncheckedIOException("training checkpoint " + where + " failed", ex);
				}
				if (state.pauseRequested || state.suspending) {
					state.paused = true;
				}
			}

			@Override
			public boolean cancelled() {
				return state.cancelled || state.paused;
			}
		};
	}

	private static Manifest.Metrics metrics(Trainer.EpochMetrics m, double baseline) {
		return new Manifest.Metrics(m.trainNegElbo(), m.validationNegElbo(), m.validationReconstruction(),
				m.validationKl(), baseline);
	}

	/** Whether this replica still held the job and finished it. */
	private boolean finish(String id, JobStatus to, String error, String modelId) {
		boolean held = this.repository.finish(id, this.replica, to, error, modelId);
		this.live.remove(id);
		if (!held) {
			log.warn("Job {} was no longer held by this replica; it stays as another replica left it", id);
			return false;
		}
		this.events.finish(id, this.views.apply(id));
		return true;
	}

	private static void deleteQuietly(Path dir) {
		if (!Files.exists(dir)) {
			return;
		}
		try (Stream<Path> files = Files.walk(dir)) {
			files.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
		}
		catch (IOException ex) {
			log.warn("Could not delete {}: {}", dir, ex.getMessage());
		}
	}

}
