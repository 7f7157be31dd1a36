package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.data.DatasetRow;
import dev.vae.data.DatasetService;
import dev.vae.model.checkpoint.TrainingCheckpoint;
import dev.vae.model.network.Architecture;
import dev.vae.model.train.Trainer;
import dev.vae.model.train.TrainingSchedule;
import dev.vae.registry.ModelRegistry;
import dev.vae.registry.ModelRow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs an {@code "engine": "spark"} job: starts the Spark training application
 * ({@code dev.vae.spark.SparkTraining}) as a child JVM whose driver runs against
 * {@code vae.spark.master}, follows the JSON lines it prints into the job's progress,
 * epochs and events, and registers the checkpoint it writes into the job's directory.
 * Cancelling destroys the process (the cluster ends the application's executors with it);
 * pausing, or this replica stopping, destroys it too but keeps the job's training
 * checkpoint, from which a new driver continues. The same state machine as local jobs:
 * QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED.
 */
final class SparkJobRunner implements RunningJobs {

	private static final Logger log = LoggerFactory.getLogger(SparkJobRunner.class);

	private static final long PUBLISH_EVERY_NANOS = 250_000_000L;

	/** The driver's training checkpoint in the job's directory. */
	static final String TRAINING_CHECKPOINT = "training.ckpt";

	private final SparkSettings settings;

	private final JobRepository repository;

	private final DatasetService datasets;

	private final ModelRegistry registry;

	private final JobEvents events;

	private final Path dir;

	private final Function<String, JobView> views;

	private final ObjectMapper json;

	private final Map<String, Driver> running = new ConcurrentHashMap<>();

	/** This replica: it holds the jobs it runs under a lease (see {@link JobQueue}). */
	private final String replica;

	private final JobCalibration calibration;

	/** The jobs' training checkpoints in the object store, shared by every replica. */
	private final TrainingCheckpoints checkpoints;

	SparkJobRunner(SparkSettings settings, JobRepository repository, DatasetService datasets, ModelRegistry registry,
			JobEvents events, Path dir, Function<String, JobView> views, ObjectMapper json, String replica,
			JobCalibration calibration, TrainingCheckpoints checkpoints) {
		this.checkpoints = checkpoints;
		this.calibration = calibration;
		this.replica = replica;
		this.settings = settings;
		this.repository = repository;
		this.datasets = datasets;
		this.registry = registry;
		this.events = events;
		this.dir = dir;
		this.views = views;
		this.json = json;
	}

	/** A running driver process and its progress as it last reported it. */
	private static final class Driver {

		final long started = System.nanoTime();

		final int totalEpochs;

		volatile Process process;

		/** Driver processes started for this run: more than one after a restart. */
		volatile int starts;

		volatile boolean cancelled;

		/**
		 * Why the driver is being stopped without cancelling the job: a client paused it,
		 * or this replica is shutting down; null otherwise. Either way the job continues
		 * later from its last training checkpoint in the object store.
		 */
		volatile String interruption;

		volatile int epoch = 1;

		volatile long step;

		volatile long totalSteps;

		long lastPublished;

		Driver(int totalEpochs) {
			this.totalEpochs = totalEpochs;
		}

		JobView.Progress progress() {
			return JobView.Progress.running(this.epoch, this.totalEpochs, this.step, this.totalSteps, this.started);
		}

	}

	JobView.Progress progress(String id) {
		Driver d = this.running.get(id);
		return (d != null) ? d.progress() : null;
	}

	@Override
	public java.util.Set<String> running() {
		return java.util.Set.copyOf(this.running.keySet());
	}

	@Override
	public void cancel(String id) {
		Driver d = this.running.get(id);
		if (d != null) {
			synchronized (d) {
				d.cancelled = true;
				if (d.process != null) {
					d.process.destroy();
				}
			}
		}
	}

	void cancelAll() {
		this.running.keySet().forEach(this::cancel);
	}

	/**
	 * Stops the job's driver and leaves the job PAUSED with its last training checkpoint
	 * (the driver copies one into the object store every
	 * {@code vae.spark.checkpoint-every} steps and every epoch): resumed, it continues
	 * from there, the steps since redone with the same draws.
	 */
	@Override
	public void pause(String id) {
		interrupt(id, "paused by a client");
	}

	/**
	 * Stops every driver and hands its job back to the queue (this replica is stopping).
	 */
	void suspendAll() {
		this.running.keySet().forEach((id) -> interrupt(id, "replica '" + this.replica + "' shut down"));
	}

	private void interrupt(String id, String reason) {
		Driver d = this.running.get(id);
		if (d != null) {
			synchronized (d) {
				d.interruption = reason;
				if (d.process != null) {
					d.process.destroy();
				}
			}
		}
	}

	/** Trains a job this replica has claimed (RUNNING, held by it) on a Spark cluster. */
	void run(String id, TrainingSpec spec) {
		Driver driver = new Driver(spec.epochs());
		this.running.put(id, driver);
		this.events.publish(id, "status", this.views.apply(id));
		Path jobDir = this.dir.resolve(id);
		try {
			ModelRow model = train(id, spec, driver, jobDir);
			this.calibration.run(id, spec, model.id());
			finish(id, JobStatus.SUCCEEDED, null, model.id());
			log.info("Spark job {} succeeded: model {}", id, model.id());
		}
		catch (Trainer.CancelledException ex) {
			String interruption = driver.interruption;
			if (interruption != null && !driver.cancelled) {
				boolean moved = interruption.equals("paused by a client") ? this.repository.paused(id, this.replica)
						: this.repository.release(id, this.replica, interruption);
				if (moved) {
					log.info("Spark job {} stopped ({}); it continues from its last training checkpoint", id,
							interruption);
				}
				this.events.publish(id, "status", this.views.apply(id));
			}
			else {
				finish(id, JobStatus.CANCELLED, null, null);
				log.info("Spark job {} cancelled", id);
			}
		}
		catch (Exception | OutOfMemoryError ex) {
			// an error here would end the training thread and leave the job to its lease
			String reason = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
			finish(id, JobStatus.FAILED, reason, null);
			log.warn("Spark job {} failed: {}", id, reason);
		}
		finally {
			Process p = driver.process;
			if (p != null && p.isAlive()) {
				p.destroyForcibly();
			}
			this.running.remove(id);
			deleteQuietly(jobDir);
		}
	}

	private ModelRow train(String id, TrainingSpec spec, Driver driver, Path jobDir)
			throws IOException, InterruptedException {
		Files.createDirectories(jobDir);
		Path trainingCheckpoint = jobDir.resolve(TRAINING_CHECKPOINT);
		Path driverLog = jobDir.resolve("driver.log");
		Path specFile = jobDir.resolve("spec.json");
		Files.writeString(specFile, this.json.writeValueAsString(spec));
		Path checkpoint = jobDir.resolve("checkpoint.vae");
		DatasetRow dataset = this.datasets.get(spec.dataset());
		int stepsPerEpoch = new TrainingSchedule(spec.seed(), dataset.count() - spec.heldOut(dataset.count()),
				spec.batchSize())
			.stepsPerEpoch();
		// a job claimed again (its replica stopped, or its lease expired) continues from
		// its last training checkpoint in the object store, on whichever replica claims
		// it; without one it starts over, the run it would have been
		Architecture architecture = spec.plan(dataset.shape());
		Optional<TrainingCheckpoint.Loaded> saved = this.checkpoints.load(id, architecture);
		if (saved.isPresent()) {
			TrainingCheckpoint.write(trainingCheckpoint, saved.get().manifest(), saved.get().network(),
					saved.get().state());
		}
		else {
			Files.deleteIfExists(trainingCheckpoint);
		}
		if (saved.isPresent() || this.repository.claims(id) > 1) {
			Trainer.State from = saved.map(TrainingCheckpoint.Loaded::state).orElse(null);
			resumed(id, (from != null) ? from.epoch() : 1, (from != null) ? from.globalStep(stepsPerEpoch) : 0);
		}
		for (int restarts = 0;; restarts++) {
			boolean resume = Files.exists(trainingCheckpoint);
			Ending ending = runDriver(id, driver,
					command(spec, dataset, specFile, checkpoint, trainingCheckpoint, resume), driverLog,
					(file) -> onCheckpoint(id, file, architecture, stepsPerEpoch, jobDir.resolve("scratch")));
			if (driver.cancelled || driver.interruption != null) {
				throw new Trainer.CancelledException(driver.cancelled ? "cancelled" : driver.interruption);
			}
			if (ending.finished() && ending.exit() == 0 && Files.exists(checkpoint)) {
				break;
			}
			log.warn("Spark job {}: driver exited with {}; last lines of {}:\n{}", id, ending.exit(), driverLog,
					tail(driverLog, 20));
			// a driver that reported its own failure would fail again; one that vanished
			// (killed, its machine lost) continues from its last training checkpoint, or
			// starts over before the first
			if (ending.failure() == null && restarts < this.settings.driverRestarts()) {
				log.info("Spark job {}: starting its driver again{}", id,
						Files.exists(trainingCheckpoint) ? " from " + trainingCheckpoint : ", from the start");
				continue;
			}
			throw new IllegalStateException(
					(ending.failure() != null) ? ending.failure() : "the Spark driver exited with code " + ending.exit()
							+ " before finishing" + ((restarts > 0) ? " (started " + (restarts + 1) + " times)" : ""));
		}
		if (!this.repository.holds(id, this.replica)) {
			throw new IllegalStateException("this replica no longer holds the job (its lease expired); "
					+ "the trained model is not registered");
		}
		return this.registry.registerTrained(checkpoint, id);
	}

	/** How a driver process ended. */
	private record Ending(int exit, boolean finished, String failure) {
	}

	private Ending runDriver(String id, Driver driver, List<String> command, Path driverLog,
			java.util.function.Consumer<Path> saving) throws IOException, InterruptedException {
		ProcessBuilder builder = new ProcessBuilder(command)
			.redirectError(ProcessBuilder.Redirect.appendTo(driverLog.toFile()));
		builder.environment().put("OMP_NUM_THREADS", "1");
		synchronized (driver) {
			if (driver.cancelled || driver.interruption != null) {
				throw new Trainer.CancelledException("stopped before the driver started");
			}
			// its standard input stays open: it is the driver's heartbeat
			driver.process = builder.start();
			driver.starts++;
		}
		log.info("Spark job {}: driver started on {}", id, this.settings.master());
		String failure = null;
		boolean finished = false;
		try (BufferedReader lines = new BufferedReader(
				new InputStreamReader(driver.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				if (!line.startsWith("{")) {
					continue;
				}
				JsonNode event = this.json.readTree(line);
				switch (event.path("event").asText()) {
					case "started" -> driver.totalSteps = event.path("totalSteps").asLong();
					case "step" -> onStep(id, driver, event);
					case "epoch" -> onEpoch(id, event);
					case "resumed" -> onResumed(id, driver, event);
					case "checkpoint" -> saving.accept(Path.of(event.path("file").asText()));
					case "finished" -> {
						finished = true;
						log.info("Spark job {}: driver finished in {} s, its peak Java heap used {} MB", id,
								String.format("%.1f", event.path("seconds").asDouble()),
								event.path("driverHeapUsedMaxBytes").asLong() / (1024 * 1024));
					}
					case "failed" -> failure = event.path("error").asText();
					default -> log.debug("Spark job {}: ignored line {}", id, line);
				}
			}
		}
		catch (IOException ex) {
			// a destroyed process closes its stream under the reader
			if (!driver.cancelled && driver.interruption == null) {
				throw ex;
			}
		}
		return new Ending(driver.process.waitFor(), finished, failure);
	}

	/** A driver started again within this run continued from its training checkpoint. */
	private void onResumed(String id, Driver driver, JsonNode event) {
		if (driver.starts > 1) {
			resumed(id, event.path("epoch").asInt(), event.path("globalStep").asLong());
		}
	}

	private void resumed(String id, int epoch, long step) {
		this.repository.markResumed(id, this.replica, epoch, step);
		this.events.publish(id, "resumed", this.views.apply(id).resumedFrom());
		log.info("Spark job {} resumed from epoch {} / step {}", id, epoch, step);
	}

	/**
	 * Copies the driver's newest training checkpoint into the object store, where any
	 * replica that claims the job next finds it.
	 */
	private void onCheckpoint(String id, Path file, Architecture architecture, int stepsPerEpoch, Path scratch) {
		try {
			// a copy first (the driver replaces its file at its next checkpoint), read
			// whole
			// for its checksums and position, then stored as the driver wrote it
			Files.createDirectories(scratch);
			Path copy = Files.createTempFile(scratch, "training-", ".ckpt");
			try {
				Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
				Trainer.State state = TrainingCheckpoint.read(copy, architecture.parameterCount()).state();
				if (!this.checkpoints.store(id, this.replica, copy, state.epoch(), state.globalStep(stepsPerEpoch))) {
					log.warn("Spark job {}: no longer held by this replica; its training checkpoint is not kept", id);
				}
			}
			finally {
				Files.deleteIfExists(copy);
			}
		}
		catch (IOException | RuntimeException ex) {
			// the driver's own file stays; the next one may be stored
			log.warn("Spark job {}: its training checkpoint could not be stored: {}", id, ex.getMessage());
		}
	}

	private List<String> command(TrainingSpec spec, DatasetRow dataset, Path specFile, Path checkpoint,
			Path trainingCheckpoint, boolean resume) {
		List<String> command = new ArrayList<>();
		command.add(this.settings.javaExecutable().toString());
		command.add("-Xmx" + this.settings.driverMemory().toMegabytes() + "m");
		command.addAll(SparkJvmOptions.SPARK);
		command.add("-cp");
		command.add(this.settings.driverClasspath());
		command.add("dev.vae.spark.SparkTraining");
		// executors read the rows themselves: from the shared bucket when the service
		// stores datasets in one, else from the storage directory's file (a path every
		// executor must reach)
		String data = this.datasets.storedAt(dataset.id())
			.map(String::valueOf)
			.orElseGet(() -> this.datasets.file(dataset.id()).toString());
		command.addAll(List.of("--master", this.settings.master(), "--spec", specFile.toString(), "--data", data,
				"--format", "f32", "--shape",
				dataset.shape().stream().map(String::valueOf).collect(Collectors.joining(",")), "--out",
				checkpoint.toString(), "--description", "dataset " + dataset.id() + " (" + dataset.description() + ")",
				"--conf", "spark.driver.host=" + this.settings.driverHost(), "--conf",
				"spark.driver.bindAddress=" + this.settings.driverHost(),
				// the driver stops when this service's end of its standard input closes:
				// when this process ends, by any signal
				"--heartbeat", "stdin", "--checkpoint", trainingCheckpoint.toString(), "--checkpoint-every",
				String.valueOf(this.settings.checkpointEvery())));
		if (resume) {
			command.add("--resume");
		}
		if (this.settings.localSteps() > 1) {
			command.addAll(List.of("--local-steps", String.valueOf(this.settings.localSteps())));
		}
		if (this.settings.partitions() > 0) {
			command.addAll(List.of("--partitions", String.valueOf(this.settings.partitions())));
		}
		command.addAll(this.settings.confArguments());
		return command;
	}

	private void onStep(String id, Driver driver, JsonNode event) {
		driver.epoch = event.path("epoch").asInt();
		driver.step = event.path("step").asLong();
		driver.totalSteps = event.path("totalSteps").asLong();
		long now = System.nanoTime();
		if (now - driver.lastPublished > PUBLISH_EVERY_NANOS || driver.step == driver.totalSteps) {
			driver.lastPublished = now;
			this.repository.progress(id, driver.epoch, driver.step, driver.totalSteps);
			this.events.publish(id, "progress", driver.progress());
		}
	}

	private void onEpoch(String id, JsonNode e) {
		log.info("Spark job {}: epoch {} took {} s, {} ms a step ({} ms the slowest partition's compute)", id,
				e.path("epoch").asInt(), String.format("%.1f", e.path("seconds").asDouble()),
				String.format("%.1f", e.path("stepMillis").asDouble()),
				String.format("%.1f", e.path("computeMillis").asDouble()));
		Trainer.EpochMetrics metrics = new Trainer.EpochMetrics(e.path("epoch").asInt(),
				e.path("trainNegElbo").asDouble(), e.path("trainReconstruction").asDouble(),
				e.path("trainKl").asDouble(), e.path("validationNegElbo").asDouble(),
				e.path("validationReconstruction").asDouble(), e.path("validationKl").asDouble(),
				e.path("seconds").asDouble(), doubles(e.path("validationKlPerDimension")),
				e.hasNonNull("activeUnits") ? e.path("activeUnits").asInt() : null,
				e.hasNonNull("beta") ? e.path("beta").asDouble() : null,
				e.hasNonNull("learningRate") ? e.path("learningRate").asDouble() : null);
		this.repository.insertEpoch(id, metrics);
		this.events.publish(id, "epoch", metrics);
	}

	/** A JSON array of numbers, or null when absent. */
	private static double[] doubles(JsonNode array) {
		if (!array.isArray()) {
			return null;
		}
		double[] values = new double[array.size()];
		for (int i = 0; i < values.length; i++) {
			values[i] = array.get(i).asDouble();
		}
		return values;
	}

	private void finish(String id, JobStatus to, String error, String modelId) {
		if (this.repository.finish(id, this.replica, to, error, modelId)) {
			// it ended and will not resume
			this.checkpoints.discard(id);
		}
		else {
			log.warn("Spark job {} was no longer held by this replica; it stays as another replica left it", id);
		}
		this.running.remove(id);
		this.events.finish(id, this.views.apply(id));
	}

	private static String tail(Path file, int lines) {
		try {
			List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
			return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
		}
		catch (IOException ex) {
			return "(unreadable: " + ex.getMessage() + ")";
		}
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
