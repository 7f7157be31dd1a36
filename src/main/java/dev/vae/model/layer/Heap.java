package dev.vae.model.layer;

import dev.vae.model.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Arrays copied between native memory and reusable heap scratch, for the layers whose
 * element-wise work runs faster as plain Java loops than as a chain of ND4J ops, each of
 * which costs its own set-up and a pass over memory (batch norm's forward pass was nine
 * ops). Each thread has its own scratch, grown as needed: a pass may run on any thread,
 * but one thread runs one pass at a time.
 */
final class Heap {

	private static final ThreadLocal<Heap> SCRATCH = ThreadLocal.withInitial(Heap::new);

	private final double[][] doubles = new double[4][0];

	private final float[][] floats = new float[4][0];

	private Heap() {
	}

	/** Scratch array {@code slot} (0–3) of this thread, at least {@code length} long. */
	static double[] doubles(int slot, long length) {
		Heap heap = SCRATCH.get();
		if (heap.doubles[slot].length < length) {
			heap.doubles[slot] = new double[Math.toIntExact(length)];
		}
		return heap.doubles[slot];
	}

	/** Scratch array {@code slot} (0–3) of this thread, at least {@code length} long. */
	static float[] floats(int slot, long length) {
		Heap heap = SCRATCH.get();
		if (heap.floats[slot].length < length) {
			heap.floats[slot] = new float[Math.toIntExact(length)];
		}
		return heap.floats[slot];
	}

	/**
	 * {@code a}'s values in 'c' order, as doubles, in scratch {@code slot} (valid until
	 * the slot is used again).
	 */
	static double[] read(INDArray a, int slot) {
		INDArray dense = dense(a);
		int n = Math.toIntExact(dense.length());
		double[] values = doubles(slot, n);
		if (dense.dataType() == DataType.DOUBLE) {
			Blas.doubleBuffer(dense).get(0, values, 0, n);
		}
		else {
			float[] floats = floats(slot, n);
			Blas.buffer(dense).get(0, floats, 0, n);
			for (int i = 0; i < n; i++) {
				values[i] = floats[i];
			}
		}
		if (dense != a) {
			dense.close();
		}
		return values;
	}

	/**
	 * A float32 array's values in 'c' order, in float scratch {@code slot} (valid until
	 * the slot is used again), by one bulk copy when it is dense.
	 */
	static float[] readFloats(INDArray a, int slot) {
		INDArray dense = dense(a);
		int n = Math.toIntExact(dense.length());
		float[] values = floats(slot, n);
		Blas.buffer(dense).get(0, values, 0, n);
		if (dense != a) {
			dense.close();
		}
		return values;
	}

	/**
	 * Writes the first {@code into.length()} of {@code values} into a dense float32
	 * array, by one bulk copy; returns it.
	 */
	static INDArray writeFloats(float[] values, INDArray into) {
		if (!isDense(into)) {
			throw new IllegalArgumentException(
					"cannot write into a view that is not dense: " + into.shapeInfoToString());
		}
		Blas.buffer(into).put(0, values, 0, Math.toIntExact(into.length()));
		return into;
	}

	/** Writes the first {@code into.length()} of {@code values} into a dense array. */
	static INDArray write(double[] values, INDArray into) {
		int n = Math.toIntExact(into.length());
		if (!isDense(into)) {
			throw new IllegalArgumentException(
					"cannot write into a view that is not dense: " + into.shapeInfoToString());
		}
		if (into.dataType() == DataType.DOUBLE) {
			Blas.doubleBuffer(into).put(0, values, 0, n);
		}
		else {
			float[] floats = floats(3, n);
			for (int i = 0; i < n; i++) {
				floats[i] = (float) values[i];
			}
			Blas.buffer(into).put(0, floats, 0, n);
		}
		return into;
	}

	/** {@code a} itself when its values are dense in 'c' order, else a dense copy. */
	static INDArray dense(INDArray a) {
		return isDense(a) ? a : a.dup('c');
	}

	/** Whether element (i₀, …, iₖ) sits at the row-major position (sizes 1 aside). */
	private static boolean isDense(INDArray a) {
		long expected = 1;
		for (int d = a.rank() - 1; d >= 0; d--) {
			if (a.size(d) != 1 && a.stride(d) != expected) {
				return false;
			}
			expected *= a.size(d);
		}
		return true;
	}

}
