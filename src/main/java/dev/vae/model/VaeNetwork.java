package dev.vae.model;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The VAE's weights and the two passes over them. All parameters sit in one flat ND4J
 * vector (views per layer), so Adam updates them in a single operation and a checkpoint
 * is one array.
 * <p>
 * Inference ({@link #encode}, {@link #decodeLogits}) only reads the weights and allocates
 * its own arrays per call, so any number of threads may call it at once. Training
 * ({@link #lossAndGradient} followed by an update of {@link #parameters()}) mutates them
 * and must own the network: a trainer works on its own instance, which is published only
 * when done.
 */
public final class VaeNetwork implements Passes {

	private final Architecture architecture;

	private final INDArray params;

	private final List<Dense> encoder = new ArrayList<>();

	private final Dense mu;

	private final Dense logvar;

	private final List<Dense> decoder = new ArrayList<>();

	private final Dense output;

	private final IActivation activation;

	/**
	 * The last training step's arrays, reused by the next (training owns the network).
	 */
	private StepBuffers buffers;

	private VaeNetwork(Architecture architecture, INDArray params) {
		if (params.length() != architecture.parameterCount()) {
			throw new IllegalArgumentException(
					"expected " + architecture.parameterCount() + " parameters, got " + params.length());
		}
		this.architecture = architecture;
		this.params = params;
		this.activation = architecture.activation().function();
		List<Dense> all = views(architecture, params);
		int e = architecture.encoderHidden().size();
		this.encoder.addAll(all.subList(0, e));
		this.mu = all.get(e);
		this.logvar = all.get(e + 1);
		this.decoder.addAll(all.subList(e + 2, all.size() - 1));
		this.output = all.get(all.size() - 1);
	}

	private static List<Dense> views(Architecture architecture, INDArray flat) {
		List<Dense> views = new ArrayList<>();
		long offset = 0;
		for (Architecture.LayerShape shape : architecture.layers()) {
			views.add(Dense.view(flat, offset, shape));
			offset += shape.parameterCount();
		}
		return views;
	}

	/**
	 * A freshly initialised network: He-uniform weights for rectifiers, Glorot-uniform
	 * otherwise, zero biases, all drawn from {@code seed}.
	 */
	public static VaeNetwork initialise(Architecture architecture, DataType dataType, long seed) {
		RandomGenerator random = new java.util.SplittableRandom(seed);
		double[] values = new double[Math.toIntExact(architecture.parameterCount())];
		int offset = 0;
		List<Architecture.LayerShape> layers = architecture.layers();
		for (Architecture.LayerShape layer : layers) {
			boolean hidden = layer.name().startsWith("encoder") || layer.name().startsWith("decoder");
			// He: U(±√(6/fan_in)); Glorot: U(±√(6/(fan_in + fan_out)))
			double limit = (hidden && architecture.activation().rectifier()) ? Math.sqrt(6.0 / layer.in())
					: Math.sqrt(6.0 / (layer.in() + layer.out()));
			long weights = (long) layer.in() * layer.out();
			for (long i = 0; i < weights; i++) {
				values[offset++] = (2 * random.nextDouble() - 1) * limit;
			}
			offset += layer.out();
		}
		return new VaeNetwork(architecture, Nd4j.createFromArray(values).castTo(dataType));
	}

	/**
	 * A network with the given flat parameters (layout of {@link Architecture#layers()}).
	 */
	public static VaeNetwork of(Architecture architecture, float[] parameters) {
		return new VaeNetwork(architecture, Nd4j.createFromArray(parameters.clone()));
	}

	/** A double-precision network with the given flat parameters, for exact checks. */
	public static VaeNetwork of(Architecture architecture, double[] parameters) {
		return new VaeNetwork(architecture, Nd4j.createFromArray(parameters.clone()));
	}

	public Architecture architecture() {
		return this.architecture;
	}

	public DataType dataType() {
		return this.params.dataType();
	}

	/** The flat parameters as float32, in layout order. */
	public float[] parametersAsFloats() {
		return this.params.toFloatVector();
	}

	INDArray parameters() {
		return this.params;
	}

	/** q(z|x) for a batch of inputs. */
	@Override
	public Encoding encode(double[][] inputs) {
		if (this.params.dataType() == DataType.FLOAT) {
			double[][][] heads = LeanForward.run(inputs, this.encoder, this.architecture.activation(), this.mu,
					this.logvar);
			return new Encoding(heads[0], heads[1]);
		}
		try (Scope scope = new Scope()) {
			INDArray a = scope.add(matrix(inputs));
			for (Dense layer : this.encoder) {
				a = this.activation.getActivation(scope.add(layer.apply(a)), false);
			}
			return new Encoding(rows(scope.add(this.mu.apply(a)), scope), rows(scope.add(this.logvar.apply(a)), scope));
		}
	}

	/** The decoder's logits η for a batch of latent vectors; the decoder mean is σ(η). */
	@Override
	public double[][] decodeLogits(double[][] z) {
		if (this.params.dataType() == DataType.FLOAT) {
			return LeanForward.run(z, this.decoder, this.architecture.activation(), this.output)[0];
		}
		try (Scope scope = new Scope()) {
			INDArray a = scope.add(matrix(z));
			for (Dense layer : this.decoder) {
				a = this.activation.getActivation(scope.add(layer.apply(a)), false);
			}
			return rows(scope.add(this.output.apply(a)), scope);
		}
	}

	/**
	 * A new, zeroed buffer laid out like the parameters, for {@link #lossAndGradient}.
	 */
	INDArray newGradient() {
		return Nd4j.zeros(this.params.dataType(), this.params.length());
	}

	/**
	 * One minibatch of the objective mean over the batch of [NLL(x | z) + β KL(q(z|x) ‖
	 * N(0, I))] with z = μ + σ ⊙ ε, and its gradient written into {@code gradient}.
	 * @param x inputs [B, D]
	 * @param eps standard normal noise [B, K]
	 * @param gradient receives d objective / d parameters
	 * @return the batch's summed reconstruction NLL and summed KL
	 */
	BatchLoss lossAndGradient(INDArray x, INDArray eps, INDArray gradient) {
		int batch = (int) x.size(0);
		if (this.buffers == null || !this.buffers.fits(gradient, batch)) {
			releaseStepBuffers();
			this.buffers = new StepBuffers(this.architecture, this.params, gradient, views(this.architecture, gradient),
					batch);
		}
		StepBuffers b = this.buffers;
		List<Dense> grads = b.grads;
		double beta = this.architecture.beta();
		int e = this.encoder.size();
		int out = grads.size() - 1;
		try (Scope scope = new Scope()) {
			x = dense(x, scope);
			eps = dense(eps, scope);
			// forward, keeping pre-activations and activations
			INDArray a = x;
			for (int i = 0; i < e; i++) {
				a = activate(this.encoder.get(i).into(a, b.pre[i], b.ones), b.act[i]);
			}
			INDArray encoded = a;
			this.mu.into(encoded, b.pre[e], b.ones);
			this.logvar.into(encoded, b.pre[e + 1], b.ones);
			b.read(b.pre[e], b.mu);
			b.read(b.pre[e + 1], b.logvar);
			b.read(eps, b.eps);
			double klSum = 0;
			double[] z = b.dz;
			for (int j = 0; j < z.length; j++) {
				// σ = e^(½ log σ²); z = μ + σ ε
				b.std[j] = Math.exp(0.5 * b.logvar[j]);
				z[j] = b.mu[j] + b.std[j] * b.eps[j];
				// KL = ½ Σ (μ² + σ² − 1 − log σ²)
				klSum += b.mu[j] * b.mu[j] + b.std[j] * b.std[j] - 1 - b.logvar[j];
			}
			double kl = 0.5 * klSum;
			b.write(z, b.z);
			a = b.z;
			for (int i = 0; i < this.decoder.size(); i++) {
				a = activate(this.decoder.get(i).into(a, b.pre[e + 2 + i], b.ones), b.act[e + 2 + i]);
			}
			INDArray eta = this.output.into(a, b.pre[out], b.ones);

			// backward, scaled by 1/B for the batch mean
			double nll = LikelihoodOps.nllAndGradient(this.architecture, x, eta, 1.0 / batch, b, scope);
			INDArray dA = backward(this.output, grads.get(out), a, b.dEta, b.dIn[out], b.ones);
			for (int i = this.decoder.size() - 1; i >= 0; i--) {
				int layer = e + 2 + i;
				INDArray dPre = activationGradient(b.pre[layer], dA, scope);
				INDArray in = (i == 0) ? b.z : b.act[layer - 1];
				dA = backward(this.decoder.get(i), grads.get(layer), in, dPre, b.dIn[layer], b.ones);
			}
			b.read(dA, b.dz);
			double[] dMu = b.mu;
			double[] dLogvar = b.logvar;
			double scale = beta / batch;
			for (int j = 0; j < dMu.length; j++) {
				// z = μ + σ ε: dμ = dz + (β/B) μ; dlogvar = ½ dz ε σ + (β/B) ½ (σ² − 1)
				dMu[j] = b.dz[j] + scale * b.mu[j];
				dLogvar[j] = 0.5 * b.dz[j] * b.eps[j] * b.std[j] + scale * 0.5 * (b.std[j] * b.std[j] - 1);
			}
			b.write(dMu, b.dMu);
			b.write(dLogvar, b.dLogvar);
			// dEncoded = dμ·W_μᵀ + dlogvar·W_logvarᵀ, the second GEMM accumulating
			INDArray dEncoded = backward(this.mu, grads.get(e), encoded, b.dMu, b.dIn[e], b.ones);
			accumulate(grads.get(e + 1), encoded, b.dLogvar, b.ones);
			Blas.gemm(b.dLogvar, false, this.logvar.weight(), true, dEncoded, 1.0);
			dA = dEncoded;
			for (int i = e - 1; i >= 0; i--) {
				INDArray dPre = activationGradient(b.pre[i], dA, scope);
				accumulate(grads.get(i), (i == 0) ? x : b.act[i - 1], dPre, b.ones);
				if (i > 0) {
					dA = Blas.gemm(dPre, false, this.encoder.get(i).weight(), true, b.dIn[i], 0.0);
				}
			}
			return new BatchLoss(nll, kl, batch);
		}
	}

	/**
	 * Frees the arrays kept between training steps; the next step allocates them again.
	 */
	void releaseStepBuffers() {
		if (this.buffers != null) {
			this.buffers.close();
			this.buffers = null;
		}
	}

	/**
	 * d objective / d pre-activation; some activations write it into {@code pre} (a step
	 * buffer, kept), others into a new array (freed with the scope).
	 */
	private INDArray activationGradient(INDArray pre, INDArray dA, Scope scope) {
		return switch (this.architecture.activation()) {
			// dA ⊙ 1[pre > 0] in one native op, written over pre
			case RELU -> Nd4j.exec(new RectifiedLinearDerivative(pre, dA, pre))[0];
			case LEAKY_RELU, ELU, TANH, SOFTPLUS, SIGMOID -> {
				INDArray dPre = this.activation.backprop(pre, dA).getFirst();
				yield (dPre == pre || dPre == dA) ? dPre : scope.add(dPre);
			}
		};
	}

	/** {@code a} itself when dense and row-major, as GEMM needs, else a copy. */
	private static INDArray dense(INDArray a, Scope scope) {
		return Blas.denseRows(a) ? a : scope.add(a.dup('c'));
	}

	/** The activation of {@code pre} written into {@code act}; returns it. */
	private INDArray activate(INDArray pre, INDArray act) {
		return switch (this.architecture.activation()) {
			// max(pre, 0) in one native op, straight into act
			case RELU -> Nd4j.exec(new RectifiedLinear(pre, act, 0.0));
			case LEAKY_RELU, ELU, TANH, SOFTPLUS, SIGMOID -> this.activation.getActivation(act.assign(pre), true);
		};
	}

	/**
	 * Writes dW = inᵀ·dOut and db = 1ᵀ·dOut into the gradient views; returns dIn =
	 * dOut·Wᵀ, written into {@code dIn} by one GEMM with the transpose flag (mmul of a
	 * transposed view costs ~40% more for 784×400).
	 */
	private static INDArray backward(Dense layer, Dense grad, INDArray in, INDArray dOut, INDArray dIn, INDArray ones) {
		accumulate(grad, in, dOut, ones);
		return Blas.gemm(dOut, false, layer.weight(), true, dIn, 0.0);
	}

	private static void accumulate(Dense grad, INDArray in, INDArray dOut, INDArray ones) {
		Blas.gemm(in, true, dOut, false, grad.weight(), 0.0);
		Blas.gemm(ones, false, dOut, false, grad.bias(), 0.0);
	}

	/**
	 * A [rows, cols] array of this network's data type, filled by one bulk copy (ND4J's
	 * per-element creation paths cost several times more).
	 */
	INDArray matrix(double[][] rows) {
		int cols = (rows.length == 0) ? 0 : rows[0].length;
		long[] shape = { rows.length, cols };
		if (this.params.dataType() == DataType.DOUBLE) {
			double[] flat = new double[rows.length * cols];
			for (int i = 0; i < rows.length; i++) {
				System.arraycopy(rows[i], 0, flat, i * cols, cols);
			}
			return Nd4j.create(Nd4j.createBuffer(flat), shape);
		}
		float[] flat = new float[rows.length * cols];
		for (int i = 0; i < rows.length; i++) {
			for (int j = 0; j < cols; j++) {
				flat[i * cols + j] = (float) rows[i][j];
			}
		}
		return Nd4j.create(Nd4j.createBuffer(flat), shape);
	}

	/**
	 * A result's rows as Java arrays, by one bulk copy out of native memory:
	 * {@code toDoubleMatrix()} costs about 1 ms per call in ND4J 1.0.0-M2.1 whatever the
	 * size, more than the whole forward pass.
	 */
	private static double[][] rows(INDArray a, Scope scope) {
		boolean dense = a.ordering() == 'c' && !a.isView() && a.data().length() == a.length();
		double[] flat = (dense ? a : scope.add(a.dup('c'))).data().asDouble();
		int n = (int) a.size(0);
		int k = (int) a.size(1);
		double[][] rows = new double[n][k];
		for (int i = 0; i < n; i++) {
			System.arraycopy(flat, i * k, rows[i], 0, k);
		}
		return rows;
	}

	/**
	 * Summed losses of one minibatch.
	 *
	 * @param reconstruction Σ NLL(x | z) over the batch
	 * @param kl Σ KL(q(z|x) ‖ p(z)) over the batch
	 * @param count the batch size
	 */
	record BatchLoss(double reconstruction, double kl, int count) {
	}

}
