package dev.vae.model.network;

import dev.vae.model.Batches;
import dev.vae.model.Blas;
import dev.vae.model.layer.Activation;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * The inference passes of a float32 chain of dense layers without ND4J's per-operation
 * set-up: one native scratch block per call, each layer one OpenBLAS GEMM onto rows
 * pre-filled with its bias (C ← x·Wᵀ + C), activations applied in Java over the native
 * rows. ND4J spent about 200 µs per call on its own set-up (array creation, op dispatch,
 * the workspace), more than the arithmetic of a 784-400-20 pass; this path costs the
 * GEMMs and a few µs.
 * <p>
 * Every layer is a GEMM also for one row. OpenBLAS's kernels can round a row's sums
 * differently with the rows around it (in the last bit of some values, for the default
 * model one value in six between a lone row and the same row in a batch), so callers that
 * promise one answer for one question keep the rows of that question in a call of their
 * own. The weights and biases are read from the network's parameters on every call
 * (nothing is cached), so the path serves a network that is still training.
 */
final class LeanForward {

	/**
	 * Calls of at most this many rows run on weights held on the Java heap ({@link Held})
	 * when the caller has them; more rows go to OpenBLAS, whose GEMM copies (packs) a
	 * layer's whole weight matrix on every call, about 200 µs of a 784×400 layer whatever
	 * the rows, and then costs less per row than Java's loop.
	 */
	static final int HELD_ROWS = 4;

	/**
	 * Networks with more weights than this in their dense chains are not held (a copy on
	 * the Java heap beside the native parameters; 8 MB here, the default model holds 0.65
	 * million): where a row's products are many, packing them costs little beside them.
	 */
	static final long HELD_PARAMETERS = 2_000_000;

	private LeanForward() {
	}

	/**
	 * One dense layer and the activation after it.
	 *
	 * @param weight [out, in], PyTorch's layout, a view of the flat parameters
	 * @param bias [out]
	 * @param activation applied to the layer's output, or null for none
	 */
	record Affine(INDArray weight, INDArray bias, Activation activation) {

		int out() {
			return (int) this.weight.size(0);
		}

	}

	/**
	 * A dense layer's weights copied to the Java heap, transposed to [in][out], with its
	 * bias and activation: for serving a network whose parameters no longer change. A
	 * row's outputs are (x₀·Wᵀ[0] + x₁·Wᵀ[1] + …) + b in float32, summed in the order of
	 * i, each product rounded and then added as Java defines it, one row at a time: they
	 * do not depend on the rows beside them in a call, on the CPU's instruction set, nor
	 * on a native library. The innermost loop runs along a row of Wᵀ and the output,
	 * which the JIT turns into vector instructions.
	 *
	 * @param transposed Wᵀ, [in][out]
	 * @param bias b, [out]
	 * @param activation applied to the outputs, or null for none
	 */
	record Held(float[][] transposed, float[] bias, Activation activation) {

		static Held of(Affine layer) {
			int out = layer.out();
			int in = (int) layer.weight().size(1);
			float[] weights = new float[out * in];
			Blas.buffer(layer.weight()).get(0, weights);
			float[][] transposed = new float[in][out];
			for (int o = 0; o < out; o++) {
				for (int i = 0; i < in; i++) {
					transposed[i][o] = weights[o * in + i];
				}
			}
			float[] bias = new float[out];
			Blas.buffer(layer.bias()).get(0, bias);
			return new Held(transposed, bias, layer.activation());
		}

		/**
		 * Two layers without activations on the same input as one whose outputs are
		 * theirs side by side: each output is summed as in its own layer, and one loop
		 * over 2·k outputs runs faster than two over k (the encoder's μ and log σ²
		 * heads).
		 */
		static Held beside(Held a, Held b) {
			if (a.activation() != null || b.activation() != null || a.transposed().length != b.transposed().length) {
				throw new IllegalArgumentException("only heads without activation on one input go side by side");
			}
			int left = a.bias().length;
			float[][] transposed = new float[a.transposed().length][];
			for (int i = 0; i < transposed.length; i++) {
				transposed[i] = java.util.Arrays.copyOf(a.transposed()[i], left + b.bias().length);
				System.arraycopy(b.transposed()[i], 0, transposed[i], left, b.bias().length);
			}
			float[] bias = java.util.Arrays.copyOf(a.bias(), left + b.bias().length);
			System.arraycopy(b.bias(), 0, bias, left, b.bias().length);
			return new Held(transposed, bias, null);
		}

		float[] apply(float[] x) {
			float[] y = new float[this.bias.length];
			for (int i = 0; i < x.length; i++) {
				float xi = x[i];
				float[] w = this.transposed[i];
				for (int o = 0; o < y.length; o++) {
					y[o] += xi * w[o];
				}
			}
			for (int o = 0; o < y.length; o++) {
				y[o] += this.bias[o];
			}
			if (this.activation != null) {
				this.activation.applyInPlace(y, y.length);
			}
			return y;
		}

	}

	/**
	 * Rows through a chain of held layers, one row at a time.
	 */
	static double[][] run(double[][] rows, List<Held> chain) {
		double[][] results = new double[rows.length][];
		for (int r = 0; r < rows.length; r++) {
			float[] a = Batches.floats(new double[][] { rows[r] });
			for (Held layer : chain) {
				a = layer.apply(a);
			}
			results[r] = Batches.rows(a, 1)[0];
		}
		return results;
	}

	/**
	 * Runs rows through the trunk and then each of the {@code heads} from the trunk's
	 * last output.
	 * @return per head, its rows of outputs
	 */
	static double[][][] run(double[][] rows, List<Affine> trunk, Affine... heads) {
		int m = rows.length;
		double[][][] results = new double[heads.length][m][];
		if (m == 0) {
			return results;
		}
		int width = rows[0].length;
		int widest = width;
		for (Affine layer : trunk) {
			widest = Math.max(widest, layer.out());
		}
		for (Affine head : heads) {
			widest = Math.max(widest, head.out());
		}
		long block = (long) m * widest;
		// two ping-pong blocks for the trunk's rows; the heads write into the free one
		try (FloatPointer first = new FloatPointer(block); FloatPointer second = new FloatPointer(block)) {
			FloatPointer[] blocks = { first, second };
			// element by element, a direct buffer's get and put cost several times a
			// float[]'s (bounds, scope and address checks per call): every transfer here
			// is one bulk copy between a Java array and the native rows
			float[] scratch = new float[(int) block];
			first.asBuffer().put(0, Batches.floats(rows), 0, m * width);
			int current = 0;
			for (Affine layer : trunk) {
				int n = layer.out();
				FloatBuffer out = affine(m, blocks[current], layer, blocks[1 - current], scratch);
				if (layer.activation() != null) {
					out.get(0, scratch, 0, m * n);
					layer.activation().applyInPlace(scratch, m * n);
					out.put(0, scratch, 0, m * n);
				}
				current = 1 - current;
			}
			for (int h = 0; h < heads.length; h++) {
				int n = heads[h].out();
				affine(m, blocks[current], heads[h], blocks[1 - current], scratch).get(0, scratch, 0, m * n);
				if (heads[h].activation() != null) {
					heads[h].activation().applyInPlace(scratch, m * n);
				}
				results[h] = Batches.rows(scratch, m, n);
			}
		}
		return results;
	}

	/**
	 * out ← x·Wᵀ + b for m rows: b copied into each row, then one GEMM with β = 1;
	 * returns out's rows as a buffer.
	 */
	private static FloatBuffer affine(int m, FloatPointer x, Affine layer, FloatPointer out, float[] scratch) {
		int n = layer.out();
		Blas.buffer(layer.bias()).get(0, scratch, 0, n);
		for (int i = 1; i < m; i++) {
			System.arraycopy(scratch, 0, scratch, i * n, n);
		}
		FloatBuffer rows = out.asBuffer();
		rows.put(0, scratch, 0, m * n);
		Blas.sgemmTransposed(m, x, layer.weight(), out, 1.0f);
		return rows;
	}

}
