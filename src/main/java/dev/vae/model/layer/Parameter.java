package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

/**
 * A named parameter or buffer of a layer, its PyTorch shape and how it is initialised:
 * uniform on ±{@code bound} if the bound is positive, otherwise filled with
 * {@code value}.
 *
 * @param name PyTorch's name within the layer ({@code weight}, {@code running_var}, …)
 * @param shape its shape, laid out in 'c' order in the flat vector
 * @param bound half-width of the uniform initialisation, or 0
 * @param value the constant initial value when {@code bound} is 0
 */
public record Parameter(String name, List<Integer> shape, double bound, double value) {

	public Parameter {
		shape = List.copyOf(shape);
	}

	static Parameter uniform(String name, double bound, int... shape) {
		return new Parameter(name, java.util.Arrays.stream(shape).boxed().toList(), bound, 0);
	}

	static Parameter constant(String name, double value, int... shape) {
		return new Parameter(name, java.util.Arrays.stream(shape).boxed().toList(), 0, value);
	}

	public long size() {
		return this.shape.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
	}

	public long[] dims() {
		return this.shape.stream().mapToLong(Integer::longValue).toArray();
	}

	/** Views of each parameter, in order, within one layer's segment of a flat vector. */
	static List<INDArray> views(List<Parameter> parameters, INDArray segment) {
		List<INDArray> views = new ArrayList<>();
		long offset = 0;
		for (Parameter p : parameters) {
			views.add(segment.get(NDArrayIndex.interval(offset, offset + p.size())).reshape('c', p.dims()));
			offset += p.size();
		}
		return views;
	}

}
