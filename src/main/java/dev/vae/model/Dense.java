package dev.vae.model;

import org.nd4j.linalg.api.ndarray.INDArray;
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

	/** x·W + b, a new array. */
	INDArray apply(INDArray x) {
		return x.mmul(this.weight).addiRowVector(this.bias);
	}

}
