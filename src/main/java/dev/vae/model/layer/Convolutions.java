package dev.vae.model.layer;

import dev.vae.model.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
	 * dy [n, o, Ho, Wo], as k² matrix products per example over shifted windows: with x
	 * zero-padded to rows of Wp = W + 2p and dy's rows widened to Wp by zeros, the input
	 * under kernel tap (u, v) of every output pixel is one contiguous run starting u·Wp +
	 * v into the padded image. oneDNN's weight gradient of such layers with few output
	 * channels took 10–40× longer (conv 32→3 on 64×64: 570–1,430 ms at batch 32).
	 */
	static void strideOneWeightGradient(INDArray x, INDArray dy, INDArray dw, int k, int p, Tape tape) {
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
		INDArray padded = tape.uninitialized(DataType.FLOAT, (long) n * c, plane);
		INDArray widened = tape.uninitialized(DataType.FLOAT, (long) n * o, run);
		float[] from = Heap.floats(0, x.length());
		Blas.buffer(Heap.dense(x)).get(0, from, 0, (int) x.length());
		float[] to = Heap.floats(1, padded.length());
		java.util.Arrays.fill(to, 0, (int) padded.length(), 0f);
		for (int image = 0; image < n * c; image++) {
			for (int i = 0; i < h; i++) {
				System.arraycopy(from, (image * h + i) * w, to, image * plane + (i + p) * wp + p, w);
			}
		}
		Blas.buffer(padded).put(0, to, 0, (int) padded.length());
		float[] d = Heap.floats(0, dy.length());
		Blas.buffer(Heap.dense(dy)).get(0, d, 0, (int) dy.length());
		java.util.Arrays.fill(to, 0, (int) widened.length(), 0f);
		for (int map = 0; map < n * o; map++) {
			for (int i = 0; i < oH; i++) {
				System.arraycopy(d, (map * oH + i) * oW, to, map * run + i * wp, oW);
			}
		}
		Blas.buffer(widened).put(0, to, 0, (int) widened.length());
		// G[u, v][o, c] = Σ_n Σ_t dy_n[o, t] x_n[c, t + u·Wp + v], t over the widened
		// grid
		INDArray taps = tape.uninitialized(DataType.FLOAT, (long) k * k * o, c);
		for (int tap = 0; tap < k * k; tap++) {
			INDArray g = taps.get(NDArrayIndex.interval((long) tap * o, (long) (tap + 1) * o), NDArrayIndex.all());
			int shift = (tap / k) * wp + tap % k;
			for (int e = 0; e < n; e++) {
				Blas.sgemmTransposedB(o, c, run, widened, (long) e * o * run, run, padded, (long) e * c * plane + shift,
						plane, g, (e == 0) ? 0f : 1f);
			}
		}
		// [k·k, o, c] → [o, c, k, k]
		dw.assign(taps.reshape('c', k, k, o, c).permute(2, 3, 0, 1));
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
