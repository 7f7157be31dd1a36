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

	/**
	 * The views of one layer's gradient segment, made again only when a different segment
	 * comes (a trainer passes the same gradient every step; making ND4J views costs
	 * native calls each time). Owned by the training thread.
	 */
	static final class GradientViews {

		private final List<Parameter> spec;

		private INDArray segment;

		private List<INDArray> views;

		GradientViews(List<Parameter> spec) {
			this.spec = spec;
		}

		List<INDArray> of(INDArray segment) {
			if (segment != this.segment) {
				this.views = views(this.spec, segment);
				this.segment = segment;
			}
			return this.views;
		}

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
