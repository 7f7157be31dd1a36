package dev.vae.data;

/** A data file that does not hold what its format promises. */
public class DatasetFormatException extends RuntimeException {

	public DatasetFormatException(String message) {
		super(message);
	}

}
