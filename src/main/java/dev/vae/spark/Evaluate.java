package dev.vae.spark;

import java.io.Serializable;

/**
 * What the driver broadcasts for a held-out evaluation: the parameters, running
 * statistics and the seed of the evaluation's noise. A class, not a record (Kryo).
 */
final class Evaluate implements Serializable {

	private static final long serialVersionUID = 1L;

	private final String run;

	private final float[] parameters;

	private final float[] buffers;

	private final long seed;

	private final int latentSize;

	Evaluate(String run, float[] parameters, float[] buffers, long seed, int latentSize) {
		this.run = run;
		this.parameters = parameters;
		this.buffers = buffers;
		this.seed = seed;
		this.latentSize = latentSize;
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

	long seed() {
		return this.seed;
	}

	int latentSize() {
		return this.latentSize;
	}

}
