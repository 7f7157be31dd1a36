package dev.vae.system;

/**
 * A request that the current state forbids: cancelling a finished job, deleting the
 * active model or a dataset a job is using, storing more than the configured number of
 * models or datasets.
 */
public class ConflictException extends RuntimeException {

	public ConflictException(String message) {
		super(message);
	}

}
