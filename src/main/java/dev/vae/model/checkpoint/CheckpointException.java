package dev.vae.model.checkpoint;

/**
 * A checkpoint that is missing, unreadable, corrupt or of a format this version cannot
 * load.
 */
public class CheckpointException extends RuntimeException {

	public CheckpointException(String message) {
		super(message);
	}

	public CheckpointException(String message, Throwable cause) {
		super(message, cause);
	}

}
