package dev.vae.training;

import java.util.Set;

/** A training job's states and the only moves between them. */
public enum JobStatus {

	QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

	/** Whether a job in this state may move to {@code next}. */
	boolean canMoveTo(JobStatus next) {
		return switch (this) {
			case QUEUED -> Set.of(RUNNING, CANCELLED, FAILED).contains(next);
			case RUNNING -> Set.of(SUCCEEDED, FAILED, CANCELLED).contains(next);
			case SUCCEEDED, FAILED, CANCELLED -> false;
		};
	}

	boolean finished() {
		return this == SUCCEEDED || this == FAILED || this == CANCELLED;
	}

}
