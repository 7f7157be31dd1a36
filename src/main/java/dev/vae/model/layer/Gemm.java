package dev.vae.model.layer;

import dev.vae.model.Blas;
import dev.vae.model.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products as single GEMM calls with transpose flags: straight to OpenBLAS when
 * every operand is a dense row-major float or double matrix (ND4J's matmul op costs 15–50
 * µs of set-up per call whatever the size), else through ND4J.
 */
final class Gemm {

	private Gemm() {
	}

	/** op(a)·op(b), a new array owned by the pass. */
	static INDArray times(INDArray a, boolean transA, INDArray b, boolean transB, Tape tape) {
		return into(tape.uninitialized(a.dataType(), rows(a, transA), columns(b, transB)), a, transA, b, transB);
	}

	/** op(a)·op(b), a new array registered with the scope. */
	static INDArray times(INDArray a, boolean transA, INDArray b, boolean transB, Scope scope) {
		return into(scope.add(Nd4j.createUninitialized(a.dataType(), rows(a, transA), columns(b, transB))), a, transA,
				b, transB);
	}

	/** into ← into + op(a)·op(b). */
	static INDArray add(INDArray into, INDArray a, boolean transA, INDArray b, boolean transB) {
		return gemm(a, transA, b, transB, into, 1.0);
	}

	/** into ← op(a)·op(b). */
	static INDArray into(INDArray into, INDArray a, boolean transA, INDArray b, boolean transB) {
		return gemm(a, transA, b, transB, into, 0.0);
	}

	private static INDArray gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double beta) {
		if (Blas.denseRows(a) && Blas.denseRows(b) && Blas.denseRows(c) && a.dataType() == c.dataType()
				&& b.dataType() == c.dataType() && c.dataType().isFPType() && c.dataType().width() >= 4) {
			return Blas.gemm(a, transA, b, transB, c, beta);
		}
		Nd4j.gemm(a, b, c, transA, transB, 1.0, beta);
		return c;
	}

	private static long rows(INDArray a, boolean transposed) {
		return transposed ? a.size(1) : a.size(0);
	}

	private static long columns(INDArray a, boolean transposed) {
		return transposed ? a.size(0) : a.size(1);
	}

}
