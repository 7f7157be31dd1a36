package dev.vae.model;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GEMM straight through OpenBLAS's {@code cblas_?gemm}, in the same library binding as
 * ND4J's own Java BLAS ({@code openblas_nolapack}), so {@link NativeThreads} sets its
 * thread count too. {@code Nd4j.gemm} goes through ND4J's matmul custom op, whose
 * Java-side set-up costs 15–50 µs per call whatever the size; a training step makes
 * seventeen GEMMs, most of them small. Every array must be dense and row-major ('c', rows
 * contiguous).
 */
public final class Blas {

	private Blas() {
	}

	/** C ← op(A)·op(B) + β·C, op transposing when asked. */
	public static INDArray gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double beta) {
		int m = rows(c);
		int n = columns(c);
		int k = transA ? rows(a) : columns(a);
		if ((transA ? columns(a) : rows(a)) != m || (transB ? columns(b) : rows(b)) != k
				|| (transB ? rows(b) : columns(b)) != n) {
			throw new IllegalArgumentException("gemm shapes do not agree: " + shape(a, transA) + " · "
					+ shape(b, transB) + " into " + shape(c, false));
		}
		int ta = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
		int tb = transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
		switch (c.dataType()) {
			case FLOAT -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, n, k, 1.0f,
					floats(a), columns(a), floats(b), columns(b), (float) beta, floats(c), n);
			case DOUBLE -> openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, n, k, 1.0,
					doubles(a), columns(a), doubles(b), columns(b), beta, doubles(c), n);
			default -> throw new IllegalArgumentException("gemm runs in float or double, not " + c.dataType());
		}
		return c;
	}

	/**
	 * C ← A·Wᵀ + β·C for float32 rows in native memory: A is [m, k] at {@code a}, C is
	 * [m, n] at {@code c}, W a dense row-major [n, k] array (a layer's weight view in
	 * PyTorch's layout).
	 */
	public static void sgemmTransposed(int m, FloatPointer a, INDArray w, FloatPointer c, float beta) {
		int k = columns(w);
		sgemm(false, true, m, rows(w), k, a, k, floats(w), k, beta, c);
	}

	/**
	 * C ← A·Bᵀ + β·C on float32 arrays at element offsets: A [m, k] rows {@code lda}
	 * apart, B [n, k] rows {@code ldb} apart, C [m, n] dense; for products over windows
	 * of larger arrays.
	 */
	public static void sgemmTransposedB(int m, int n, int k, INDArray a, long aOffset, int lda, INDArray b,
			long bOffset, int ldb, INDArray c, float beta) {
		if (!denseRows(c) || c.size(0) != m || c.size(1) != n || aOffset + (long) (m - 1) * lda + k > a.length()
				|| bOffset + (long) (n - 1) * ldb + k > b.length()) {
			throw new IllegalArgumentException("sgemm window outside its arrays: " + m + "×" + k + " at " + aOffset
					+ " of " + a.length() + ", " + n + "×" + k + " at " + bOffset + " of " + b.length());
		}
		sgemm(false, true, m, n, k, floats(a).position(aOffset), lda, floats(b).position(bOffset), ldb, beta,
				floats(c));
	}

	/**
	 * C ← op(A)·op(B) + β·C for float32 row-major matrices in native memory: C [m, n]
	 * dense, lda and ldb the row lengths of A and B as stored.
	 */
	public static void sgemm(boolean transA, boolean transB, int m, int n, int k, FloatPointer a, int lda,
			FloatPointer b, int ldb, float beta, FloatPointer c) {
		openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
				transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
				transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb,
				beta, c, n);
	}

	/** A float32 array's first element as a pointer into its native memory (no copy). */
	public static FloatPointer pointer(INDArray a) {
		return floats(a);
	}

	/** A float32 array's elements as a direct buffer over its native memory (no copy). */
	public static java.nio.FloatBuffer buffer(INDArray a) {
		return floats(a).capacity(a.length()).limit(a.length()).asBuffer();
	}

	/** A float64 array's elements as a direct buffer over its native memory (no copy). */
	public static java.nio.DoubleBuffer doubleBuffer(INDArray a) {
		return doubles(a).capacity(a.length()).limit(a.length()).asBuffer();
	}

	private static int rows(INDArray a) {
		return (int) a.size(0);
	}

	/** The row length, after checking that the rows are dense and row-major. */
	private static int columns(INDArray a) {
		if (!denseRows(a)) {
			throw new IllegalArgumentException("gemm needs dense row-major matrices, got shape "
					+ java.util.Arrays.toString(a.shape()) + " strides " + java.util.Arrays.toString(a.stride()));
		}
		return (int) a.size(1);
	}

	/**
	 * Whether element (i, j) sits at i · columns + j (strides of size-1 axes do not
	 * matter).
	 */
	public static boolean denseRows(INDArray a) {
		return a.rank() == 2 && (a.size(0) == 1 || a.stride(0) == a.size(1)) && (a.size(1) == 1 || a.stride(1) == 1);
	}

	private static String shape(INDArray a, boolean transposed) {
		return java.util.Arrays.toString(a.shape()) + (transposed ? "ᵀ" : "");
	}

	/** The address of the array's first element (a view's buffer may start before it). */
	private static long address(INDArray a) {
		return a.data().addressPointer().address() + (a.offset() - a.data().offset()) * a.dataType().width();
	}

	private static FloatPointer floats(INDArray a) {
		require(a, DataType.FLOAT);
		return new PagedPointer(address(a)).asFloatPointer();
	}

	private static DoublePointer doubles(INDArray a) {
		require(a, DataType.DOUBLE);
		return new PagedPointer(address(a)).asDoublePointer();
	}

	private static void require(INDArray a, DataType type) {
		if (a.dataType() != type) {
			throw new IllegalArgumentException("gemm operands must all be " + type + ", got " + a.dataType());
		}
	}

}
