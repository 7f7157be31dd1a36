package dev.vae.model.layer;

import dev.vae.model.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The reshuffles that turn convolutions into one matrix product per chunk of a batch:
 * im2col ({@link #patches}) and its adjoint col2im ({@link #unpatch}), and moves between
 * [b, C, H, W] images and [C, b·H·W] matrices. A convolution is W·patches(x); a
 * transposed convolution is unpatch(Wᵀ·x), its adjoint; so each layer's backward pass is
 * the other's forward pass.
 * <p>
 * Measured on one core (see ConvBenchmark, LayeredStepBenchmark): im2col into its natural
 * layout, transposed by moving whole rows, beats im2col written through a permuted view
 * by 2× on full-resolution layers, and both beat libnd4j's conv2d and deconv2d ops.
 * Batches go through in chunks whose patch matrix holds at most {@link #budget} values,
 * so memory stays bounded at any batch size; the backward pass recomputes the patches
 * rather than keeping them.
 */
final class Convolutions {

	/**
	 * The most values one chunk's patch matrix may hold (16 MB of float32); tests lower
	 * it to exercise chunking on tiny shapes.
	 */
	static long budget = 1 << 22;

	private Convolutions() {
	}

	/**
	 * Above this many patch values per example, examples go through one at a time: one
	 * example's patches need no transposing, which on full-resolution layers saves more
	 * than batching the products gains (measured 3× on 32×28×28, while 3×3 layers on 7×7
	 * are 2× faster batched).
	 */
	static final long ONE_AT_A_TIME_ABOVE = 1 << 15;

	/** How many examples go through at once when each needs {@code perExample} values. */
	static int chunk(long perExample) {
		if (perExample > ONE_AT_A_TIME_ABOVE) {
			return 1;
		}
		return (int) Math.max(1, Math.min(Integer.MAX_VALUE, budget / perExample));
	}

	/** Examples [from, to) of a batch: a view. */
	static INDArray examples(INDArray batch, long from, long to) {
		return batch.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
	}

	/**
	 * The k×k patches of x [b, C, H, W] at stride s, padding p, as a matrix [C·k·k,
	 * b·oH·oW]: column (n, i, j) holds the patch whose top-left is (i·s − p, j·s − p).
	 * Gathered in Java straight into that layout: libnd4j's im2col and the transpose
	 * after it took a third of a conv VAE's training step on one thread.
	 */
	static INDArray patches(INDArray x, int k, int s, int p, int oH, int oW, Scope scope) {
		int b = (int) x.size(0);
		int c = (int) x.size(1);
		int h = (int) x.size(2);
		int w = (int) x.size(3);
		double[] from = Heap.read(x, 0);
		int columns = b * oH * oW;
		double[] to = Heap.doubles(1, (long) c * k * k * columns);
		new Window(c, h, w, k, s, p, oH, oW).each(b, (column, source, count, step) -> {
			// a run of one output row: count values from source, step apart (zeros
			// outside)
			for (int j = 0; j < count; j++) {
				to[column + j] = from[source + j * step];
			}
		}, (column, count) -> java.util.Arrays.fill(to, column, column + count, 0.0));
		return Heap.write(to, scope.add(Nd4j.createUninitialized(x.dataType(), (long) c * k * k, columns)));
	}

	/**
	 * The adjoint of {@link #patches}: adds every patch column [C·k·k, b·oH·oW] back onto
	 * its place in an image [b, C, H, W].
	 */
	static INDArray unpatch(INDArray patches, long b, int c, int h, int w, int k, int s, int p, int oH, int oW,
			Scope scope) {
		double[] from = Heap.read(patches, 0);
		int image = c * h * w;
		double[] to = Heap.doubles(1, b * image);
		java.util.Arrays.fill(to, 0, (int) b * image, 0.0);
		new Window(c, h, w, k, s, p, oH, oW).each((int) b, (column, target, count, step) -> {
			for (int j = 0; j < count; j++) {
				to[target + j * step] += from[column + j];
			}
		}, (column, count) -> {
		});
		return Heap.write(to, scope.add(Nd4j.createUninitialized(patches.dataType(), b, c, h, w)));
	}

	/**
	 * Where each patch value of a convolution's geometry comes from, as runs: for patch
	 * row (c, u, v), example n and output row i, the output columns j whose input pixel
	 * (i·s − p + u, j·s − p + v) lies inside the image form one run of inputs s apart;
	 * the rest lie on the zero padding.
	 */
	private record Window(int c, int h, int w, int k, int s, int p, int oH, int oW) {

		void each(int b, Run run, Padding padding) {
			int pixels = this.oH * this.oW;
			int columns = b * pixels;
			int image = this.c * this.h * this.w;
			for (int ci = 0; ci < this.c; ci++) {
				for (int u = 0; u < this.k; u++) {
					for (int v = 0; v < this.k; v++) {
						int row = ((ci * this.k + u) * this.k + v) * columns;
						// output columns whose input column j·s − p + v lies in [0, w)
						int first = Math.max(0, Math.floorDiv(this.p - v + this.s - 1, this.s));
						int last = Math.min(this.oW - 1, Math.floorDiv(this.w - 1 + this.p - v, this.s));
						int count = Math.max(0, last - first + 1);
						for (int n = 0; n < b; n++) {
							for (int i = 0; i < this.oH; i++) {
								int column = row + n * pixels + i * this.oW;
								int y = i * this.s - this.p + u;
								if (y < 0 || y >= this.h || count == 0) {
									padding.zero(column, this.oW);
									continue;
								}
								padding.zero(column, first);
								int source = n * image + (ci * this.h + y) * this.w + first * this.s - this.p + v;
								run.copy(column + first, source, count, this.s);
								padding.zero(column + first + count, this.oW - first - count);
							}
						}
					}
				}
			}
		}

	}

	@FunctionalInterface
	private interface Run {

		void copy(int column, int pixel, int count, int step);

	}

	@FunctionalInterface
	private interface Padding {

		void zero(int column, int count);

	}

	/** [b, C, H, W] as [C, b·H·W]. */
	static INDArray channelRows(INDArray image, Scope scope) {
		long b = image.size(0);
		long c = image.size(1);
		long hw = image.size(2) * image.size(3);
		return swap(image.reshape('c', b, c, hw), scope).reshape('c', c, b * hw);
	}

	/** [C, b·H·W] back to [b, C, H, W]. */
	static INDArray image(INDArray rows, long b, long h, long w, Scope scope) {
		long c = rows.size(0);
		return swap(rows.reshape('c', c, b, h * w), scope).reshape('c', b, c, h, w);
	}

	/**
	 * [A, B, P] → [B, A, P], a copy that moves whole rows of P values; when A or B is 1
	 * the values are already in order and nothing moves.
	 */
	private static INDArray swap(INDArray a, Scope scope) {
		if (a.size(0) == 1 || a.size(1) == 1) {
			return a.reshape('c', a.size(1), a.size(0), a.size(2));
		}
		return scope.add(a.permute(1, 0, 2).dup('c'));
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
