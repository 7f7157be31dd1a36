package dev.vae.registry;

import dev.vae.model.Architecture;

/**
 * Runs a model's passes once before it serves, so the first request does not pay for
 * native initialisation.
 */
final class Warmup {

	private Warmup() {
	}

	static void run(ServedModel model) {
		Architecture architecture = model.architecture();
		double[][] x = new double[4][architecture.inputLength()];
		double[][] z = model.network().encode(x).mu();
		model.network().decodeLogits(z);
	}

}
