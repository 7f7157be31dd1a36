package dev.vae.registry;

import dev.vae.model.checkpoint.CheckpointException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a startup that failed on its checkpoint into a short message instead of a stack
 * trace.
 */
class CheckpointFailureAnalyzer extends AbstractFailureAnalyzer<CheckpointException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, CheckpointException cause) {
		return new FailureAnalysis("The model could not be loaded: " + cause.getMessage(),
				"Point vae.model.checkpoint (environment: VAE_MODEL_CHECKPOINT) at a valid checkpoint, "
						+ "or remove the setting to serve the built-in default model.",
				cause);
	}

}
