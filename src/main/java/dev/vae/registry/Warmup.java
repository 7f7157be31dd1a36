package dev.vae.registry;

/**
 * Runs a model's passes once before it serves, so the first request does not pay for
 * native initialisation.
 */
final class Warmup {

	private Warmup() {
	}

	static void run(ServedModel model) {
		double[][] x = new double[4][model.inputLength()];
		double[][] z = model.network().encode(x).mu();
		model.network().decodeLogits(z);
	}

}
