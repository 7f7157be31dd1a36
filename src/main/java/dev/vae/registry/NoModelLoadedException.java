package dev.vae.registry;

import dev.vae.system.UnavailableException;

/** A request arrived while no model is being served. */
public class NoModelLoadedException extends UnavailableException {

	public NoModelLoadedException() {
		super("no model is loaded yet; try again once the service reports ready");
	}

}
