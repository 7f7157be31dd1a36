package dev.vae.model.layer;

import dev.vae.model.Blas;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

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

	/** [m, n] = op(W)[m, k] · B[k, n], B row-major at {@code bOffset} of {@code b}. */
	void weightTimes(INDArray w, boolean transW, int m, int n, int k, float[] b, int bOffset, float[] c, int cOffset) {
		FloatPointer in = block(0, (long) k * n);
		FloatPointer out = block(1, (long) m * n);
		in.asBuffer().put(0, b, bOffset, k * n);
		Blas.sgemm(transW, false, m, n, k, Blas.pointer(w), (int) w.size(1), in, n, out);
		out.asBuffer().get(0, c, cOffset, m * n);
	}

	/** [m, n] = A[m, k] · op(W)[k, n], A row-major at {@code aOffset} of {@code a}. */
	void timesWeight(float[] a, int aOffset, int m, int n, int k, INDArray w, boolean transW, float[] c, int cOffset) {
		FloatPointer in = block(0, (long) m * k);
		FloatPointer out = block(1, (long) m * n);
		in.asBuffer().put(0, a, aOffset, m * k);
		Blas.sgemm(false, transW, m, n, k, in, k, Blas.pointer(w), (int) w.size(1), out);
		out.asBuffer().get(0, c, cOffset, m * n);
	}

	/** A float32 array's values (a dense view), copied out. */
	static float[] values(INDArray a) {
		float[] values = new float[Math.toIntExact(a.length())];
		Blas.buffer(a).get(0, values);
		return values;
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
