package dev.vae.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One dense layer's weights [in, out] and biases [out]: views into a flat parameter (or
 * gradient) vector.
 */
record Dense(INDArray weight, INDArray bias) {

	static Dense view(INDArray flat, long offset, Architecture.LayerShape shape) {
		long weights = (long) shape.in() * shape.out();
		INDArray w = flat.get(NDArrayIndex.interval(offset, offset + weights)).reshape('c', shape.in(), shape.out());
		INDArray b = flat.get(NDArrayIndex.interval(offset + weights, offset + weights + shape.out()))
			.reshape('c', 1, shape.out());
		return new Dense(w, b);
	}

	/**
	 * x·W + b, a new array. Always a GEMM, also for one row: ND4J's mmul sends a single
	 * row to GEMV, whose different summation order would make a row's result depend on
	 * whether it was computed alone or in a batch.
	 */
	INDArray apply(INDArray x) {
		return into(x, Nd4j.createUninitialized(x.dataType(), x.size(0), this.weight.size(1)));
	}

	/** x·W + b written into {@code out} [rows of x, out]; returns it. */
	INDArray into(INDArray x, INDArray out) {
		Nd4j.gemm(x, this.weight, out, false, false, 1.0, 0.0);
		return out.addiRowVector(this.bias);
	}

	/**
	 * x·W + b written into {@code out} by two OpenBLAS GEMMs, out ← 1·b then out ← x·W +
	 * out, with {@code ones} a [1, rows of x] row of ones: for training steps, where
	 * ND4J's per-call overhead outweighs the broadcast add itself.
	 */
	INDArray into(INDArray x, INDArray out, INDArray ones) {
		Blas.gemm(ones, true, this.bias, false, out, 0.0);
		return Blas.gemm(x, false, this.weight, false, out, 1.0);
	}

}
