package dev.vae.model.layer;

import dev.vae.model.Blas;
import dev.vae.model.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Matrix products as single GEMM calls with transpose flags, by one of two routes chosen
 * per layer kind from measurements (one thread, batch 64–100):
 * <ul>
 * <li>{@link Route#OPENBLAS} straight to {@code cblas_?gemm}: no set-up per call (ND4J's
 * matmul op costs 15–50 µs), so a dense layer's many products are cheaper (784-400-20 MLP
 * training 13,400 → 16,800 examples/s);</li>
 * <li>{@link Route#ND4J} through ND4J's matmul op, which ran the convolutions' wide patch
 * products over twice as fast as the direct call (conv 1×28×28 [32, 64] training step 320
 * vs 695 ms).</li>
 * </ul>
 * The direct route needs dense row-major float or double operands and falls back to ND4J
 * otherwise.
 */
final class Gemm {

	/** Where a product runs. */
	enum Route {

		OPENBLAS, ND4J

	}

	private Gemm() {
	}

	/** op(a)·op(b), a new array owned by the pass. */
	static INDArray times(Route route, INDArray a, boolean transA, INDArray b, boolean transB, Tape tape) {
		return into(route, tape.uninitialized(a.dataType(), rows(a, transA), columns(b, transB)), a, transA, b, transB);
	}

	/** op(a)·op(b), a new array registered with the scope. */
	static INDArray times(Route route, INDArray a, boolean transA, INDArray b, boolean transB, Scope scope) {
		return into(route, scope.add(Nd4j.createUninitialized(a.dataType(), rows(a, transA), columns(b, transB))), a,
				transA, b, transB);
	}

	/** into ← into + op(a)·op(b). */
	static INDArray add(Route route, INDArray into, INDArray a, boolean transA, INDArray b, boolean transB) {
		return gemm(route, a, transA, b, transB, into, 1.0);
	}

	/** into ← op(a)·op(b). */
	static INDArray into(Route route, INDArray into, INDArray a, boolean transA, INDArray b, boolean transB) {
		return gemm(route, a, transA, b, transB, into, 0.0);
	}

	private static INDArray gemm(Route route, INDArray a, boolean transA, INDArray b, boolean transB, INDArray c,
			double beta) {
		if (route == Route.OPENBLAS && Blas.denseRows(a) && Blas.denseRows(b) && Blas.denseRows(c)
				&& a.dataType() == c.dataType() && b.dataType() == c.dataType() && c.dataType().isFPType()
				&& c.dataType().width() >= 4) {
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
