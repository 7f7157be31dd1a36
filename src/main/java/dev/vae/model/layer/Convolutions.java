package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two reshuffles that turn convolutions into matrix products (im2col and its adjoint
 * col2im), and the moves between channels-first images and one-row-per-pixel matrices. A
 * convolution is then columns·Wᵀ, and a transposed convolution is the adjoint of that, so
 * each layer's backward pass is the other's forward pass.
 */
final class Convolutions {

	private Convolutions() {
	}

	/**
	 * The k×k patches of x [N, C, H, W] at stride s, padding p, as a matrix [N·oH·oW,
	 * C·k·k]: row (n, i, j) holds the patch whose top-left is (i·s − p, j·s − p).
	 */
	static INDArray columns(INDArray x, int k, int s, int p, int oH, int oW, Tape tape) {
		long n = x.size(0);
		long c = x.size(1);
		INDArray col = tape.add(Nd4j.createUninitialized(x.dataType(), n, oH, oW, c, k, k));
		// written through a permuted view, so that the buffer is already row-per-patch
		Convolution.im2col(x, k, k, s, s, p, p, 1, 1, false, col.permute(0, 3, 4, 5, 1, 2));
		return col.reshape('c', n * oH * oW, c * k * k);
	}

	/**
	 * The adjoint of {@link #columns}: adds every patch row back onto its place in an
	 * image [N, C, H, W].
	 */
	static INDArray image(INDArray columns, long n, int c, int h, int w, int k, int s, int p, int oH, int oW,
			Tape tape) {
		INDArray col = columns.reshape('c', n, oH, oW, c, k, k).permute(0, 3, 4, 5, 1, 2);
		INDArray img = tape.add(Nd4j.zeros(columns.dataType(), n, c, h, w));
		Convolution.col2im(col, img, s, s, p, p, h, w, 1, 1);
		return img;
	}

	/** [N, C, H, W] as [N·H·W, C], one row per pixel. */
	static INDArray toRows(INDArray image, Tape tape) {
		long n = image.size(0);
		long c = image.size(1);
		return tape.add(image.permute(0, 2, 3, 1).dup('c')).reshape('c', n * image.size(2) * image.size(3), c);
	}

	/** [N·H·W, C] back to [N, C, H, W]. */
	static INDArray fromRows(INDArray rows, long n, long h, long w, Tape tape) {
		return tape.add(rows.reshape('c', n, h, w, rows.size(1)).permute(0, 3, 1, 2).dup('c'));
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
