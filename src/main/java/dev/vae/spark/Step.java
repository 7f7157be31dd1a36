package dev.vae.spark;

import dev.vae.model.network.Network;

import java.io.Serializable;

/**
 * What the driver broadcasts each step: the parameters and running statistics, the global
 * minibatch as indices into the training set, and its noise (row j of {@code eps} belongs
 * to {@code batch[j]}), drawn on the driver exactly as the local trainer draws them. A
 * class, not a record: Kryo (a common {@code spark.serializer}) cannot build records.
 */
final class Step implements Serializable {

	private static final long serialVersionUID = 1L;

	/** Identifies this training run's replicas on the executors. */
	private final String run;

	private final float[] parameters;

	private final float[] buffers;

	private final int[] batch;

	private final float[] eps;

	/** The step's β (after any KL warm-up). */
	private final double beta;

	/** The free-bits floor λ, 0 for none. */
	private final double freeBits;

	/** With free bits, the whole minibatch's mean KL per latent dimension. */
	private final double[] batchKl;

	Step(String run, float[] parameters, float[] buffers, int[] batch, float[] eps, double beta, double freeBits,
			double[] batchKl) {
		this.run = run;
		this.parameters = parameters;
		this.buffers = buffers;
		this.batch = batch;
		this.eps = eps;
		this.beta = beta;
		this.freeBits = freeBits;
		this.batchKl = batchKl;
	}

	String run() {
		return this.run;
	}

	float[] parameters() {
		return this.parameters;
	}

	float[] buffers() {
		return this.buffers;
	}

	int[] batch() {
		return this.batch;
	}

	float[] eps() {
		return this.eps;
	}

	Network.KlTerm klTerm() {
		return new Network.KlTerm(this.beta, this.freeBits, this.batchKl);
	}

}
