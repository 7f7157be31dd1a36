package dev.vae.system;

import java.time.Duration;

/** The training queue is full; the client should retry after a while. */
public class QueueFullException extends RuntimeException {

	private final Duration retryAfter;

	public QueueFullException(String message, Duration retryAfter) {
		super(message);
		this.retryAfter = retryAfter;
	}

	public Duration retryAfter() {
		return this.retryAfter;
	}

}
