package dev.vae.registry;

/** A request arrived while no model is being served. */
public class NoModelLoadedException extends RuntimeException {

	public NoModelLoadedException() {
		super("no model is loaded yet; try again once the service reports ready");
	}

}
