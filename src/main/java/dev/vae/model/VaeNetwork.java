package dev.vae.model;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

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
		List<Dense> grads = views(this.architecture, gradient);
		int batch = (int) x.size(0);
		double beta = this.architecture.beta();
		try (Scope scope = new Scope()) {
			// forward, keeping pre-activations and activations
			List<INDArray> inputs = new ArrayList<>();
			List<INDArray> pres = new ArrayList<>();
			INDArray a = x;
			for (Dense layer : this.encoder) {
				INDArray pre = scope.add(layer.apply(a));
				inputs.add(a);
				pres.add(pre);
				a = this.activation.getActivation(scope.add(pre.dup()), true);
			}
			INDArray encoded = a;
			INDArray mu = scope.add(this.mu.apply(encoded));
			INDArray lv = scope.add(this.logvar.apply(encoded));
			INDArray std = scope.add(Transforms.exp(lv.mul(0.5), false));
			INDArray z = scope.add(std.mul(eps)).addi(mu);
			a = z;
			for (Dense layer : this.decoder) {
				INDArray pre = scope.add(layer.apply(a));
				inputs.add(a);
				pres.add(pre);
				a = this.activation.getActivation(scope.add(pre.dup()), true);
			}
			INDArray eta = scope.add(this.output.apply(a));

			// KL = ½ Σ (μ² + σ² − 1 − log σ²)
			INDArray variance = scope.add(std.mul(std));
			double kl = 0.5
					* (scope.add(mu.mul(mu)).addi(variance).subi(lv).sumNumber().doubleValue() - (double) mu.length());
			double nll = LikelihoodOps.nllSum(this.architecture, x, eta, scope);

			// backward, scaled by 1/B for the batch mean
			INDArray dEta = LikelihoodOps.gradient(this.architecture, x, eta, scope).divi(batch);
			INDArray dA = backward(this.output, grads.get(grads.size() - 1), a, dEta, scope);
			int e = this.encoder.size();
			for (int i = this.decoder.size() - 1; i >= 0; i--) {
				INDArray dPre = this.activation.backprop(pres.get(e + i), dA).getFirst();
				dA = backward(this.decoder.get(i), grads.get(e + 2 + i), inputs.get(e + i), dPre, scope);
			}
			// z = μ + σ ε: dμ = dz + (β/B) μ; dlogvar = ½ dz ε σ + (β/B) ½ (σ² − 1)
			INDArray dMu = scope.add(mu.mul(beta / batch)).addi(dA);
			INDArray dLv = scope.add(dA.mul(eps))
				.muli(std)
				.muli(0.5)
				.addi(scope.add(variance.sub(1.0)).muli(0.5 * beta / batch));
			INDArray dEncoded = backward(this.mu, grads.get(e), encoded, dMu, scope)
				.addi(backward(this.logvar, grads.get(e + 1), encoded, dLv, scope));
			dA = dEncoded;
			for (int i = e - 1; i >= 0; i--) {
				INDArray dPre = this.activation.backprop(pres.get(i), dA).getFirst();
				accumulate(grads.get(i), inputs.get(i), dPre);
				if (i > 0) {
					dA = timesTransposed(dPre, this.encoder.get(i).weight(), scope);
				}
			}
			return new BatchLoss(nll, kl, batch);
		}
	}

	/**
	 * Writes dW = inᵀ·dOut and db = Σ_rows dOut into the gradient views; returns dIn =
	 * dOut·Wᵀ.
	 */
	private static INDArray backward(Dense layer, Dense grad, INDArray in, INDArray dOut, Scope scope) {
		accumulate(grad, in, dOut);
		return timesTransposed(dOut, layer.weight(), scope);
	}

	/**
	 * a·Wᵀ as one GEMM with the transpose flag (mmul of a transposed view costs ~40% more
	 * for 784×400).
	 */
	private static INDArray timesTransposed(INDArray a, INDArray weight, Scope scope) {
		INDArray out = scope.add(Nd4j.createUninitialized(a.dataType(), a.size(0), weight.size(0)));
		Nd4j.gemm(a, weight, out, false, true, 1.0, 0.0);
		return out;
	}

	private static void accumulate(Dense grad, INDArray in, INDArray dOut) {
		Nd4j.gemm(in, dOut, grad.weight(), true, false, 1.0, 0.0);
		grad.bias().assign(dOut.sum(true, 0));
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
