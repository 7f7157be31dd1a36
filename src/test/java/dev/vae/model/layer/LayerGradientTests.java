package dev.vae.model.layer;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import dev.vae.model.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Every layer kind against {@link NaiveLayers}: the ND4J forward pass equals the naive
 * loops, and the backward pass (input and parameter gradients) equals central finite
 * differences of the naive loops, all in double precision.
 */
class LayerGradientTests {

	static Stream<Arguments> layers() {
		return Stream.of(Arguments.of(new Dense(3), Shape.of(5), 3),
				Arguments.of(new Conv2d(2, 3, 2, 1), Shape.of(1, 5, 5), 2),
				Arguments.of(new Conv2d(3, 3, 1, 0), Shape.of(2, 5, 4), 2),
				Arguments.of(new Conv2d(2, 3, 1, 1), Shape.of(3, 4, 5), 2),
				Arguments.of(new Conv2d(2, 2, 2, 0), Shape.of(2, 4, 6), 1),
				Arguments.of(new ConvTranspose2d(3, 3, 2, 1, 1), Shape.of(2, 3, 3), 2),
				Arguments.of(new ConvTranspose2d(1, 3, 2, 0, 0), Shape.of(2, 2, 3), 2),
				Arguments.of(new ConvTranspose2d(2, 4, 2, 1, 0), Shape.of(1, 3, 2), 2),
				Arguments.of(new ConvTranspose2d(2, 3, 3, 1, 2), Shape.of(2, 2, 2), 1),
				Arguments.of(BatchNorm.pytorch(), Shape.of(3, 2, 2), 3),
				Arguments.of(BatchNorm.pytorch(), Shape.of(4), 5),
				Arguments.of(Activation.of(Activation.Function.RELU), Shape.of(2, 3), 2),
				Arguments.of(Activation.leakyRelu(0.2), Shape.of(2, 3), 2),
				Arguments.of(Activation.of(Activation.Function.ELU), Shape.of(2, 3), 2),
				Arguments.of(Activation.of(Activation.Function.TANH), Shape.of(2, 3), 2),
				Arguments.of(Activation.of(Activation.Function.SIGMOID), Shape.of(2, 3), 2),
				Arguments.of(Activation.of(Activation.Function.SOFTPLUS), Shape.of(2, 3), 2),
				Arguments.of(Activation.of(Activation.Function.IDENTITY), Shape.of(2, 3), 2),
				Arguments.of(new Flatten(), Shape.of(2, 2, 3), 2),
				Arguments.of(new Reshape(List.of(3, 2, 2)), Shape.of(12), 2));
	}

	@ParameterizedTest(name = "{0} on {1}")
	@MethodSource("layers")
	void forwardMatchesTheLoopsAndBackwardMatchesFiniteDifferences(Layer layer, Shape in, int n) {
		check(layer, in, n);
	}

	/**
	 * float32 runs other code than float64 (oneDNN's convolutions in the default native
	 * build): the same inputs through both agree to float precision.
	 */
	@ParameterizedTest(name = "{0} on {1}")
	@MethodSource("layers")
	void float32PassesAgreeWithFloat64(Layer layer, Shape in, int n) {
		SplittableRandom random = new SplittableRandom(11);
		double[] x = awayFromZero(random, (int) (n * in.size()));
		double[] p = awayFromZero(random, (int) Layer.count(layer.parameters(in)));
		double[] r = awayFromZero(random, (int) (n * layer.outputShape(in).size()));
		double[][] exact = passes(layer, in, n, DataType.DOUBLE, x, p, r);
		double[][] single = passes(layer, in, n, DataType.FLOAT, x, p, r);
		String[] names = { "forward", "input gradient", "parameter gradient" };
		for (int i = 0; i < names.length; i++) {
			double scale = 0;
			for (double v : exact[i]) {
				scale = Math.max(scale, Math.abs(v));
			}
			assertClose(single[i], exact[i], 1e-5 * Math.max(1, scale), names[i]);
		}
	}

	/**
	 * The serving path on Java arrays ({@link LayerOp#infer}) answers as the inference
	 * pass through ND4J arrays, batch norm with running statistics of its own.
	 */
	@ParameterizedTest(name = "{0} on {1}")
	@MethodSource("layers")
	void inferOnJavaArraysEqualsTheInferencePass(Layer layer, Shape in, int n) {
		SplittableRandom random = new SplittableRandom(13);
		double[] x = awayFromZero(random, (int) (n * in.size()));
		double[] p = awayFromZero(random, (int) Layer.count(layer.parameters(in)));
		double[] buffers = initialBuffers(layer, in);
		for (int i = 0; i < buffers.length; i++) {
			// running means anywhere, running variances positive
			buffers[i] = (i < buffers.length / 2) ? random.nextDouble() - 0.5 : 0.5 + random.nextDouble();
		}
		try (Scope scope = new Scope(); Lean lean = new Lean()) {
			LayerOp op = layer.bind(in, Nd4j.createFromArray(p).castTo(DataType.FLOAT),
					Nd4j.createFromArray(buffers).castTo(DataType.FLOAT));
			INDArray input = Nd4j.create(x, in.batch(n), 'c').castTo(DataType.FLOAT);
			double[] expected = op.forward(input, Tape.inference(scope))
				.dup('c')
				.castTo(DataType.DOUBLE)
				.data()
				.asDouble();
			float[] values = input.data().asFloat();
			float[] actual = op.infer(values, n, lean);
			assertThat(actual).hasSize(expected.length);
			for (int i = 0; i < actual.length; i++) {
				assertThat((double) actual[i]).as("y[%d]", i)
					.isCloseTo(expected[i], within(1e-5 * Math.max(1, Math.abs(expected[i]))));
			}
		}
	}

	/** y, dx and dp of one training pass in the given type, as doubles. */
	private static double[][] passes(Layer layer, Shape in, int n, DataType type, double[] x, double[] p, double[] r) {
		try (Scope scope = new Scope()) {
			INDArray params = Nd4j.createFromArray(p.clone()).castTo(type);
			INDArray state = Nd4j.createFromArray(initialBuffers(layer, in)).castTo(type);
			LayerOp op = layer.bind(in, params, state);
			Tape tape = Tape.training(scope);
			INDArray y = op.forward(Nd4j.create(x, in.batch(n), 'c').castTo(type), tape);
			double[] forward = y.dup('c').castTo(DataType.DOUBLE).data().asDouble();
			INDArray gradient = Nd4j.zeros(type, Math.max(1, p.length));
			INDArray dx = op.backward(Nd4j.create(r, layer.outputShape(in).batch(n), 'c').castTo(type), gradient, tape);
			double[] dp = (p.length > 0) ? gradient.castTo(DataType.DOUBLE).toDoubleVector() : new double[0];
			return new double[][] { forward, dx.dup('c').castTo(DataType.DOUBLE).data().asDouble(), dp };
		}
	}

	private static void check(Layer layer, Shape in, int n) {
		SplittableRandom random = new SplittableRandom(7);
		// values kept off 0 so that no finite difference straddles a kink
		double[] x = awayFromZero(random, (int) (n * in.size()));
		double[] p = awayFromZero(random, (int) Layer.count(layer.parameters(in)));
		double[] buffers = initialBuffers(layer, in);
		Shape outShape = layer.outputShape(in);
		double[] r = awayFromZero(random, (int) (n * outShape.size()));

		double[] dx;
		double[] dp = new double[p.length];
		try (Scope scope = new Scope()) {
			INDArray params = Nd4j.createFromArray(p.clone());
			INDArray state = Nd4j.createFromArray(buffers.clone());
			LayerOp op = layer.bind(in, params, state);
			Tape tape = Tape.training(scope);
			INDArray y = op.forward(Nd4j.create(x, in.batch(n), 'c'), tape);
			assertThat(y.shape()).containsExactly(outShape.batch(n));
			double[] expected = NaiveLayers.forward(layer, in, n, x, p, buffers.clone(), true);
			assertClose(y.dup('c').data().asDouble(), expected, 1e-12, "forward");
			INDArray gradient = Nd4j.zeros(DataType.DOUBLE, Math.max(1, p.length));
			INDArray dInput = op.backward(Nd4j.create(r, outShape.batch(n), 'c'), gradient, tape);
			dx = dInput.dup('c').data().asDouble();
			if (p.length > 0) {
				dp = gradient.toDoubleVector();
			}
		}
		double h = 1e-6;
		for (int i = 0; i < x.length; i++) {
			double[] plus = x.clone();
			plus[i] += h;
			double[] minus = x.clone();
			minus[i] -= h;
			double numeric = (loss(layer, in, n, plus, p, buffers, r) - loss(layer, in, n, minus, p, buffers, r))
					/ (2 * h);
			assertThat(dx[i]).as("d/dx[%d]", i).isCloseTo(numeric, within(1e-7 + 1e-6 * Math.abs(numeric)));
		}
		for (int i = 0; i < p.length; i++) {
			double[] plus = p.clone();
			plus[i] += h;
			double[] minus = p.clone();
			minus[i] -= h;
			double numeric = (loss(layer, in, n, x, plus, buffers, r) - loss(layer, in, n, x, minus, buffers, r))
					/ (2 * h);
			assertThat(dp[i]).as("d/dp[%d]", i).isCloseTo(numeric, within(1e-7 + 1e-6 * Math.abs(numeric)));
		}
	}

	@Test
	void batchNormUpdatesItsRunningStatisticsAsPyTorchAndInfersWithThem() {
		BatchNorm layer = BatchNorm.pytorch();
		Shape in = Shape.of(2, 3, 2);
		SplittableRandom random = new SplittableRandom(5);
		double[] x = awayFromZero(random, 4 * 12);
		double[] p = awayFromZero(random, 4);
		double[] expectedBuffers = { 0.5, -0.25, 2.0, 0.75 };
		INDArray state = Nd4j.createFromArray(expectedBuffers.clone());
		try (Scope scope = new Scope()) {
			LayerOp op = layer.bind(in, Nd4j.createFromArray(p), state);
			op.forward(Nd4j.create(x, in.batch(4), 'c'), Tape.training(scope));
			NaiveLayers.batchNorm(x, 4, in, layer, p, expectedBuffers, true);
			assertClose(state.toDoubleVector(), expectedBuffers, 1e-14, "running statistics");
			INDArray y = op.forward(Nd4j.create(x, in.batch(4), 'c'), Tape.inference(scope));
			assertClose(y.dup('c').data().asDouble(), NaiveLayers.batchNorm(x, 4, in, layer, p, expectedBuffers, false),
					1e-12, "inference");
			assertClose(state.toDoubleVector(), expectedBuffers, 0, "running statistics after inference");
		}
	}

	@Test
	void shapesThatDoNotFitAreRefusedByName() {
		assertThatThrownBy(() -> new Conv2d(4, 5, 1, 0).outputShape(Shape.of(1, 3, 3)))
			.hasMessage("conv2d: input 1×3×3 padded by 0 is smaller than the kernel 5");
		assertThatThrownBy(() -> new Dense(4).outputShape(Shape.of(1, 3, 3)))
			.hasMessage("dense needs a feature vector, got 1×3×3 (add a flatten before it)");
		assertThatThrownBy(() -> new Reshape(List.of(2, 2, 2)).outputShape(Shape.of(7)))
			.hasMessage("reshape: input 7 has 7 values, 2×2×2 needs 8");
		assertThatThrownBy(() -> new ConvTranspose2d(1, 3, 2, 1, 2))
			.hasMessageContaining("outputPadding must lie in 0..1");
	}

	private static double loss(Layer layer, Shape in, int n, double[] x, double[] p, double[] buffers, double[] r) {
		double[] y = NaiveLayers.forward(layer, in, n, x, p, buffers.clone(), true);
		double sum = 0;
		for (int i = 0; i < y.length; i++) {
			sum += r[i] * y[i];
		}
		return sum;
	}

	static double[] initialBuffers(Layer layer, Shape in) {
		return layer.buffers(in)
			.stream()
			.flatMapToDouble((b) -> java.util.stream.DoubleStream.generate(b::value).limit(b.size()))
			.toArray();
	}

	static double[] awayFromZero(SplittableRandom random, int count) {
		double[] values = new double[count];
		for (int i = 0; i < count; i++) {
			values[i] = (random.nextBoolean() ? 1 : -1) * (0.1 + random.nextDouble());
		}
		return values;
	}

	static void assertClose(double[] actual, double[] expected, double tolerance, String what) {
		assertThat(actual).as(what).hasSameSizeAs(expected);
		for (int i = 0; i < actual.length; i++) {
			assertThat(actual[i]).as("%s[%d]", what, i).isCloseTo(expected[i], within(tolerance));
		}
	}

}
