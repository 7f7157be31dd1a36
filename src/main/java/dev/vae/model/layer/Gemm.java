package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Matrix products as single GEMM calls with transpose flags. */
final class Gemm {

	private Gemm() {
	}

	/** op(a)·op(b), a new array registered with the tape. */
	static INDArray times(INDArray a, boolean transA, INDArray b, boolean transB, Tape tape) {
		return tape.add(times(a, transA, b, transB));
	}

	/** op(a)·op(b), a new array registered with the scope. */
	static INDArray times(INDArray a, boolean transA, INDArray b, boolean transB, dev.vae.model.Scope scope) {
		return scope.add(times(a, transA, b, transB));
	}

	private static INDArray times(INDArray a, boolean transA, INDArray b, boolean transB) {
		long rows = transA ? a.size(1) : a.size(0);
		long cols = transB ? b.size(0) : b.size(1);
		INDArray out = Nd4j.createUninitialized(a.dataType(), rows, cols);
		Nd4j.gemm(a, b, out, transA, transB, 1.0, 0.0);
		return out;
	}

	/** into ← into + op(a)·op(b). */
	static void add(INDArray into, INDArray a, boolean transA, INDArray b, boolean transB) {
		Nd4j.gemm(a, b, into, transA, transB, 1.0, 1.0);
	}

	/** into ← op(a)·op(b). */
	static void into(INDArray into, INDArray a, boolean transA, INDArray b, boolean transB) {
		Nd4j.gemm(a, b, into, transA, transB, 1.0, 0.0);
	}

}
