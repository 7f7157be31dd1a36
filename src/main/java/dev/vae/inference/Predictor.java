package dev.vae.inference;

import dev.vae.registry.ModelResolver;
import dev.vae.registry.ServedModel;
import dev.vae.system.RequestLog;

import org.springframework.stereotype.Component;

/**
 * The first step of the one inference path every entry point takes (JSON, binary tensors,
 * images, pictures, {@code /loss}, KServe V2): the model a request addresses is resolved
 * once, recorded for the request log and metrics, and bound to the passes requests use
 * (micro-batched, range-checked). The entry point then translates its request into
 * arrays, runs them through the {@link Prediction}, and translates the arrays back, so a
 * model swapped mid-request can never answer part of it.
 */
@Component
public class Predictor {

	private final ModelResolver models;

	private final Batching batching;

	public Predictor(ModelResolver models, Batching batching) {
		this.models = models;
		this.batching = batching;
	}

	/** The model {@code id} names (the active one for null), bound for one request. */
	public Prediction open(String id) {
		return of(this.models.resolve(id));
	}

	/**
	 * A model the caller resolved by its own rules (KServe V2 names), bound for one
	 * request.
	 */
	public Prediction of(ServedModel model) {
		RequestLog.model(model.id());
		return new Prediction(model, this.batching.of(model));
	}

}
