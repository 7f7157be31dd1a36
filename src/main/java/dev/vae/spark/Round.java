package dev.vae.spark;

import dev.vae.model.Replica;

import java.io.Serializable;

/**
 * What the driver broadcasts for a round of local steps: parameters, running statistics,
 * Adam's state, and the round's global minibatches with their noise (as {@link Step}
 * holds one).
 */
record Round(String run, float[] parameters, float[] buffers, Replica.State adam, double learningRate, int[][] batches,
		float[][] eps) implements Serializable {
}
