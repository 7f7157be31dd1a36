package dev.vae.system;

/** A request that asks for more than a configured limit allows. */
public class TooLargeException extends RuntimeException {

	private final String field;

	public TooLargeException(String field, String message) {
		super(message);
		this.field = field;
	}

	public String field() {
		return this.field;
	}

}
