package dev.vae.system;

/**
 * A job or import whose estimated memory is more than the process can ever give it: 422
 * naming the estimate and the limit.
 */
public class InsufficientMemoryException extends RuntimeException {

	private final String field;

	public InsufficientMemoryException(String field, String message) {
		super(message);
		this.field = field;
	}

	public String field() {
		return this.field;
	}

}
