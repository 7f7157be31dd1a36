package dev.vae.system;

/**
 * An uploaded data file that does not hold what its format promises: 400 with the
 * invalid-dataset type. Feature packages extend it for their formats.
 */
public class InvalidDataException extends RuntimeException {

	public InvalidDataException(String message) {
		super(message);
	}

}
