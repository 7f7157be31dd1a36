package dev.vae.data;

import dev.vae.system.InvalidDataException;

/** A data file that does not hold what its format promises. */
public class DatasetFormatException extends InvalidDataException {

	public DatasetFormatException(String message) {
		super(message);
	}

}
