package dev.vae.registry;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The model that answers requests. A request reads the reference once and keeps that
 * model for its whole life, so replacing it never disturbs a request in flight.
 */
public class ActiveModel {

	private final AtomicReference<ServedModel> current = new AtomicReference<>();

	public ActiveModel(ServedModel initial) {
		this.current.set(initial);
	}

	/** The served model; throws when there is none. */
	public ServedModel get() {
		ServedModel model = this.current.get();
		if (model == null) {
			throw new NoModelLoadedException();
		}
		return model;
	}

	/** Whether a model is being served. */
	public boolean isLoaded() {
		return this.current.get() != null;
	}

	/** Serves {@code next} from now on; returns the model it replaced. */
	public ServedModel swap(ServedModel next) {
		return this.current.getAndSet(next);
	}

}
