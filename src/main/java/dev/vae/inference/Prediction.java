package dev.vae.inference;

import dev.vae.model.network.Encoding;
import dev.vae.model.network.Passes;
import dev.vae.registry.ServedModel;

import java.util.random.RandomGenerator;

/**
 * One request's model and the passes it runs through (see {@link Predictor}).
 *
 * @param model the version that answers the whole request
 * @param passes its micro-batched, range-checked passes
 */
public record Prediction(ServedModel model, Passes passes) {

	/** q(z|x) of each row. */
	public Encoding encode(double[][] inputs) {
		return this.passes.encode(inputs);
	}

	/** The decoder outputs η of each latent row. */
	public double[][] decodeLogits(double[][] z) {
		return this.passes.decodeLogits(z);
	}

	/** The decoder means x̂ of rows of decoder outputs. */
	public double[][] means(double[][] eta) {
		double[][] means = new double[eta.length][];
		for (int i = 0; i < eta.length; i++) {
			means[i] = this.model.mean(eta[i]);
		}
		return means;
	}

	/** One draw x ~ p(x|η) of a row of decoder outputs. */
	public double[] draw(double[] eta, RandomGenerator random) {
		return this.model.draw(eta, random);
	}

}
