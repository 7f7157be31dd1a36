package dev.vae.model;

import java.util.List;

/** Test-data factories for the model core. */
public final class ModelFixtures {

	private ModelFixtures() {
	}

	/** A 6-pixel, 2-latent Bernoulli VAE with one hidden layer of 5 each way. */
	public static Architecture aTinyArchitecture() {
		return Architecture.mirrored(List.of(2, 3, 1), List.of(5), 2, ActivationKind.TANH, Likelihood.BERNOULLI, 1.0,
				1.0);
	}

	/** The 784-400-20 ReLU Bernoulli VAE of format 1. */
	public static Architecture anMnistMlp() {
		return Architecture.mirrored(List.of(28, 28, 1), List.of(400), 20, ActivationKind.RELU, Likelihood.BERNOULLI,
				1.0, 1.0);
	}

	/** Two clusters of 6-pixel patterns, values in [0, 1]. */
	public static Examples twoPatterns(int count, long seed) {
		java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
		float[] values = new float[count * 6];
		for (int i = 0; i < count; i++) {
			boolean left = random.nextBoolean();
			for (int j = 0; j < 6; j++) {
				boolean on = left == (j < 3);
				values[i * 6 + j] = (float) (on ? 0.9 - 0.1 * random.nextDouble() : 0.1 * random.nextDouble());
			}
		}
		return new Examples(values, count, 6);
	}

}
