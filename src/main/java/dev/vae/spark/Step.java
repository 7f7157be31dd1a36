package dev.vae.spark;

import java.io.Serializable;

/**
 * What the driver broadcasts each step: the parameters and running statistics, the global
 * minibatch as indices into the training set, and its noise (row j of {@code eps} belongs
 * to {@code batch[j]}), drawn on the driver exactly as the local trainer draws them.
 *
 * @param run identifies this training run's replicas on the executors
 */
record Step(String run, float[] parameters, float[] buffers, int[] batch, float[] eps) implements Serializable {
}
