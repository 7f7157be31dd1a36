package dev.vae.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * The arrays one training step of a {@link VaeNetwork} writes, allocated once and reused
 * by every later step of the same batch size and gradient buffer. Allocating and freeing
 * some thirty native arrays per step, and re-creating the gradient's views, cost about a
 * tenth of a 784-400-20 step. Only the training network holds them, and it is never
 * shared.
 */
final class StepBuffers implements AutoCloseable {

	final int batch;

	/** The gradient buffer the views below point into. */
	final INDArray gradient;

	/** Per layer of {@link Architecture#layers()}: its slice of the gradient. */
	final List<Dense> grads;

	/**
	 * Per layer: its pre-activation (hidden layers) or output (μ, log σ², η) [B, out].
	 */
	final INDArray[] pre;

	/** Per hidden layer: its activation [B, out]; null for μ, log σ² and η. */
	final INDArray[] act;

	/** Per layer: d objective / d its input [B, in] (the first layer's is never used). */
	final INDArray[] dIn;

	/** z = μ + σ ⊙ ε [B, K]. */
	final INDArray z;

	/** d objective / d μ and d log σ² [B, K]. */
	final INDArray dMu;

	final INDArray dLogvar;

	/** d objective / d η [B, D], also σ(η) on the way there. */
	final INDArray dEta;

	/** A row of B ones: Σ_rows dOut = 1ᵀ·dOut, the bias gradients as GEMMs. */
	final INDArray ones;

	/** Scratch for widening and narrowing float32 copies [B·D]. */
	private final float[] floats;

	/** Host copies of σ(η), η and x [B·D]. */
	final double[] meanHost;

	final double[] etaHost;

	final double[] xHost;

	/** Host copies of μ, log σ², ε, σ and dz [B·K]. */
	final double[] mu;

	final double[] logvar;

	final double[] eps;

	final double[] std;

	final double[] dz;

	StepBuffers(Architecture architecture, INDArray params, INDArray gradient, List<Dense> grads, int batch) {
		this.batch = batch;
		this.gradient = gradient;
		this.grads = grads;
		List<Architecture.LayerShape> layers = architecture.layers();
		int n = layers.size();
		int e = architecture.encoderHidden().size();
		this.pre = new INDArray[n];
		this.act = new INDArray[n];
		this.dIn = new INDArray[n];
		for (int i = 0; i < n; i++) {
			Architecture.LayerShape shape = layers.get(i);
			boolean hidden = i < e || (i >= e + 2 && i < n - 1);
			this.pre[i] = Nd4j.createUninitialized(params.dataType(), batch, shape.out());
			this.act[i] = hidden ? Nd4j.createUninitialized(params.dataType(), batch, shape.out()) : null;
			this.dIn[i] = Nd4j.createUninitialized(params.dataType(), batch, shape.in());
		}
		int k = architecture.latentSize();
		int d = architecture.inputLength();
		this.z = Nd4j.createUninitialized(params.dataType(), batch, k);
		this.dMu = Nd4j.createUninitialized(params.dataType(), batch, k);
		this.dLogvar = Nd4j.createUninitialized(params.dataType(), batch, k);
		this.dEta = Nd4j.createUninitialized(params.dataType(), batch, d);
		this.ones = Nd4j.ones(params.dataType(), 1, batch);
		this.floats = new float[batch * Math.max(d, k)];
		this.meanHost = new double[batch * d];
		this.etaHost = new double[batch * d];
		this.xHost = new double[batch * d];
		this.mu = new double[batch * k];
		this.logvar = new double[batch * k];
		this.eps = new double[batch * k];
		this.std = new double[batch * k];
		this.dz = new double[batch * k];
	}

	@Override
	public void close() {
		for (INDArray[] arrays : java.util.List.of(this.pre, this.act, this.dIn)) {
			for (INDArray a : arrays) {
				if (a != null) {
					a.close();
				}
			}
		}
		for (INDArray a : java.util.List.of(this.z, this.dMu, this.dLogvar, this.dEta, this.ones)) {
			a.close();
		}
	}

	boolean fits(INDArray gradient, int batch) {
		return this.gradient == gradient && this.batch == batch;
	}

	/**
	 * An array's values in 'c' order into {@code out}: one bulk copy, widened on the heap
	 * (element by element through the NIO buffer costs several times more).
	 */
	void read(INDArray a, double[] out) {
		boolean dense = a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length();
		if (!dense) {
			try (INDArray copy = a.dup('c')) {
				read(copy, out);
			}
			return;
		}
		switch (a.dataType()) {
			case DOUBLE -> a.data().asNioDouble().get(0, out);
			case FLOAT -> {
				a.data().asNioFloat().get(0, this.floats, 0, out.length);
				for (int i = 0; i < out.length; i++) {
					out[i] = this.floats[i];
				}
			}
			default -> throw new IllegalArgumentException("training runs in float or double, not " + a.dataType());
		}
	}

	/**
	 * {@code values} into a dense 'c' array of the same length, narrowed on the heap
	 * first.
	 */
	void write(double[] values, INDArray a) {
		switch (a.dataType()) {
			case DOUBLE -> a.data().asNioDouble().put(0, values);
			case FLOAT -> {
				for (int i = 0; i < values.length; i++) {
					this.floats[i] = (float) values[i];
				}
				a.data().asNioFloat().put(0, this.floats, 0, values.length);
			}
			default -> throw new IllegalArgumentException("training runs in float or double, not " + a.dataType());
		}
	}

	/** {@code values} into a dense 'c' array of the same length, by one bulk copy. */
	static void write(float[] values, INDArray a) {
		switch (a.dataType()) {
			case FLOAT -> a.data().asNioFloat().put(0, values);
			case DOUBLE -> {
				java.nio.DoubleBuffer out = a.data().asNioDouble();
				for (int i = 0; i < values.length; i++) {
					out.put(i, values[i]);
				}
			}
			default -> throw new IllegalArgumentException("training runs in float or double, not " + a.dataType());
		}
	}

}
