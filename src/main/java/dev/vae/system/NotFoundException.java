package dev.vae.system;

/** A model, job or dataset that does not exist. */
public class NotFoundException extends RuntimeException {

	public NotFoundException(String kind, String id) {
		super("no " + kind + " with id '" + Problems.quote(id, 100) + "'");
	}

}
