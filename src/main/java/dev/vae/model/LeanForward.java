package dev.vae.model;

import java.nio.FloatBuffer;
import java.util.List;

import org.bytedeco.javacpp.FloatPointer;

/**
 * The inference passes of a float32 MLP without ND4J's per-operation set-up: one native
 * scratch block per call, each layer one OpenBLAS GEMM onto rows pre-filled with its bias
 * (C ← x·W + C), activations applied in Java over the native rows. ND4J spent about 200
 * µs per call on its own set-up (array creation, op dispatch, the workspace), more than
 * the arithmetic of a 784-400-20 pass; this path costs the GEMMs and a few µs.
 * <p>
 * Every layer is a GEMM also for one row, so a row's result does not depend on the batch
 * it was computed in. The weights and biases are read from the network's parameters on
 * every call (nothing is cached), so the path serves a network that is still training.
 */
final class LeanForward {

	private LeanForward() {
	}

	/**
	 * Runs rows through the hidden layers (each followed by {@code activation}) and then
	 * each of the {@code heads} (no activation) from the last hidden activation.
	 * @return per head, its rows of outputs
	 */
	static double[][][] run(double[][] rows, List<Dense> hidden, ActivationKind activation, Dense... heads) {
		int m = rows.length;
		double[][][] results = new double[heads.length][m][];
		if (m == 0) {
			return results;
		}
		int width = rows[0].length;
		int widest = width;
		for (Dense layer : hidden) {
			widest = Math.max(widest, out(layer));
		}
		for (Dense head : heads) {
			widest = Math.max(widest, out(head));
		}
		long block = (long) m * widest;
		// two ping-pong blocks for the hidden rows; the heads write into the free one
		try (FloatPointer first = new FloatPointer(block); FloatPointer second = new FloatPointer(block)) {
			FloatPointer[] blocks = { first, second };
			// element by element, a direct buffer's get and put cost several times a
			// float[]'s
			// (bounds, scope and address checks per call): every transfer here is one
			// bulk
			// copy between a Java array and the native rows
			float[] scratch = new float[(int) block];
			for (int i = 0; i < m; i++) {
				for (int j = 0; j < width; j++) {
					scratch[i * width + j] = (float) rows[i][j];
				}
			}
			first.asBuffer().put(0, scratch, 0, m * width);
			int current = 0;
			for (Dense layer : hidden) {
				int n = out(layer);
				FloatBuffer out = affine(m, blocks[current], layer, blocks[1 - current], scratch);
				out.get(0, scratch, 0, m * n);
				activate(scratch, m * n, activation);
				out.put(0, scratch, 0, m * n);
				current = 1 - current;
			}
			for (int h = 0; h < heads.length; h++) {
				int n = out(heads[h]);
				affine(m, blocks[current], heads[h], blocks[1 - current], scratch).get(0, scratch, 0, m * n);
				for (int i = 0; i < m; i++) {
					double[] row = new double[n];
					for (int j = 0; j < n; j++) {
						row[j] = scratch[i * n + j];
					}
					results[h][i] = row;
				}
			}
		}
		return results;
	}

	/**
	 * out ← x·W + b for m rows: b copied into each row, then one GEMM with β = 1; returns
	 * out's rows as a buffer.
	 */
	private static FloatBuffer affine(int m, FloatPointer x, Dense layer, FloatPointer out, float[] scratch) {
		int n = out(layer);
		Blas.buffer(layer.bias()).get(0, scratch, 0, n);
		for (int i = 1; i < m; i++) {
			System.arraycopy(scratch, 0, scratch, i * n, n);
		}
		FloatBuffer rows = out.asBuffer();
		rows.put(0, scratch, 0, m * n);
		Blas.sgemm(m, x, layer.weight(), out, 1.0f);
		return rows;
	}

	private static int out(Dense layer) {
		return (int) layer.weight().size(1);
	}

	/**
	 * The hidden activation in place, with ND4J's constants (leaky slope 0.01, ELU α 1).
	 */
	private static void activate(float[] values, int n, ActivationKind activation) {
		for (int i = 0; i < n; i++) {
			float x = values[i];
			float y = switch (activation) {
				case RELU -> Math.max(x, 0f);
				case LEAKY_RELU -> (x > 0) ? x : 0.01f * x;
				case ELU -> (x > 0) ? x : (float) Math.expm1(x);
				case TANH -> (float) Math.tanh(x);
				case SOFTPLUS -> (float) ((x > 0) ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
				case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
			};
			values[i] = y;
		}
	}

}
