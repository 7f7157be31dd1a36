package dev.vae.training;

import java.util.Set;

/**
 * A training job's states and the only moves between them. A running job whose replica
 * stops goes back to QUEUED and continues from its last training checkpoint; a paused one
 * waits, its checkpoint kept, until a client resumes it.
 */
public enum JobStatus {

	QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED;

	/** Whether a job in this state may move to {@code next}. */
	boolean canMoveTo(JobStatus next) {
		return switch (this) {
			case QUEUED -> Set.of(RUNNING, PAUSED, CANCELLED, FAILED).contains(next);
			// back to QUEUED: interrupted (its replica stopped), to be resumed by any
			// replica
			case RUNNING -> Set.of(SUCCEEDED, FAILED, CANCELLED, PAUSED, QUEUED).contains(next);
			case PAUSED -> Set.of(QUEUED, CANCELLED).contains(next);
			case SUCCEEDED, FAILED, CANCELLED -> false;
		};
	}

	boolean finished() {
		return this == SUCCEEDED || this == FAILED || this == CANCELLED;
	}

}
