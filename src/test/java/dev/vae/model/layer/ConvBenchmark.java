package dev.vae.model.layer;

import java.util.Arrays;

import dev.vae.model.Scope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Not a test: times one training step (forward and backward) of the conv layers (which
 * since the oneDNN build run these very ops, plus their own bookkeeping) against
 * libnd4j's fused custom ops ({@code conv2d}/{@code conv2d_bp},
 * {@code deconv2d}/{@code deconv2d_bp}) on AntixK-sized float32 layers, after checking
 * that both compute the same. Run with OMP_NUM_THREADS=1 on a quiet machine.
 */
public final class ConvBenchmark {

	private ConvBenchmark() {
	}

	public static void main(String[] args) {
		int batch = (args.length > 0) ? Integer.parseInt(args[0]) : 64;
		Nd4j.getRandom().setSeed(1);
		conv("conv 3×64×64 → 32, k3 s2 p1", batch, 3, 64, 32);
		conv("conv 32×32×32 → 64, k3 s2 p1", batch, 32, 32, 64);
		deconv("deconv 64×16×16 → 32, k4 s2 p1", batch, 64, 16, 32);
	}

	private static void conv(String name, int n, int c, int size, int out) {
		Conv2d layer = new Conv2d(out, 3, 2, 1);
		Shape in = Shape.of(c, size, size);
		INDArray params = Nd4j.rand(DataType.FLOAT, Layer.count(layer.parameters(in))).subi(0.5);
		INDArray x = Nd4j.rand(DataType.FLOAT, in.batch(n));
		Shape o = layer.outputShape(in);
		INDArray dy = Nd4j.rand(DataType.FLOAT, o.batch(n));
		LayerOp op = layer.bind(in, params, null);
		INDArray gradient = Nd4j.zeros(DataType.FLOAT, params.length());
		INDArray w = params.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, (long) out * c * 9))
			.reshape('c', out, c, 3, 3);
		INDArray b = params.get(org.nd4j.linalg.indexing.NDArrayIndex.interval((long) out * c * 9, params.length()));
		int[] iArgs = { 3, 3, 2, 2, 1, 1, 1, 1, 0, 0, 1 };
		INDArray y = Nd4j.create(DataType.FLOAT, o.batch(n));
		INDArray dx = Nd4j.create(DataType.FLOAT, in.batch(n));
		INDArray dw = Nd4j.create(DataType.FLOAT, out, c, 3, 3);
		INDArray db = Nd4j.create(DataType.FLOAT, out);
		Runnable ours = () -> {
			try (Scope scope = new Scope()) {
				Tape tape = Tape.training(scope);
				op.forward(x, tape);
				op.backward(dy, gradient, tape);
			}
		};
		Runnable theirs = () -> {
			Nd4j.exec(DynamicCustomOp.builder("conv2d")
				.addInputs(x, w, b)
				.addOutputs(y)
				.addIntegerArguments(iArgs)
				.build());
			Nd4j.exec(DynamicCustomOp.builder("conv2d_bp")
				.addInputs(x, w, b, dy)
				.addOutputs(dx, dw, db)
				.addIntegerArguments(iArgs)
				.build());
		};
		try (Scope scope = new Scope()) {
			INDArray mine = op.forward(x, Tape.inference(scope));
			theirs.run();
			System.out.printf("%s: max |ours − custom op| forward %.2e%n", name,
					mine.sub(y).amaxNumber().doubleValue());
		}
		report(name, n, ours, theirs);
	}

	private static void deconv(String name, int n, int c, int size, int out) {
		ConvTranspose2d layer = new ConvTranspose2d(out, 4, 2, 1, 0);
		Shape in = Shape.of(c, size, size);
		INDArray params = Nd4j.rand(DataType.FLOAT, Layer.count(layer.parameters(in))).subi(0.5);
		INDArray x = Nd4j.rand(DataType.FLOAT, in.batch(n));
		Shape o = layer.outputShape(in);
		INDArray dy = Nd4j.rand(DataType.FLOAT, o.batch(n));
		LayerOp op = layer.bind(in, params, null);
		INDArray gradient = Nd4j.zeros(DataType.FLOAT, params.length());
		INDArray w = params.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, (long) out * c * 16))
			.reshape('c', c, out, 4, 4);
		INDArray b = params.get(org.nd4j.linalg.indexing.NDArrayIndex.interval((long) out * c * 16, params.length()));
		int[] iArgs = { 4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1 };
		INDArray y = Nd4j.create(DataType.FLOAT, o.batch(n));
		INDArray dx = Nd4j.create(DataType.FLOAT, in.batch(n));
		INDArray dw = Nd4j.create(DataType.FLOAT, c, out, 4, 4);
		INDArray db = Nd4j.create(DataType.FLOAT, out);
		Runnable ours = () -> {
			try (Scope scope = new Scope()) {
				Tape tape = Tape.training(scope);
				op.forward(x, tape);
				op.backward(dy, gradient, tape);
			}
		};
		Runnable theirs = () -> {
			Nd4j.exec(DynamicCustomOp.builder("deconv2d")
				.addInputs(x, w, b)
				.addOutputs(y)
				.addIntegerArguments(iArgs)
				.build());
			Nd4j.exec(DynamicCustomOp.builder("deconv2d_bp")
				.addInputs(x, w, b, dy)
				.addOutputs(dx, dw, db)
				.addIntegerArguments(iArgs)
				.build());
		};
		try (Scope scope = new Scope()) {
			INDArray mine = op.forward(x, Tape.inference(scope));
			theirs.run();
			System.out.printf("%s: max |ours − custom op| forward %.2e%n", name,
					mine.sub(y).amaxNumber().doubleValue());
		}
		report(name, n, ours, theirs);
	}

	private static void report(String name, int n, Runnable ours, Runnable theirs) {
		double a = median(ours);
		double b = median(theirs);
		System.out.printf("%s, batch %d, forward+backward: im2col+GEMM %.1f ms, custom ops %.1f ms%n", name, n, a, b);
	}

	/** The median of nine timed runs after three warm-up runs, in milliseconds. */
	public static double median(Runnable step) {
		for (int i = 0; i < 3; i++) {
			step.run();
		}
		double[] ms = new double[9];
		for (int i = 0; i < ms.length; i++) {
			long t = System.nanoTime();
			step.run();
			ms[i] = (System.nanoTime() - t) / 1e6;
		}
		Arrays.sort(ms);
		return ms[ms.length / 2];
	}

}
