package dev.vae.training;

import dev.vae.model.network.Architecture;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.data.DatasetRow;
import dev.vae.data.DatasetService;
import dev.vae.data.DatasetUsage;
import dev.vae.registry.ModelReferences;
import dev.vae.registry.ModelRegistry;
import dev.vae.system.AnomalySettings;
import dev.vae.system.Columns;
import dev.vae.system.ConflictException;
import dev.vae.system.MemoryBudget;
import dev.vae.system.InvalidInputException;
import dev.vae.system.NotFoundException;
import dev.vae.system.QueueFullException;
import dev.vae.system.ReplicaIdentity;
import dev.vae.system.VaeProperties;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Service;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Training jobs: submission into the queue in the database (a full queue is refused, not
 * grown), from which any replica's {@link JobQueue} takes them, cancellation from any
 * replica, pause and resume, and the job views. After a restart, jobs this replica's
 * previous process left running go back to the queue ("interrupted by restart") and
 * continue from their last training checkpoint. Queued jobs wait for whichever replica is
 * free.
 */
@Service
public class JobService implements DatasetUsage {

	static final String INTERRUPTED = "interrupted by restart";

	private static final Logger log = LoggerFactory.getLogger(JobService.class);

	private final JobRepository repository;

	private final DatasetService datasets;

	private final JobEvents events;

	private final JobRunner runner;

	private final SparkSettings sparkSettings;

	private final SparkJobRunner spark;

	private final ObjectMapper json;

	private final VaeProperties.Jobs settings;

	private final ThreadPoolExecutor executor;

	private final JobQueue queue;

	private final AnomalySettings anomaly;

	private final MemoryBudget memory;

	private final TrainingCheckpoints checkpoints;

	/** The local trainer and the Spark launcher as one: whichever runs a job here. */
	private final RunningJobs engines;

	JobService(JobRepository repository, DatasetService datasets, ModelRegistry registry, JobEvents events,
			ObjectMapper json, VaeProperties properties, SparkSettings spark,
			io.micrometer.core.instrument.MeterRegistry meters, ReplicaIdentity replica, ModelReferences references,
			AnomalySettings anomaly, MemoryBudget memory, dev.vae.storage.ObjectStore store,
			TrainingSettings training) {
		this.anomaly = anomaly;
		this.memory = memory;
		this.repository = repository;
		this.datasets = datasets;
		this.events = events;
		this.json = json;
		this.settings = properties.jobs();
		JobCalibration calibration = new JobCalibration(datasets, registry, references, anomaly, repository, json);
		this.checkpoints = new TrainingCheckpoints(store, repository, properties.model().maxParameters());
		this.runner = new JobRunner(repository, datasets, registry, events, properties.storage().dir().resolve("jobs"),
				this::view, meters, replica.id(), calibration, this.checkpoints, this.settings.checkpointInterval(),
				training.jobThreads());
		this.sparkSettings = spark;
		this.spark = new SparkJobRunner(spark, repository, datasets, registry, events,
				properties.storage().dir().resolve("jobs"), this::view, json, replica.id(), calibration,
				this.checkpoints);
		for (JobStatus status : JobStatus.values()) {
			io.micrometer.core.instrument.Gauge.builder("vae.jobs", () -> repository.count(status))
				.description("training jobs by state")
				.tag("status", status.name())
				.register(meters);
		}
		AtomicInteger threads = new AtomicInteger();
		this.executor = new ThreadPoolExecutor(this.settings.concurrency(), this.settings.concurrency(), 0,
				TimeUnit.SECONDS, new ArrayBlockingQueue<>(this.settings.queueLength()),
				(r) -> new Thread(r, "training-" + threads.incrementAndGet()), new ThreadPoolExecutor.AbortPolicy());
		this.engines = RunningJobs.of(this.runner, this.spark);
		this.queue = new JobQueue(repository, this.engines, events, this::view, this::launch, this.settings,
				replica.id(), memory);
	}

	@PostConstruct
	void start() {
		List<String> requeued = this.repository.requeueRunningOf(this.queue.replica(), INTERRUPTED,
				this.settings.maxResumes());
		if (!requeued.isEmpty()) {
			log.warn("Re-queued {} job(s) left running by this replica's previous process ({}); they continue from "
					+ "their last training checkpoints", requeued.size(), INTERRUPTED);
		}
		this.queue.start();
	}

	/**
	 * Stops claiming, and hands the jobs training here back to the queue with a training
	 * checkpoint each (waiting up to one lease for that), so that a rolling restart
	 * interrupts training without losing it.
	 */
	@PreDestroy
	void stop() {
		this.queue.stop();
		this.runner.suspendAll();
		this.spark.suspendAll();
		this.executor.shutdown();
		try {
			if (!this.executor.awaitTermination(this.settings.lease().toMillis(), TimeUnit.MILLISECONDS)) {
				log.warn("Training did not stop within {}; its lease will expire and another replica continues it "
						+ "from the last training checkpoint", this.settings.lease());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.runner.cancelAll();
		this.executor.shutdownNow();
	}

	/** Trains a job this replica has claimed, on a training thread. */
	private void launch(JobRepository.JobRow job, MemoryBudget.Lease lease) {
		TrainingSpec spec;
		try {
			spec = fromJson(job.spec()).withDefaults();
		}
		catch (RuntimeException ex) {
			lease.close();
			this.queue.release();
			this.repository.finish(job.id(), this.queue.replica(), JobStatus.FAILED,
					"its stored specification cannot be read: " + ex.getMessage(), null);
			return;
		}
		try {
			this.executor.execute(() -> {
				try (lease) {
					if (spec.engine().equals("spark")) {
						this.spark.run(job.id(), spec);
					}
					else {
						this.runner.run(job.id(), spec);
					}
				}
				finally {
					this.queue.release();
				}
			});
		}
		catch (RejectedExecutionException ex) {
			// more claims than threads cannot happen while slots are counted; fail loudly
			lease.close();
			this.queue.release();
			this.repository.finish(job.id(), this.queue.replica(), JobStatus.FAILED,
					"this replica could not start the job", null);
		}
	}

	/** Validates a spec and queues its job. */
	public JobView submit(TrainingSpec requested) {
		if (requested == null || requested.dataset() == null || requested.dataset().isBlank()) {
			throw new InvalidInputException("dataset", "dataset must name a stored dataset (see GET /datasets)");
		}
		TrainingSpec spec;
		try {
			spec = requested.withDefaults();
		}
		catch (IllegalArgumentException ex) {
			String message = ex.getMessage();
			throw new InvalidInputException(
					(message != null && message.startsWith("holdOutClasses")) ? "holdOutClasses" : "hidden", message);
		}
		DatasetRow dataset;
		try {
			dataset = this.datasets.get(spec.dataset());
		}
		catch (NotFoundException ex) {
			throw new InvalidInputException("dataset", ex.getMessage());
		}
		Columns.require("name", requested.name(), Columns.NAME);
		Architecture plan = check(spec, dataset);
		// a Spark job trains in its own driver JVM: nothing of it is held here
		MemoryBudget.Estimate estimate = spec.engine().equals("spark") ? new MemoryBudget.Estimate(0, 0, "spark")
				: JobMemory.estimate(plan, spec.batchSize(), dataset.count(), dataset.length(),
						spec.options().stopsEarly());
		this.memory.admissible("architecture", "this job", estimate);
		String id = "j-" + UUID.randomUUID().toString().substring(0, 12);
		// a free slot here, and free memory for its estimate, takes the job in the
		// insert's own transaction; otherwise it waits in the queue for whichever
		// replica can take it first
		boolean here = this.queue.reserveForSubmission();
		MemoryBudget.Lease lease = null;
		if (here) {
			lease = this.memory.tryReserve(estimate).orElse(null);
			if (lease == null) {
				here = false;
				this.queue.release();
			}
		}
		if (!here && this.repository.count(JobStatus.QUEUED) >= this.settings.queueLength()) {
			throw new QueueFullException(
					"the training queue is full (" + this.settings.queueLength() + " waiting; vae.jobs.queue-length)",
					this.settings.retryAfter());
		}
		JobRepository.JobRow row = new JobRepository.JobRow(id, JobStatus.QUEUED, toJson(spec), spec.dataset(),
				Instant.now(), null, null, 0, spec.epochs(), 0, 0, null, null, null);
		try {
			this.repository.insert(row, here ? this.queue.replica() : null, this.queue.leaseUntil(), estimate.heap(),
					estimate.nativeBytes());
		}
		catch (RuntimeException ex) {
			if (here) {
				lease.close();
				this.queue.release();
			}
			throw ex;
		}
		if (here) {
			launch(row, lease);
		}
		return view(id);
	}

	private Architecture check(TrainingSpec spec, DatasetRow dataset) {
		if (spec.epochs() < 1 || spec.epochs() > this.settings.maxEpochs()) {
			throw new InvalidInputException("epochs", "epochs must lie in 1.." + this.settings.maxEpochs()
					+ " (vae.jobs.max-epochs), was " + spec.epochs());
		}
		if (spec.batchSize() < 1) {
			throw new InvalidInputException("batchSize", "batchSize must be at least 1, was " + spec.batchSize());
		}
		if (!(spec.learningRate() > 0) || spec.learningRate() > 1) {
			throw new InvalidInputException("learningRate",
					"learningRate must lie in (0, 1], was " + spec.learningRate());
		}
		// the training options, each refused with its own field
		spec.options();
		if (!(spec.validationSplit() > 0) || spec.validationSplit() > 0.5) {
			throw new InvalidInputException("validationSplit",
					"validationSplit must lie in (0, 0.5], was " + spec.validationSplit());
		}
		if (!spec.engine().equals("local") && !spec.engine().equals("spark")) {
			throw new InvalidInputException("engine", "engine must be 'local' or 'spark', was '" + spec.engine() + "'");
		}
		if (spec.engine().equals("spark") && this.sparkSettings.missing() != null) {
			throw new InvalidInputException("engine",
					"engine 'spark' is not configured on this service: " + this.sparkSettings.missing());
		}
		if (dataset.count() < 2) {
			throw new InvalidInputException("dataset", "dataset '" + dataset.id() + "' holds " + dataset.count()
					+ " example(s); training needs at least 2");
		}
		checkAnomaly(spec, dataset);
		try {
			Architecture plan = spec.plan(dataset.shape());
			if (plan.inputLength() != dataset.length()) {
				throw new InvalidInputException("dataset", "the architecture expects vectors of " + plan.inputLength()
						+ " values, the dataset holds " + dataset.length());
			}
			return plan;
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidInputException("architecture", ex.getMessage());
		}
	}

	/**
	 * The anomaly options: k and the FPR within their limits, and held-out classes only
	 * for a labelled dataset, each present, leaving some class to train on.
	 */
	private void checkAnomaly(TrainingSpec spec, DatasetRow dataset) {
		if (spec.anomalyK() != null && (spec.anomalyK() < 2 || spec.anomalyK() > this.anomaly.maxK())) {
			throw new InvalidInputException("anomalyK",
					"anomalyK must lie in 2.." + this.anomaly.maxK() + " (vae.anomaly.max-k), was " + spec.anomalyK());
		}
		if (spec.anomalyFpr() != null && !(spec.anomalyFpr() > 0 && spec.anomalyFpr() < 1)) {
			throw new InvalidInputException("anomalyFpr",
					"anomalyFpr must lie strictly between 0 and 1, was " + spec.anomalyFpr());
		}
		if (spec.holdOutClasses().isEmpty()) {
			return;
		}
		if (spec.engine().equals("spark")) {
			throw new InvalidInputException("holdOutClasses",
					"holdOutClasses needs the local engine (the Spark driver trains on every row of the dataset)");
		}
		if (!dataset.hasLabels()) {
			throw new InvalidInputException("holdOutClasses", "dataset '" + dataset.id()
					+ "' has no labels; holdOutClasses needs a labelled dataset (shapes, IDX with labels, an image folder)");
		}
		int[] labels;
		try {
			labels = this.datasets.labels(dataset.id());
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException("the labels of dataset " + dataset.id() + " cannot be read", ex);
		}
		java.util.Set<Integer> present = new java.util.TreeSet<>();
		for (int label : labels) {
			present.add(label);
		}
		for (Integer held : spec.holdOutClasses()) {
			if (!present.contains(held)) {
				throw new InvalidInputException("holdOutClasses", "holdOutClasses names label " + held
						+ ", which dataset '" + dataset.id() + "' does not hold; its labels are " + present);
			}
		}
		if (present.stream().allMatch(spec.holdOutClasses()::contains)) {
			throw new InvalidInputException("holdOutClasses", "holdOutClasses holds every label of dataset '"
					+ dataset.id() + "'; leave at least one to train on");
		}
	}

	/**
	 * Cancels a queued, paused or running job, on whichever replica runs it; waits up to
	 * two seconds for a running one to stop.
	 */
	public JobView cancel(String id) {
		JobRepository.JobRow row = row(id);
		for (JobStatus waiting : List.of(JobStatus.QUEUED, JobStatus.PAUSED)) {
			if (row.status() == waiting && this.repository.transition(id, waiting, JobStatus.CANCELLED, null, null)) {
				this.checkpoints.discard(id);
				JobView view = view(id);
				this.events.finish(id, view);
				return view;
			}
		}
		row = row(id);
		if (row.status().finished()) {
			throw new ConflictException(
					"job '" + id + "' is " + row.status() + "; only queued, paused or running jobs can be cancelled");
		}
		// the replica that runs it sees the request at its next poll; here it stops now
		this.repository.requestCancel(id);
		this.engines.cancel(id);
		awaitLeaving(id, JobStatus.RUNNING);
		return view(id);
	}

	/**
	 * Pauses a queued or running job: a running local one saves a training checkpoint at
	 * its next minibatch, a Spark one stops its driver and keeps the last checkpoint the
	 * driver wrote; either stops as PAUSED (waits up to two seconds for that), keeping
	 * its checkpoint until {@link #resume}.
	 */
	public JobView pause(String id) {
		JobRepository.JobRow row = row(id);
		if (row.status() == JobStatus.QUEUED && this.repository.pauseQueued(id)) {
			return publishStatus(id);
		}
		if (!this.repository.requestPause(id)) {
			throw new ConflictException(
					"job '" + id + "' is " + row(id).status() + "; only queued or running jobs can be paused");
		}
		this.engines.pause(id);
		awaitLeaving(id, JobStatus.RUNNING);
		return view(id);
	}

	/**
	 * Puts a paused job back in the queue; the replica that claims it continues from its
	 * training checkpoint.
	 */
	public JobView resume(String id) {
		JobRepository.JobRow row = row(id);
		if (row.status() != JobStatus.PAUSED || !this.repository.resume(id)) {
			throw new ConflictException(
					"job '" + id + "' is " + row(id).status() + "; only paused jobs can be resumed");
		}
		JobView view = publishStatus(id);
		this.queue.claimSoon();
		return view;
	}

	private JobView publishStatus(String id) {
		JobView view = view(id);
		this.events.publish(id, "status", view);
		return view;
	}

	private void awaitLeaving(String id, JobStatus status) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
		while (row(id).status() == status && System.nanoTime() < deadline) {
			try {
				Thread.sleep(20);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
	}

	public JobView get(String id) {
		return view(id);
	}

	public List<JobView> list(JobStatus status, int page, int size) {
		return this.repository.list(status, page, size).stream().map(this::view).toList();
	}

	public long count(JobStatus status) {
		return this.repository.count(status);
	}

	SseEmitter events(String id) {
		JobView view = view(id);
		return this.events.subscribe(id, view, view.status().finished());
	}

	@Override
	public boolean inUse(String datasetId) {
		return this.repository.datasetInUse(datasetId);
	}

	private JobRepository.JobRow row(String id) {
		return this.repository.find(id).orElseThrow(() -> new NotFoundException("job", id));
	}

	JobView view(String id) {
		return view(row(id));
	}

	private JobView view(JobRepository.JobRow row) {
		JobView.Progress progress = this.runner.progress(row.id());
		if (progress == null) {
			progress = this.spark.progress(row.id());
		}
		if (progress == null) {
			long total = row.totalSteps();
			progress = new JobView.Progress(row.epoch(), row.totalEpochs(), row.step(), total,
					(total > 0) ? (double) row.step() / total : (row.status() == JobStatus.SUCCEEDED ? 1 : 0), null);
		}
		return new JobView(row.id(), row.status(), fromJson(row.spec()), row.createdAt(), row.startedAt(),
				row.finishedAt(), progress, this.repository.epochs(row.id()), row.error(), row.modelId(), row.owner(),
				anomalyReport(row.id()), this.repository.resumed(row.id()).orElse(null),
				this.repository.checkpoint(row.id()).map((c) -> new JobView.Saved(c.epoch(), c.step())).orElse(null));
	}

	private JobCalibration.Report anomalyReport(String id) {
		String stored = this.repository.anomaly(id);
		if (stored == null) {
			return null;
		}
		try {
			return this.json.readValue(stored, JobCalibration.Report.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("stored anomaly report of job " + id + " is unreadable", ex);
		}
	}

	private String toJson(TrainingSpec spec) {
		try {
			return this.json.writeValueAsString(spec);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("a training spec is always serialisable", ex);
		}
	}

	private TrainingSpec fromJson(String spec) {
		try {
			return this.json.readValue(spec, TrainingSpec.class);
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("stored training spec is unreadable", ex);
		}
	}

}
