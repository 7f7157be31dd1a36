package dev.vae.training;

import dev.vae.model.train.Trainer;
import dev.vae.system.MemoryBudget;
import dev.vae.system.VaeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The database is the job queue for every replica. Each {@code vae.jobs.poll-interval}
 * this replica renews the leases of the jobs it trains, stops those a client cancelled or
 * paused (on any replica), re-queues jobs whose lease expired, forwards the database's
 * view of jobs that clients follow here but another replica trains, and claims queued
 * jobs while it has a free training slot.
 * <p>
 * A job whose replica died goes back to the queue: its training checkpoints (network,
 * Adam state, position in the run) are in the shared object store, so whichever replica
 * claims it next continues the run the client asked for, with the same result.
 */
final class JobQueue {

	private static final Logger log = LoggerFactory.getLogger(JobQueue.class);

	private final JobRepository repository;

	private final RunningJobs runner;

	private final JobEvents events;

	private final Function<String, JobView> views;

	private final BiConsumer<JobRepository.JobRow, MemoryBudget.Lease> launcher;

	private final MemoryBudget memory;

	private final VaeProperties.Jobs settings;

	private final String replica;

	private final AtomicInteger busy = new AtomicInteger();

	/**
	 * Held while a round looks for queued jobs: its slot is only borrowed then, and a
	 * submission must not take that for a busy replica.
	 */
	private final Object claiming = new Object();

	private final Map<String, Seen> seen = new ConcurrentHashMap<>();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((r) -> {
		Thread thread = new Thread(r, "job-queue");
		thread.setDaemon(true);
		return thread;
	});

	JobQueue(JobRepository repository, RunningJobs runner, JobEvents events, Function<String, JobView> views,
			BiConsumer<JobRepository.JobRow, MemoryBudget.Lease> launcher, VaeProperties.Jobs settings, String replica,
			MemoryBudget memory) {
		this.memory = memory;
		if (settings.lease().compareTo(settings.pollInterval().multipliedBy(3)) < 0) {
			throw new IllegalStateException("vae.jobs.lease (" + settings.lease()
					+ ") must be at least three vae.jobs.poll-interval (" + settings.pollInterval()
					+ "), or a live replica could lose its jobs between two renewals");
		}
		this.repository = repository;
		this.runner = runner;
		this.events = events;
		this.views = views;
		this.launcher = launcher;
		this.settings = settings;
		this.replica = replica;
	}

	/** What a follower last sent about a job trained elsewhere. */
	private record Seen(JobStatus status, long step, int epochs) {
	}

	void start() {
		long millis = Math.max(1, this.settings.pollInterval().toMillis());
		this.scheduler.scheduleWithFixedDelay(this::tickQuietly, millis, millis, TimeUnit.MILLISECONDS);
	}

	void stop() {
		this.scheduler.shutdownNow();
	}

	Instant leaseUntil() {
		return Instant.now().plus(this.settings.lease());
	}

	/**
	 * Takes a training slot for a job being submitted here, if one is free (after any
	 * claim round in progress has settled); the caller must {@link #release} it.
	 */
	boolean reserveForSubmission() {
		synchronized (this.claiming) {
			return reserve();
		}
	}

	private boolean reserve() {
		if (!this.settings.claim()) {
			return false;
		}
		while (true) {
			int now = this.busy.get();
			if (now >= this.settings.concurrency()) {
				return false;
			}
			if (this.busy.compareAndSet(now, now + 1)) {
				return true;
			}
		}
	}

	void release() {
		this.busy.decrementAndGet();
		// a slot is free
		claimSoon();
	}

	/** Looks for queued work now rather than at the next tick. */
	void claimSoon() {
		try {
			this.scheduler.execute(this::claimQuietly);
		}
		catch (java.util.concurrent.RejectedExecutionException stopping) {
			// the service is stopping: no more claims
		}
	}

	String replica() {
		return this.replica;
	}

	private void tickQuietly() {
		try {
			tick();
		}
		catch (RuntimeException ex) {
			// the database may be briefly unreachable; leases outlast a few missed ticks
			log.warn("Job queue round failed: {}", ex.getMessage());
		}
	}

	private void claimQuietly() {
		try {
			claim();
		}
		catch (RuntimeException ex) {
			log.warn("Could not take a queued job: {}", ex.getMessage());
		}
	}

	void tick() {
		Set<String> running = this.runner.running();
		for (String id : running) {
			if (!this.repository.renew(id, this.replica, leaseUntil())) {
				log.warn("Job {} is no longer held by this replica (its lease expired); stopping it", id);
				this.runner.cancel(id);
			}
		}
		for (String id : this.repository.cancelRequested(this.replica)) {
			this.runner.cancel(id);
		}
		for (String id : this.repository.pauseRequested(this.replica)) {
			this.runner.pause(id);
		}
		for (String id : this.repository.requeueExpired(Instant.now(), this.settings.maxResumes())) {
			log.warn("Job {} re-queued: its lease expired (the replica that ran it stopped renewing it); it continues "
					+ "from its last training checkpoint", id);
		}
		follow(running);
		claim();
	}

	/** Claims queued jobs while this replica has free slots. */
	void claim() {
		synchronized (this.claiming) {
			claimWhileFree();
		}
	}

	private void claimWhileFree() {
		while (reserve()) {
			Optional<JobRepository.JobRow> job;
			MemoryBudget.Lease lease;
			try {
				// only a job whose estimated memory fits beside the running work here
				long[] free = this.memory.free();
				job = this.repository.claimNext(this.replica, leaseUntil(), free[0], free[1]);
				if (job.isEmpty()) {
					this.busy.decrementAndGet();
					return;
				}
				long[] needs = this.repository.memory(job.get().id());
				lease = this.memory.reserve(new MemoryBudget.Estimate(needs[0], needs[1], "job " + job.get().id()));
			}
			catch (RuntimeException ex) {
				this.busy.decrementAndGet();
				throw ex;
			}
			log.info("Job {} claimed by replica '{}'", job.get().id(), this.replica);
			this.launcher.accept(job.get(), lease);
		}
	}

	/**
	 * Sends followers of jobs that train on another replica what changed in the database
	 * since the last round, and ends their streams when the job finishes.
	 */
	private void follow(Set<String> running) {
		this.seen.keySet().retainAll(this.events.followed());
		for (String id : this.events.followed()) {
			if (running.contains(id)) {
				continue;
			}
			JobView view;
			try {
				view = this.views.apply(id);
			}
			catch (RuntimeException ex) {
				// one job that cannot be read must not stop the round's other work
				log.debug("Cannot follow job {}: {}", id, ex.getMessage());
				continue;
			}
			Seen before = this.seen.get(id);
			List<Trainer.EpochMetrics> epochs = view.epochs();
			if (before != null) {
				for (int e = before.epochs(); e < epochs.size(); e++) {
					this.events.publish(id, "epoch", epochs.get(e));
				}
				if (view.progress().step() != before.step()) {
					this.events.publish(id, "progress", view.progress());
				}
			}
			if (view.status().finished()) {
				this.events.finish(id, view);
				this.seen.remove(id);
				continue;
			}
			if (before != null && before.status() != view.status()) {
				this.events.publish(id, "status", view);
			}
			this.seen.put(id, new Seen(view.status(), view.progress().step(), epochs.size()));
		}
	}

}
