package dev.vae.model.network;

import dev.vae.model.Batches;
import dev.vae.model.Examples;
import dev.vae.model.Scope;
import dev.vae.model.head.Reconstruction;
import dev.vae.model.layer.Activation;
import dev.vae.model.layer.Dense;
import dev.vae.model.layer.Flatten;
import dev.vae.model.layer.Layer;
import dev.vae.model.layer.LayerOp;
import dev.vae.model.layer.Lean;
import dev.vae.model.layer.Parameter;
import dev.vae.model.layer.Reshape;
import dev.vae.model.layer.Tape;
import dev.vae.model.network.Architecture.Slot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A VAE built from an {@link Architecture}: all trainable parameters in one flat vector
 * (so Adam and checkpoints see one array), the batch-norm running statistics in a second.
 * Inference only reads both and may run on many threads; a training pass updates the
 * running statistics and reuses its arrays from step to step, so it must own the network:
 * a trainer works on its own instance, published only when done.
 */
public final class Network implements Passes {

	private final Architecture architecture;

	private final List<Slot> slots;

	private final INDArray params;

	private final INDArray buffers;

	private final List<LayerOp> ops = new ArrayList<>();

	private final int heads;

	/** The first encoder layer with parameters (the heads' index when there is none). */
	private final int firstTrainable;

	/**
	 * The encoder and decoder as chains of dense layers for {@link LeanForward}, when the
	 * network is float32 and has only dense layers, activations, flattens and reshapes;
	 * else null. The encoder's chain ends in the two heads μ and log σ²; the decoder's
	 * last entry is its output layer.
	 */
	private final List<LeanForward.Affine> leanEncoder;

	private final List<LeanForward.Affine> leanDecoder;

	/**
	 * The arrays of the training steps, reused from one step to the next (training owns
	 * the network); freed by {@link #endTraining()}.
	 */
	private Tape.Arena arena;

	/**
	 * The flat gradient of the last training step and its per-layer segments, kept while
	 * the trainer passes the same one.
	 */
	private INDArray gradient;

	private List<INDArray> gradientSegments;

	private Network(Architecture architecture, INDArray params, INDArray buffers) {
		if (params.length() != architecture.parameterCount() || buffers.length() != architecture.bufferCount()) {
			throw new IllegalArgumentException(
					"expected " + architecture.parameterCount() + " parameters and " + architecture.bufferCount()
							+ " buffer values, got " + params.length() + " and " + buffers.length());
		}
		this.architecture = architecture;
		this.slots = architecture.slots();
		this.params = params;
		this.buffers = buffers;
		for (Slot slot : this.slots) {
			this.ops.add(slot.layer()
				.bind(slot.in(), segment(params, slot.parameterOffset(), slot.parameterCount()),
						segment(buffers, slot.bufferOffset(), slot.bufferCount())));
		}
		this.heads = architecture.encoder().size();
		int first = 0;
		while (first < this.heads && this.slots.get(first).parameterCount() == 0) {
			first++;
		}
		this.firstTrainable = first;
		List<LeanForward.Affine> encoder = lean(0, this.heads + 2);
		List<LeanForward.Affine> decoder = lean(this.heads + 2, this.slots.size());
		boolean lean = params.dataType() == DataType.FLOAT && encoder != null && decoder != null && encoder.size() >= 2
				&& !decoder.isEmpty() && encoder.get(encoder.size() - 1).activation() == null
				&& encoder.get(encoder.size() - 2).activation() == null;
		this.leanEncoder = lean ? encoder : null;
		this.leanDecoder = lean ? decoder : null;
	}

	/**
	 * Slots [from, to) as dense layers each followed by at most one activation, or null
	 * when another kind of layer is among them (flattens and reshapes move no value).
	 */
	private List<LeanForward.Affine> lean(int from, int to) {
		List<LeanForward.Affine> chain = new ArrayList<>();
		for (int i = from; i < to; i++) {
			Slot slot = this.slots.get(i);
			Layer layer = slot.layer();
			if (layer instanceof Dense dense) {
				List<INDArray> p = dense.parameterViews(slot.in(),
						segment(this.params, slot.parameterOffset(), slot.parameterCount()));
				chain.add(new LeanForward.Affine(p.get(0), p.get(1), null));
			}
			else if (layer instanceof Activation activation) {
				if (chain.isEmpty() || chain.get(chain.size() - 1).activation() != null) {
					return null;
				}
				LeanForward.Affine last = chain.remove(chain.size() - 1);
				chain.add(new LeanForward.Affine(last.weight(), last.bias(), activation));
			}
			else if (!(layer instanceof Flatten) && !(layer instanceof Reshape)) {
				// convolutions and batch norm run through ND4J
				return null;
			}
		}
		return chain;
	}

	/**
	 * A freshly initialised network, PyTorch's defaults: U(±1/√fan_in) weights and
	 * biases, batch norm γ = 1, β = 0, running mean 0 and variance 1, drawn from
	 * {@code seed}.
	 */
	public static Network initialise(Architecture architecture, DataType dataType, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		double[] values = new double[Math.toIntExact(architecture.parameterCount())];
		double[] state = new double[Math.toIntExact(architecture.bufferCount())];
		int offset = 0;
		int stateOffset = 0;
		for (Slot slot : architecture.slots()) {
			for (Parameter p : slot.layer().parameters(slot.in())) {
				for (long i = 0; i < p.size(); i++) {
					values[offset++] = (p.bound() > 0) ? (2 * random.nextDouble() - 1) * p.bound() : p.value();
				}
			}
			for (Parameter b : slot.layer().buffers(slot.in())) {
				for (long i = 0; i < b.size(); i++) {
					state[stateOffset++] = b.value();
				}
			}
		}
		return new Network(architecture, Nd4j.createFromArray(values).castTo(dataType),
				Nd4j.createFromArray(state).castTo(dataType));
	}

	/** A float32 network with the given flat parameters and buffers. */
	public static Network of(Architecture architecture, float[] parameters, float[] buffers) {
		return new Network(architecture, Nd4j.createFromArray(parameters.clone()),
				Nd4j.createFromArray(buffers.clone()));
	}

	/** A double-precision network with the given flat parameters and buffers. */
	public static Network of(Architecture architecture, double[] parameters, double[] buffers) {
		return new Network(architecture, Nd4j.createFromArray(parameters.clone()),
				Nd4j.createFromArray(buffers.clone()));
	}

	/**
	 * A format-1 network as the {@code mlp} preset it is
	 * ({@link Presets#of(FormatOneArchitecture)}): the same function, its flat parameters
	 * (dense weights [in, out], then bias, layer by layer) with each weight transposed to
	 * PyTorch's [out, in]; no value changes.
	 */
	public static Network fromFormatOne(FormatOneArchitecture architecture, double[] parameters, DataType dataType) {
		if (parameters.length != architecture.parameterCount()) {
			throw new IllegalArgumentException("a format-1 " + architecture.inputLength() + "-input network has "
					+ architecture.parameterCount() + " parameters, got " + parameters.length);
		}
		double[] converted = new double[parameters.length];
		int offset = 0;
		for (FormatOneArchitecture.LayerShape shape : architecture.layers()) {
			int in = shape.in();
			int out = shape.out();
			for (int i = 0; i < in; i++) {
				for (int o = 0; o < out; o++) {
					converted[offset + o * in + i] = parameters[offset + i * out + o];
				}
			}
			System.arraycopy(parameters, offset + in * out, converted, offset + in * out, out);
			offset += (int) shape.parameterCount();
		}
		return new Network(Presets.of(architecture), Nd4j.createFromArray(converted).castTo(dataType),
				Nd4j.createFromArray(new double[0]).castTo(dataType));
	}

	public Architecture architecture() {
		return this.architecture;
	}

	public DataType dataType() {
		return this.params.dataType();
	}

	public int inputLength() {
		return this.architecture.inputLength();
	}

	public int latentSize() {
		return this.architecture.latentSize();
	}

	/** The flat parameters as float32, in slot order. */
	public float[] parametersAsFloats() {
		return this.params.toFloatVector();
	}

	/** The flat buffers (running statistics) as float32, in slot order. */
	public float[] buffersAsFloats() {
		return (this.buffers.length() == 0) ? new float[0] : this.buffers.toFloatVector();
	}

	/**
	 * Every named tensor with its shape, PyTorch state-dict style:
	 * {@code encoder.0.weight}, {@code encoder.1.running_var}, {@code mu.bias}, …
	 */
	public Map<String, List<Integer>> tensorShapes() {
		Map<String, List<Integer>> shapes = new LinkedHashMap<>();
		for (Slot slot : this.slots) {
			for (Parameter p : slot.layer().parameters(slot.in())) {
				shapes.put(slot.name() + "." + p.name(), p.shape());
			}
			for (Parameter b : slot.layer().buffers(slot.in())) {
				shapes.put(slot.name() + "." + b.name(), b.shape());
			}
		}
		return shapes;
	}

	/**
	 * Overwrites one named tensor (see {@link #tensorShapes()}) with values in 'c' order.
	 */
	public void assign(String name, float[] values) {
		for (Slot slot : this.slots) {
			long offset = slot.parameterOffset();
			for (Parameter p : slot.layer().parameters(slot.in())) {
				if (name.equals(slot.name() + "." + p.name())) {
					write(this.params, offset, p, values);
					return;
				}
				offset += p.size();
			}
			offset = slot.bufferOffset();
			for (Parameter b : slot.layer().buffers(slot.in())) {
				if (name.equals(slot.name() + "." + b.name())) {
					write(this.buffers, offset, b, values);
					return;
				}
				offset += b.size();
			}
		}
		throw new IllegalArgumentException("no tensor named '" + name + "'");
	}

	private static void write(INDArray flat, long offset, Parameter p, float[] values) {
		if (values.length != p.size()) {
			throw new IllegalArgumentException(
					p.name() + " " + p.shape() + " needs " + p.size() + " values, got " + values.length);
		}
		flat.get(NDArrayIndex.interval(offset, offset + p.size()))
			.assign(Nd4j.createFromArray(values).castTo(flat.dataType()));
	}

	public INDArray parameters() {
		return this.params;
	}

	/** The flat running statistics, updated in place by training passes. */
	public INDArray buffers() {
		return this.buffers;
	}

	/**
	 * Overwrites the parameters and buffers in place (their views stay valid) with
	 * float32 values, as {@link #parametersAsFloats()} and {@link #buffersAsFloats()}
	 * give them.
	 */
	public void load(float[] parameters, float[] buffers) {
		if (parameters.length != this.params.length() || buffers.length != this.buffers.length()) {
			throw new IllegalArgumentException("expected " + this.params.length() + " parameters and "
					+ this.buffers.length() + " buffer values, got " + parameters.length + " and " + buffers.length);
		}
		try (INDArray p = Nd4j.createFromArray(parameters)) {
			this.params.assign(p);
		}
		if (buffers.length > 0) {
			try (INDArray b = Nd4j.createFromArray(buffers)) {
				this.buffers.assign(b);
			}
		}
	}

	public INDArray newGradient() {
		return Nd4j.zeros(this.params.dataType(), this.params.length());
	}

	/** q(z|x) for a batch of inputs, with batch norm on its running statistics. */
	@Override
	public Encoding encode(double[][] inputs) {
		if (this.leanEncoder != null) {
			requireLength(inputs, inputLength());
			int n = this.leanEncoder.size();
			double[][][] heads = LeanForward.run(inputs, this.leanEncoder.subList(0, n - 2),
					this.leanEncoder.get(n - 2), this.leanEncoder.get(n - 1));
			return new Encoding(heads[0], heads[1]);
		}
		if (dataType() == DataType.FLOAT) {
			requireLength(inputs, inputLength());
			int n = inputs.length;
			try (Lean lean = new Lean()) {
				float[] a = Batches.floats(inputs);
				for (int i = 0; i < this.heads; i++) {
					a = this.ops.get(i).infer(a, n, lean);
				}
				return new Encoding(Batches.rows(this.ops.get(this.heads).infer(a, n, lean), n),
						Batches.rows(this.ops.get(this.heads + 1).infer(a, n, lean), n));
			}
		}
		try (Scope scope = new Scope()) {
			Tape tape = Tape.inference(scope);
			INDArray a = encoded(scope.add(Batches.matrix(inputs, dataType())), tape);
			return new Encoding(Batches.rows(this.ops.get(this.heads).forward(a, tape)),
					Batches.rows(this.ops.get(this.heads + 1).forward(a, tape)));
		}
	}

	/** The decoder head's pre-activations η for a batch of latent vectors. */
	@Override
	public double[][] decodeLogits(double[][] z) {
		if (this.leanDecoder != null) {
			requireLength(z, latentSize());
			int n = this.leanDecoder.size();
			return LeanForward.run(z, this.leanDecoder.subList(0, n - 1), this.leanDecoder.get(n - 1))[0];
		}
		if (dataType() == DataType.FLOAT) {
			requireLength(z, latentSize());
			try (Lean lean = new Lean()) {
				float[] a = Batches.floats(z);
				for (int i = this.heads + 2; i < this.ops.size(); i++) {
					a = this.ops.get(i).infer(a, z.length, lean);
				}
				return Batches.rows(a, z.length);
			}
		}
		try (Scope scope = new Scope()) {
			Tape tape = Tape.inference(scope);
			return Batches.rows(decoded(scope.add(Batches.matrix(z, dataType())), tape));
		}
	}

	/**
	 * Calls of at most this many rows through {@link #serving} answer each row exactly as
	 * a call of its own would.
	 */
	public static final int ROWS_ANSWERED_ALONE = LeanForward.HELD_ROWS;

	/**
	 * The passes to serve: this network's, with a plain dense chain's weights copied to
	 * the Java heap for calls of at most {@link LeanForward#HELD_ROWS} rows (a single
	 * request, or a few batched together), where OpenBLAS's GEMM spent most of a call
	 * repacking the weights. Its parameters must not change from now on. Other networks,
	 * and chains of more than {@link LeanForward#HELD_PARAMETERS} weights, serve as they
	 * are.
	 */
	public Passes serving() {
		if (this.leanEncoder == null
				|| java.util.stream.Stream.concat(this.leanEncoder.stream(), this.leanDecoder.stream())
					.mapToLong((layer) -> layer.weight().length())
					.sum() > LeanForward.HELD_PARAMETERS) {
			return this;
		}
		List<LeanForward.Held> encoder = new ArrayList<>(this.leanEncoder.stream().map(LeanForward.Held::of).toList());
		// μ and log σ² as one layer of 2k outputs, split after
		LeanForward.Held logvar = encoder.remove(encoder.size() - 1);
		encoder.add(LeanForward.Held.beside(encoder.remove(encoder.size() - 1), logvar));
		List<LeanForward.Held> decoder = this.leanDecoder.stream().map(LeanForward.Held::of).toList();
		int k = latentSize();
		return new Passes() {
			@Override
			public Encoding encode(double[][] inputs) {
				if (inputs.length > LeanForward.HELD_ROWS) {
					return Network.this.encode(inputs);
				}
				requireLength(inputs, inputLength());
				return Encoding.split(LeanForward.run(inputs, encoder), k);
			}

			@Override
			public double[][] decodeLogits(double[][] z) {
				if (z.length > LeanForward.HELD_ROWS) {
					return Network.this.decodeLogits(z);
				}
				requireLength(z, latentSize());
				return LeanForward.run(z, decoder);
			}
		};
	}

	private static void requireLength(double[][] rows, int length) {
		for (int i = 0; i < rows.length; i++) {
			if (rows[i].length != length) {
				throw new IllegalArgumentException(
						"row " + i + " has " + rows[i].length + " values, expected " + length);
			}
		}
	}

	/** The decoder means x̂ = f(η) for a batch of latent vectors. */
	public double[][] decodeMean(double[][] z) {
		double[][] eta = decodeLogits(z);
		double[][] mean = new double[eta.length][];
		for (int i = 0; i < eta.length; i++) {
			mean[i] = this.architecture.head().mean(eta[i], inputLength());
		}
		return mean;
	}

	private INDArray encoded(INDArray x, Tape tape) {
		INDArray a = x.reshape('c', this.architecture.input().batch(x.size(0)));
		for (int i = 0; i < this.heads; i++) {
			a = this.ops.get(i).forward(a, tape);
		}
		return a;
	}

	private INDArray decoded(INDArray z, Tape tape) {
		INDArray a = z;
		for (int i = this.heads + 2; i < this.ops.size(); i++) {
			a = this.ops.get(i).forward(a, tape);
		}
		return a.reshape('c', z.size(0), this.architecture.outputLength());
	}

	/**
	 * One minibatch of the objective mean over the batch of [NLL(x | z) + β KL(q(z|x) ‖
	 * N(0, I))] with z = μ + σ ⊙ ε, batch norm on batch statistics (its running
	 * statistics move), and its gradient written into {@code gradient}.
	 * @param x inputs [B, D]
	 * @param eps standard normal noise [B, K]
	 * @return the batch's summed reconstruction NLL and summed KL
	 */
	public BatchLoss lossAndGradient(INDArray x, INDArray eps, INDArray gradient) {
		return lossAndGradient(x, eps, gradient, KlTerm.of(this.architecture.beta()));
	}

	/**
	 * {@link #lossAndGradient(INDArray, INDArray, INDArray)} with the KL term weighted as
	 * {@code term} says: the step's β, and a free-bits floor λ under which a latent
	 * dimension's KL gets no gradient. The objective is mean NLL + β Σ_j max(λ, KL_j),
	 * KL_j the minibatch mean of dimension j's KL (or {@link KlTerm#batchKl()} when
	 * given); the losses returned are the plain NLL and KL sums all the same.
	 */
	public BatchLoss lossAndGradient(INDArray x, INDArray eps, INDArray gradient, KlTerm term) {
		int batch = (int) x.size(0);
		int d = inputLength();
		int k = latentSize();
		DataType type = dataType();
		try (Scope scope = new Scope()) {
			if (this.arena == null) {
				this.arena = new Tape.Arena();
			}
			Tape tape = Tape.training(scope, this.arena);
			INDArray encoded = encoded(x, tape);
			double[] mu = Batches.values(this.ops.get(this.heads).forward(encoded, tape));
			double[] logvar = Batches.values(this.ops.get(this.heads + 1).forward(encoded, tape));
			double[] e = Batches.values(eps);
			double[] std = new double[mu.length];
			double[] z = new double[mu.length];
			double klSum = 0;
			for (int j = 0; j < z.length; j++) {
				// σ = e^(½ log σ²); z = μ + σ ε
				std[j] = Math.exp(0.5 * logvar[j]);
				z[j] = mu[j] + std[j] * e[j];
				// KL = ½ Σ (μ² + σ² − 1 − log σ²)
				klSum += mu[j] * mu[j] + std[j] * std[j] - 1 - logvar[j];
			}
			INDArray eta = decoded(Batches.write(z, tape.uninitialized(type, batch, k)), tape);

			// the head, its gradient scaled by 1/B for the batch mean; backward pops the
			// tape in reverse
			INDArray dEta = tape.uninitialized(type, eta.shape());
			double nll = this.architecture.head().trainingNll(x, eta, 1.0 / batch, dEta);
			INDArray dA = dEta.reshape('c', this.slots.get(this.slots.size() - 1).out().batch(batch));
			for (int i = this.ops.size() - 1; i >= this.heads + 2; i--) {
				dA = backward(i, dA, gradient, tape);
			}
			double[] dz = Batches.values(dA);
			klGradient(term, dz, e, mu, std, logvar, batch, k);
			INDArray dLogvar = Batches.write(logvar, tape.uninitialized(type, batch, k));
			INDArray dMu = Batches.write(mu, tape.uninitialized(type, batch, k));
			dA = backward(this.heads + 1, dLogvar, gradient, tape).addi(backward(this.heads, dMu, gradient, tape));
			for (int i = this.heads - 1; i > this.firstTrainable; i--) {
				dA = backward(i, dA, gradient, tape);
			}
			// the first layer with parameters needs no gradient for its input, the data;
			// the parameter-free layers before it (a flatten) none at all
			if (this.firstTrainable >= 0 && this.firstTrainable < this.heads) {
				this.ops.get(this.firstTrainable)
					.backwardParameters(dA, gradientSegment(gradient, this.firstTrainable), tape);
			}
			return new BatchLoss(nll, 0.5 * klSum, batch);
		}
	}

	/**
	 * Turns mu and logvar (the heads' outputs) into the gradients at the heads: the
	 * decoder's dz carried through z = μ + σ ε, plus the KL term's as {@code term} weighs
	 * it.
	 */
	private static void klGradient(KlTerm term, double[] dz, double[] e, double[] mu, double[] std, double[] logvar,
			int batch, int k) {
		double scale = term.beta() / batch;
		if (term.freeBits() == 0) {
			for (int j = 0; j < dz.length; j++) {
				// dμ = dz + (β/B) μ; dlogvar = ½ dz ε σ + (β/B) ½ (σ² − 1)
				mu[j] = dz[j] + scale * mu[j];
				logvar[j] = 0.5 * dz[j] * e[j] * std[j] + scale * 0.5 * (std[j] * std[j] - 1);
			}
			return;
		}
		double[] weight = freeBitsWeights(term, mu, logvar, batch, k, scale);
		for (int j = 0; j < dz.length; j++) {
			// as above, the KL part times 0 for a dimension under the floor
			double w = weight[j % k];
			mu[j] = dz[j] + w * mu[j];
			logvar[j] = 0.5 * dz[j] * e[j] * std[j] + w * 0.5 * (std[j] * std[j] - 1);
		}
	}

	/**
	 * The KL gradient's weight per latent dimension under free bits: β/B where the
	 * minibatch mean KL_j is above λ (d max(λ, KL_j) / d KL_j = 1), 0 at or below it.
	 */
	private static double[] freeBitsWeights(KlTerm term, double[] mu, double[] logvar, int batch, int k, double scale) {
		double[] mean = term.batchKl();
		if (mean == null) {
			mean = new double[k];
			for (int j = 0; j < mu.length; j++) {
				mean[j % k] += Reconstruction.kl(mu[j], logvar[j]);
			}
			for (int j = 0; j < k; j++) {
				mean[j] /= batch;
			}
		}
		else if (mean.length != k) {
			throw new IllegalArgumentException("batchKl has " + mean.length + " values, the latent size is " + k);
		}
		double[] weight = new double[k];
		for (int j = 0; j < k; j++) {
			weight[j] = (mean[j] > term.freeBits()) ? scale : 0;
		}
		return weight;
	}

	/**
	 * Σ over the rows of x of each latent dimension's KL(q(z_j|x) ‖ N(0, 1)), the encoder
	 * run as a training pass does (batch norm on these rows' statistics, which moves its
	 * running statistics): what replicas add up so that free bits sees the whole
	 * minibatch's mean KL per dimension.
	 */
	public double[] klSums(INDArray x) {
		int k = latentSize();
		try (Scope scope = new Scope()) {
			Tape tape = Tape.training(scope);
			INDArray encoded = encoded(x, tape);
			double[] mu = Batches.values(this.ops.get(this.heads).forward(encoded, tape));
			double[] logvar = Batches.values(this.ops.get(this.heads + 1).forward(encoded, tape));
			double[] sums = new double[k];
			for (int j = 0; j < mu.length; j++) {
				sums[j % k] += Reconstruction.kl(mu[j], logvar[j]);
			}
			return sums;
		}
	}

	public void endTraining() {
		this.gradient = null;
		this.gradientSegments = null;
		if (this.arena != null) {
			this.arena.close();
			this.arena = null;
		}
	}

	private INDArray backward(int i, INDArray dy, INDArray gradient, Tape tape) {
		return this.ops.get(i).backward(dy, gradientSegment(gradient, i), tape);
	}

	/**
	 * Slot i's segment of {@code gradient}, the views kept while it is the same array.
	 */
	private INDArray gradientSegment(INDArray gradient, int i) {
		if (gradient != this.gradient) {
			this.gradientSegments = new ArrayList<>();
			for (Slot slot : this.slots) {
				this.gradientSegments.add(segment(gradient, slot.parameterOffset(), slot.parameterCount()));
			}
			this.gradient = gradient;
		}
		return this.gradientSegments.get(i);
	}

	/** Held-out −ELBO (β = 1) with one z per input drawn from {@code seed}. */
	public Evaluation.Summary negElbo(Examples data, long seed) {
		return Evaluation.negElbo(this, data, seed);
	}

	/** A view of [offset, offset + count) of a flat vector, or null when empty. */
	private static INDArray segment(INDArray flat, long offset, long count) {
		return (count == 0) ? null : flat.get(NDArrayIndex.interval(offset, offset + count));
	}

	/**
	 * Summed losses of one minibatch.
	 *
	 * @param reconstruction Σ NLL(x | z) over the batch
	 * @param kl Σ KL(q(z|x) ‖ p(z)) over the batch
	 * @param count the batch size
	 */
	public record BatchLoss(double reconstruction, double kl, int count) {
	}

	/**
	 * How a training step weights KL(q(z|x) ‖ p(z)).
	 *
	 * @param beta the step's β (after any warm-up)
	 * @param freeBits λ in nats per latent dimension, 0 for none
	 * @param batchKl the mean KL of each latent dimension over the whole minibatch when
	 * it is spread over replicas (the sum of their {@link #klSums} over its size); null
	 * to take it from the batch at hand
	 */
	public record KlTerm(double beta, double freeBits, double[] batchKl) {

		public KlTerm {
			if (!(beta >= 0) || !(freeBits >= 0)) {
				throw new IllegalArgumentException("β and freeBits must be ≥ 0, were " + beta + " and " + freeBits);
			}
		}

		/** β alone, no floor. */
		public static KlTerm of(double beta) {
			return new KlTerm(beta, 0, null);
		}

	}

}
