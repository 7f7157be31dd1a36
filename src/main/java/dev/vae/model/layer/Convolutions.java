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
	 * y ← convᵀ(x, w) + b (no b: null), the adjoint of {@link #conv}: y has (H − 1)·s + k
	 * − 2p rows and columns.
	 */
	static void transposed(INDArray x, INDArray w, INDArray b, INDArray y, int k, int s, int p) {
		DynamicCustomOp.DynamicCustomOpsBuilder op = op("deconv2d", k, s, p);
		(b != null ? op.addInputs(x, w, b) : op.addInputs(x, w)).addOutputs(y);
		Nd4j.exec(op.build());
	}

	/** dx, dw, db of {@link #transposed} given dy. */
	static void transposedBackward(INDArray x, INDArray w, INDArray b, INDArray dy, INDArray dx, INDArray dw,
			INDArray db, int k, int s, int p) {
		Nd4j.exec(op("deconv2d_bp", k, s, p).addInputs(x, w, b, dy).addOutputs(dx, dw, db).build());
	}

	/**
	 * dW [o, c, k, k] of a stride-1 convolution of x [n, c, H, W] with padding p, given
	 * dy [n, o, Ho, Wo], in Java loops: with x zero-padded to rows of Wp = W + 2p and
	 * dy's rows widened to Wp by zeros, the input under kernel tap (u, v) of every output
	 * pixel is one contiguous run starting u·Wp + v into the padded image, so each tap
	 * adds dy ⊙ (x shifted) element-wise into an accumulator per (o, tap) that a
	 * channel's examples share, summed once at the end: loops the JIT vectorises, over a
	 * channel's accumulators that stay in cache. oneDNN's weight gradient of such layers
	 * with few output channels took 10–40× longer (conv 32→3 on 64×64: 570–1,430 ms at
	 * batch 32); k² matrix products per example, mostly one output row each, ran at 1
	 * GFLOP/s in OpenBLAS, which packed each operand for a single use (16 ms of a
	 * conv-preset step for the 32→1 layer).
	 */
	static void strideOneWeightGradient(INDArray x, INDArray dy, INDArray dw, int k, int p) {
		int n = (int) x.size(0);
		int c = (int) x.size(1);
		int h = (int) x.size(2);
		int w = (int) x.size(3);
		int o = (int) dy.size(1);
		int oH = (int) dy.size(2);
		int oW = (int) dy.size(3);
		int wp = w + 2 * p;
		// a padded plane plus k − 1 values so that the last tap's run stays inside
		int plane = (h + 2 * p) * wp + k - 1;
		int run = oH * wp;
		float[] from = Heap.readFloats(x, 0);
		float[] padded = Heap.floats(1, (long) n * c * plane);
		java.util.Arrays.fill(padded, 0, n * c * plane, 0f);
		for (int image = 0; image < n * c; image++) {
			for (int i = 0; i < h; i++) {
				System.arraycopy(from, (image * h + i) * w, padded, image * plane + (i + p) * wp + p, w);
			}
		}
		float[] d = Heap.readFloats(dy, 0);
		float[] widened = Heap.floats(2, (long) n * o * run);
		java.util.Arrays.fill(widened, 0, n * o * run, 0f);
		for (int map = 0; map < n * o; map++) {
			for (int i = 0; i < oH; i++) {
				System.arraycopy(d, (map * oH + i) * oW, widened, map * run + i * wp, oW);
			}
		}
		int taps = k * k;
		// every operand at offset 0 of its own array: C2 vectorises a loop over arrays
		// at unrelated offsets not at all (14 ms against 1.8 for this layer's products)
		float[][] sums = new float[o * taps][run];
		float[][] windows = new float[taps][run];
		float[] row = new float[run];
		double[] gradient = new double[o * c * taps];
		for (int ci = 0; ci < c; ci++) {
			for (float[] sum : sums) {
				java.util.Arrays.fill(sum, 0f);
			}
			for (int e = 0; e < n; e++) {
				int image = (e * c + ci) * plane;
				for (int tap = 0; tap < taps; tap++) {
					System.arraycopy(padded, image + (tap / k) * wp + tap % k, windows[tap], 0, run);
				}
				for (int oi = 0; oi < o; oi++) {
					System.arraycopy(widened, (e * o + oi) * run, row, 0, run);
					for (int tap = 0; tap < taps; tap++) {
						// S[o, u, v][t] += dy_e[o, t] x_e[c, t + u·Wp + v]
						multiplyAdd(sums[oi * taps + tap], row, windows[tap], run);
					}
				}
			}
			// dW[o, c, u, v] = Σ_t S[o, u, v][t]
			for (int oi = 0; oi < o; oi++) {
				for (int tap = 0; tap < taps; tap++) {
					double sum = 0;
					for (float v : sums[oi * taps + tap]) {
						sum += v;
					}
					gradient[(oi * c + ci) * taps + tap] = sum;
				}
			}
		}
		Heap.write(gradient, dw);
	}

	/** s += a ⊙ b over the first {@code length} values. */
	private static void multiplyAdd(float[] s, float[] a, float[] b, int length) {
		for (int t = 0; t < length; t++) {
			s[t] += a[t] * b[t];
		}
	}

	/**
	 * im2col of one image x [c, h, w] at {@code at}: patches [c·k·k, gh·gw], row (c, u,
	 * v) and column (i, j) holding x[c, i·s − p + u, j·s − p + v] (0 outside the image).
	 */
	static void gather(float[] x, int at, int c, int h, int w, int k, int s, int p, int gh, int gw, float[] patches) {
		int row = 0;
		for (int ci = 0; ci < c; ci++) {
			for (int u = 0; u < k; u++) {
				for (int v = 0; v < k; v++, row++) {
					for (int i = 0; i < gh; i++) {
						int base = (row * gh + i) * gw;
						int y = i * s - p + u;
						if (y < 0 || y >= h) {
							java.util.Arrays.fill(patches, base, base + gw, 0f);
							continue;
						}
						int source = at + (ci * h + y) * w;
						for (int j = 0; j < gw; j++) {
							int xx = j * s - p + v;
							patches[base + j] = (xx >= 0 && xx < w) ? x[source + xx] : 0f;
						}
					}
				}
			}
		}
	}

	/**
	 * col2im, the adjoint of {@link #gather}: adds each column value of [c·k·k, gh·gw]
	 * onto its pixel of an image [c, h, w] at {@code at} (values falling outside are
	 * dropped).
	 */
	static void scatter(float[] columns, int c, int h, int w, int k, int s, int p, int gh, int gw, float[] image,
			int at) {
		int row = 0;
		for (int ci = 0; ci < c; ci++) {
			for (int u = 0; u < k; u++) {
				for (int v = 0; v < k; v++, row++) {
					for (int i = 0; i < gh; i++) {
						int y = i * s - p + u;
						if (y < 0 || y >= h) {
							continue;
						}
						int base = (row * gh + i) * gw;
						int target = at + (ci * h + y) * w;
						for (int j = 0; j < gw; j++) {
							int xx = j * s - p + v;
							if (xx >= 0 && xx < w) {
								image[target + xx] += columns[base + j];
							}
						}
					}
				}
			}
		}
	}

	/** Adds b[o] to each channel o's {@code pixels} values of an image at {@code at}. */
	static void addBias(float[] image, int at, float[] b, int pixels) {
		for (int o = 0; o < b.length; o++) {
			int from = at + o * pixels;
			for (int i = from; i < from + pixels; i++) {
				image[i] += b[o];
			}
		}
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
