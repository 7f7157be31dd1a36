package dev.vae.system;

/**
 * A request value that is not acceptable, named by its field path (e.g.
 * {@code inputs[2][17]}).
 */
public class InvalidInputException extends RuntimeException {

	private final String field;

	public InvalidInputException(String field, String message) {
		super(message);
		this.field = field;
	}

	public String field() {
		return this.field;
	}

}
