package dev.vae.spark;

import dev.vae.model.network.Network;
import dev.vae.model.train.Replica;

import java.io.Serializable;

/**
 * What the driver broadcasts for a round of local steps: parameters, running statistics,
 * Adam's state, and the round's global minibatches with their noise (as {@link Step}
 * holds one). A class of arrays, not records: Kryo cannot build records.
 */
final class Round implements Serializable {

	private static final long serialVersionUID = 1L;

	private final String run;

	private final float[] parameters;

	private final float[] buffers;

	private final float[] m;

	private final float[] v;

	private final int t;

	private final double learningRate;

	private final int[][] batches;

	private final float[][] eps;

	/** Each minibatch's β and learning rate. */
	private final double[] betas;

	private final double[] rates;

	private final double freeBits;

	private final double clipNorm;

	Round(String run, float[] parameters, float[] buffers, Replica.State adam, double learningRate, int[][] batches,
			float[][] eps, double[] betas, double[] rates, double freeBits, double clipNorm) {
		this.betas = betas;
		this.rates = rates;
		this.freeBits = freeBits;
		this.clipNorm = clipNorm;
		this.run = run;
		this.parameters = parameters;
		this.buffers = buffers;
		this.m = adam.m();
		this.v = adam.v();
		this.t = adam.t();
		this.learningRate = learningRate;
		this.batches = batches;
		this.eps = eps;
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

	Replica.State adam() {
		return new Replica.State(this.m, this.v, this.t);
	}

	double learningRate() {
		return this.learningRate;
	}

	int[][] batches() {
		return this.batches;
	}

	float[][] eps() {
		return this.eps;
	}

	/**
	 * Minibatch j's KL term; free bits takes the mean KL of this partition's rows (local
	 * steps see no other).
	 */
	Network.KlTerm klTerm(int j) {
		return new Network.KlTerm(this.betas[j], this.freeBits, null);
	}

	double learningRate(int j) {
		return this.rates[j];
	}

	double clipNorm() {
		return this.clipNorm;
	}

}
