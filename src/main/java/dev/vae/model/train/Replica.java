package dev.vae.model.train;

import dev.vae.model.Batches;
import dev.vae.model.Examples;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Network;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One copy of a network in data-parallel training. It loads the shared parameters (and
 * batch-norm running statistics), and computes the gradient <em>sum</em> over its share
 * of a global minibatch: the sums of all replicas add up to what {@link Trainer} computes
 * for the whole minibatch times its size, so a driver that divides by the total count and
 * steps {@link Optimizer} (the trainer's Adam) follows the single-process run up to float
 * rounding. Float32 only, as jobs train. Like the networks it wraps, a replica is not
 * thread-safe.
 */
public final class Replica implements AutoCloseable {

	private final Network network;

	private final INDArray params;

	/** The running statistics, or null when the network has none. */
	private final INDArray buffers;

	private final INDArray gradient;

	private Replica(Network network, INDArray params, INDArray buffers) {
		if (params.dataType() != DataType.FLOAT) {
			throw new IllegalArgumentException("replicas train in float32, not " + params.dataType());
		}
		this.network = network;
		this.params = params;
		this.buffers = (buffers == null || buffers.length() == 0) ? null : buffers;
		this.gradient = network.newGradient();
	}

	/** A replica training {@code network} (and its running statistics) in place. */
	public static Replica of(Network network) {
		return new Replica(network, network.parameters(), network.buffers());
	}

	public int inputLength() {
		return this.network.inputLength();
	}

	public int latentSize() {
		return this.network.latentSize();
	}

	/** A copy of the flat parameters. */
	public float[] parameters() {
		return this.params.toFloatVector();
	}

	/** A copy of the running statistics (empty when there are none). */
	public float[] buffers() {
		return (this.buffers == null) ? new float[0] : this.buffers.toFloatVector();
	}

	/** Overwrites parameters and running statistics with a driver's copies. */
	public void load(float[] parameters, float[] buffers) {
		if (parameters.length != this.params.length() || buffers.length != bufferLength()) {
			throw new IllegalArgumentException("expected " + this.params.length() + " parameters and " + bufferLength()
					+ " buffer values, got " + parameters.length + " and " + buffers.length);
		}
		this.params.data().asNioFloat().put(0, parameters);
		if (this.buffers != null) {
			this.buffers.data().asNioFloat().put(0, buffers);
		}
	}

	private long bufferLength() {
		return (this.buffers == null) ? 0 : this.buffers.length();
	}

	/**
	 * The gradient sum Σᵢ ∇[NLL(xᵢ|zᵢ) + β KL] over {@code rows} inputs with their noise,
	 * batch norm on these rows' statistics (its running statistics move, as in the
	 * trainer).
	 * @param x rows × D inputs, row-major
	 * @param eps rows × K standard normal draws
	 */
	public Share gradientSum(float[] x, float[] eps, int rows) {
		return gradientSum(x, eps, rows, Network.KlTerm.of(this.network.architecture().beta()));
	}

	/**
	 * {@link #gradientSum(float[], float[], int)} with the KL term weighted as
	 * {@code term} says (the step's β, free bits with the whole minibatch's mean KL per
	 * dimension).
	 */
	public Share gradientSum(float[] x, float[] eps, int rows, Network.KlTerm term) {
		int d = inputLength();
		int k = latentSize();
		if (rows < 1 || x.length != rows * d || eps.length != rows * k) {
			throw new IllegalArgumentException("expected " + rows + " × " + d + " inputs and " + rows + " × " + k
					+ " draws, got " + x.length + " and " + eps.length + " values");
		}
		try (INDArray xs = Nd4j.createUninitialized(DataType.FLOAT, rows, d);
				INDArray es = Nd4j.createUninitialized(DataType.FLOAT, rows, k)) {
			Batches.write(x, xs);
			Batches.write(eps, es);
			Network.BatchLoss loss = this.network.lossAndGradient(xs, es, this.gradient, term);
			// the network returns the batch mean's gradient: times rows for the sum
			float[] sum = this.gradient.toFloatVector();
			for (int i = 0; i < sum.length; i++) {
				sum[i] *= rows;
			}
			return new Share(sum, loss.reconstruction(), loss.kl(), rows);
		}
	}

	/**
	 * Σ over {@code rows} inputs of each latent dimension's KL, the encoder run as a
	 * training step runs it ({@link Network#klSums}; the running statistics move: reload
	 * them before the step).
	 */
	public double[] klSums(float[] x, int rows) {
		int d = inputLength();
		if (rows < 1 || x.length != rows * d) {
			throw new IllegalArgumentException("expected " + rows + " × " + d + " inputs, got " + x.length + " values");
		}
		try (INDArray xs = Nd4j.createUninitialized(DataType.FLOAT, rows, d)) {
			Batches.write(x, xs);
			return this.network.klSums(xs);
		}
	}

	/** Held-out −ELBO as {@link Trainer} reports it after each epoch. */
	public Evaluation.Summary negElbo(Examples data, long seed) {
		return this.network.negElbo(data, seed);
	}

	/**
	 * Held-out −ELBO with the noise given
	 * ({@link Evaluation#negElbo(Network, Examples, double[])}).
	 */
	public Evaluation.Summary negElbo(Examples data, double[] noise) {
		return Evaluation.negElbo(this.network, data, noise);
	}

	/** The trainer's Adam over this replica's parameters. */
	public Optimizer adam(double learningRate) {
		return adam(learningRate, 0);
	}

	/**
	 * The trainer's Adam, each gradient clipped to a global L2 norm of {@code clipNorm}
	 * first (0: none).
	 */
	public Optimizer adam(double learningRate, double clipNorm) {
		return new Optimizer(new AdamOptimizer(this.params, learningRate, clipNorm));
	}

	/** Frees the arrays kept between training steps; the gradient buffer stays. */
	@Override
	public void close() {
		this.network.endTraining();
	}

	/**
	 * Adam on the replica's parameters, fed the mean gradient of a global minibatch.
	 */
	public final class Optimizer {

		private final AdamOptimizer adam;

		private Optimizer(AdamOptimizer adam) {
			this.adam = adam;
		}

		/** One step with the minibatch mean gradient. */
		public void step(float[] meanGradient) {
			load(meanGradient);
			this.adam.step(Replica.this.params, Replica.this.gradient);
		}

		/** One step with the minibatch mean gradient at the given learning rate. */
		public void step(float[] meanGradient, double learningRate) {
			load(meanGradient);
			this.adam.step(Replica.this.params, Replica.this.gradient, learningRate);
		}

		private void load(float[] meanGradient) {
			if (meanGradient.length != Replica.this.gradient.length()) {
				throw new IllegalArgumentException(
						"expected " + Replica.this.gradient.length() + " gradient values, got " + meanGradient.length);
			}
			Replica.this.gradient.data().asNioFloat().put(0, meanGradient);
		}

		/** Adam's state now: moments and step count. */
		public State state() {
			float[][] moments = this.adam.moments();
			return new State(moments[0], moments[1], this.adam.steps());
		}

		/**
		 * Continues from {@code state} with the replica's parameters as they are now
		 * (after {@link Replica#load}).
		 */
		public void restore(State state) {
			this.adam.restore(Replica.this.params, state.m(), state.v(), state.t());
		}

		/**
		 * Sets the running statistics (the driver's average of the replicas' statistics).
		 */
		public void setBuffers(float[] values) {
			if (Replica.this.buffers != null) {
				Replica.this.buffers.data().asNioFloat().put(0, values);
			}
		}

	}

	/**
	 * Adam's state, exchanged when replicas train locally and are averaged.
	 *
	 * @param m first moments
	 * @param v second moments
	 * @param t steps taken
	 */
	public record State(float[] m, float[] v, int t) {
	}

	/**
	 * One replica's share of a step.
	 *
	 * @param gradientSum Σ over its rows of the per-example gradient
	 * @param reconstruction summed NLL(x | z)
	 * @param kl summed KL
	 * @param count rows
	 */
	public record Share(float[] gradientSum, double reconstruction, double kl, int count) {
	}

}
