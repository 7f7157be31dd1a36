package dev.vae.system;

/**
 * The service cannot answer yet (no model loaded): 503. Feature packages extend it with
 * their own reasons, so that the problem handler needs to know none of them.
 */
public class UnavailableException extends RuntimeException {

	public UnavailableException(String message) {
		super(message);
	}

}
