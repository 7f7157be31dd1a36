package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The convolutions of both conv layers as libnd4j's {@code conv2d} and {@code deconv2d}
 * ops and their backward ops, channels first, weights in PyTorch's layouts ([out, in, k,
 * k] and [in, out, k, k]). With the oneDNN native build (the project's default
 * classifier) they run oneDNN's direct convolutions for float32; other types and builds
 * run libnd4j's own im2col + GEMM, which is exact but slow.
 * <p>
 * Measured on one core (conv 1×28×28 [32, 64] training step, batch 64): our own im2col
 * and col2im in Java with ND4J GEMMs took 241–280 ms per step, of which a quarter was
 * allocating the patch matrices; these ops 75 ms or less for all four convolutions of a
 * step together (see bench/RESULTS.md).
 */
final class Convolutions {

	/**
	 * libnd4j's weight layout code for [out, in, k, k] (conv2d) and [in, out, k, k]
	 * (deconv2d).
	 */
	private static final int TORCH_LAYOUT = 1;

	private Convolutions() {
	}

	/** y ← conv(x, w) + b, padding p on every side. */
	static void conv(INDArray x, INDArray w, INDArray b, INDArray y, int k, int s, int p) {
		Nd4j.exec(op("conv2d", k, s, p).addInputs(x, w, b).addOutputs(y).build());
	}

	/** dx, dw, db of {@link #conv} given dy. */
	static void convBackward(INDArray x, INDArray w, INDArray b, INDArray dy, INDArray dx, INDArray dw, INDArray db,
			int k, int s, int p) {
		Nd4j.exec(op("conv2d_bp", k, s, p).addInputs(x, w, b, dy).addOutputs(dx, dw, db).build());
	}

	/**
	 * y ← convᵀ(x, w) + b, the adjoint of {@link #conv}: y has (H − 1)·s + k − 2p rows
	 * and columns.
	 */
	static void transposed(INDArray x, INDArray w, INDArray b, INDArray y, int k, int s, int p) {
		Nd4j.exec(op("deconv2d", k, s, p).addInputs(x, w, b).addOutputs(y).build());
	}

	/** dx, dw, db of {@link #transposed} given dy. */
	static void transposedBackward(INDArray x, INDArray w, INDArray b, INDArray dy, INDArray dx, INDArray dw,
			INDArray db, int k, int s, int p) {
		Nd4j.exec(op("deconv2d_bp", k, s, p).addInputs(x, w, b, dy).addOutputs(dx, dw, db).build());
	}

	private static DynamicCustomOp.DynamicCustomOpsBuilder op(String name, int k, int s, int p) {
		// kH, kW, sH, sW, pH, pW, dH, dW, same-mode (no: explicit padding), NCHW, layout
		return DynamicCustomOp.builder(name).addIntegerArguments(k, k, s, s, p, p, 1, 1, 0, 0, TORCH_LAYOUT);
	}

	/** Checks a square window's arguments. */
	static void requireWindow(String kind, int kernel, int stride, int padding) {
		if (kernel < 1 || stride < 1 || padding < 0) {
			throw new IllegalArgumentException(
					kind + ": kernel and stride must be positive and padding non-negative, were " + kernel + ", "
							+ stride + ", " + padding);
		}
	}

	/** Checks that the input is a channels-first image. */
	static void requireImage(String kind, Shape in) {
		if (in.rank() != 3) {
			throw new IllegalArgumentException(kind + " needs a C×H×W image, got " + in + " (add a reshape before it)");
		}
	}

}
