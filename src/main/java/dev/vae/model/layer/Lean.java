package dev.vae.model.layer;

import dev.vae.model.Blas;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * The native scratch of one inference pass on Java arrays ({@link LayerOp#infer}): the
 * layers' values stay in float[] between layers, and only a GEMM's Java operand and
 * result cross into native memory, by one bulk copy each, next to the weights, which
 * OpenBLAS reads where they are. A pass through ND4J arrays paid each array's allocation
 * and each op's set-up (a conv encoder of one image: 600–1,000 µs of CPU, most of it
 * neither arithmetic nor memory traffic). Owned by one pass on one thread.
 */
public final class Lean implements AutoCloseable {

	private final FloatPointer[] blocks = new FloatPointer[2];

	/**
	 * A float32 weight matrix where it lies, found once when a layer is bound (finding an
	 * array's address costs ND4J shape checks); its values are read at each product, so a
	 * network that is still training is served as it is.
	 */
	record Weights(FloatPointer pointer, int columns) {

		/** The matrix's pointer, or null for an array that is not float32. */
		static Weights of(INDArray matrix) {
			return (matrix.dataType() == DataType.FLOAT) ? new Weights(Blas.pointer(matrix), (int) matrix.size(1))
					: null;
		}

	}

	/** A float32 vector's values over its native memory, found once; null for others. */
	static FloatBuffer values(INDArray vector) {
		return (vector.dataType() == DataType.FLOAT) ? Blas.buffer(vector) : null;
	}

	/** The vector's values now, copied out. */
	static float[] read(FloatBuffer values) {
		float[] copy = new float[values.capacity()];
		values.get(0, copy);
		return copy;
	}

	/** [m, n] = op(W)[m, k] · B[k, n], B row-major at {@code bOffset} of {@code b}. */
	void weightTimes(Weights w, boolean transW, int m, int n, int k, float[] b, int bOffset, float[] c, int cOffset) {
		FloatPointer in = block(0, (long) k * n);
		FloatPointer out = block(1, (long) m * n);
		in.asBuffer().put(0, b, bOffset, k * n);
		Blas.sgemm(transW, false, m, n, k, w.pointer(), w.columns(), in, n, 0f, out);
		out.asBuffer().get(0, c, cOffset, m * n);
	}

	/** [m, n] = A[m, k] · op(W)[k, n], A row-major at {@code aOffset} of {@code a}. */
	void timesWeight(float[] a, int aOffset, int m, int n, int k, Weights w, boolean transW, float[] c, int cOffset) {
		FloatPointer in = block(0, (long) m * k);
		FloatPointer out = block(1, (long) m * n);
		in.asBuffer().put(0, a, aOffset, m * k);
		Blas.sgemm(false, transW, m, n, k, in, k, w.pointer(), w.columns(), 0f, out);
		out.asBuffer().get(0, c, cOffset, m * n);
	}

	private FloatPointer block(int slot, long length) {
		FloatPointer block = this.blocks[slot];
		if (block == null || block.capacity() < length) {
			if (block != null) {
				block.close();
			}
			block = new FloatPointer(Math.max(length, 1));
			this.blocks[slot] = block;
		}
		return block;
	}

	@Override
	public void close() {
		for (FloatPointer block : this.blocks) {
			if (block != null) {
				block.close();
			}
		}
	}

}
