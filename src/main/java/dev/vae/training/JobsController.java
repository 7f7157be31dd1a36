package dev.vae.training;

import dev.vae.system.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.net.URI;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** Training jobs over HTTP. */
@RestController
@Tag(name = "Jobs", description = "Background training: submit, follow, pause, resume, cancel")
class JobsController {

	private static final int MAX_PAGE_SIZE = 100;

	private final JobService jobs;

	JobsController(JobService jobs) {
		this.jobs = jobs;
	}

	@PostMapping(path = "/jobs", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Start a training job",
			description = "Queues the job and answers 202 with its resource; a full queue answers 429 with Retry-After.")
	ResponseEntity<JobView> submit(@RequestBody TrainingSpec spec) {
		JobView job = this.jobs.submit(spec);
		return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/jobs/" + job.id())).body(job);
	}

	@GetMapping("/jobs")
	@Operation(summary = "Jobs, newest first",
			description = "Paged (page from 0, size up to 100), optionally by status.")
	JobPage list(@RequestParam(name = "status", required = false) String status,
			@RequestParam(name = "page", defaultValue = "0") int page,
			@RequestParam(name = "size", defaultValue = "20") int size) {
		JobStatus filter = null;
		if (status != null) {
			try {
				filter = JobStatus.valueOf(status.toUpperCase());
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidInputException("status",
						"status must be one of QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED, was '" + status
								+ "'");
			}
		}
		if (page < 0) {
			throw new InvalidInputException("page", "page must be 0 or more, was " + page);
		}
		if (size < 1 || size > MAX_PAGE_SIZE) {
			throw new InvalidInputException("size", "size must lie in 1.." + MAX_PAGE_SIZE + ", was " + size);
		}
		return new JobPage(this.jobs.list(filter, page, size), page, size, this.jobs.count(filter));
	}

	@GetMapping("/jobs/{id}")
	@Operation(summary = "One job: status, progress, per-epoch metrics, error, model")
	JobView get(@PathVariable String id) {
		return this.jobs.get(id);
	}

	@GetMapping(path = "/jobs/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	@Operation(summary = "Follow a job as Server-Sent Events",
			description = "Events: `status` (the job, first and at every change), `progress` (epoch, step, fraction, ETA), "
					+ "`loss` (with each progress event of a local job: the last minibatch's −ELBO per example and the epoch's mean so far), "
					+ "`epoch` (metrics of a finished epoch), `resumed` (the job continues from a training checkpoint: "
					+ "epoch, step, reason, \"resumed from epoch N / step S\"). The stream ends when the job finishes.")
	SseEmitter events(@PathVariable String id) {
		return this.jobs.events(id);
	}

	@PostMapping("/jobs/{id}/pause")
	@Operation(summary = "Pause a job",
			description = "A running local job saves a training checkpoint (network, Adam state, position in the run) "
					+ "at its next minibatch and stops as PAUSED; a queued one is held back. Resume continues the same "
					+ "run, with the result it would have had uninterrupted. A Spark job's driver stops and the job continues "
					+ "from the last checkpoint the driver wrote (vae.spark.checkpoint-every). Finished jobs answer 409.")
	JobView pause(@PathVariable String id) {
		return this.jobs.pause(id);
	}

	@PostMapping("/jobs/{id}/resume")
	@Operation(summary = "Resume a paused job",
			description = "Puts it back in the queue; the replica that takes it continues from its training "
					+ "checkpoint (`resumedFrom` shows where). A job that is not PAUSED answers 409.")
	JobView resume(@PathVariable String id) {
		return this.jobs.resume(id);
	}

	@DeleteMapping("/jobs/{id}")
	@Operation(summary = "Cancel a job",
			description = "A queued job never starts; a running one stops within one minibatch (on another replica, "
					+ "after its next poll of vae.jobs.poll-interval) and registers nothing. A finished job answers 409.")
	JobView cancel(@PathVariable String id) {
		return this.jobs.cancel(id);
	}

	record JobPage(List<JobView> items, int page, int size, long total) {
	}

}
