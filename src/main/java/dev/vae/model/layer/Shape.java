package dev.vae.model.layer;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of one example as it flows through a network, batch dimension excluded:
 * {@code [F]} for a feature vector, {@code [C, H, W]} for an image, channels first.
 *
 * @param dims the sizes, each positive
 */
public record Shape(List<Integer> dims) {

	public Shape {
		if (dims == null || dims.isEmpty() || dims.stream().anyMatch((d) -> d == null || d < 1)) {
			throw new IllegalArgumentException("a shape is one or more positive sizes, was " + dims);
		}
		dims = List.copyOf(dims);
	}

	public static Shape of(int... dims) {
		return new Shape(java.util.Arrays.stream(dims).boxed().toList());
	}

	public int rank() {
		return this.dims.size();
	}

	public int dim(int i) {
		return this.dims.get(i);
	}

	/** Number of values in one example. */
	public long size() {
		return this.dims.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
	}

	/** The shape of a batch of n examples, for ND4J. */
	public long[] batch(long n) {
		long[] shape = new long[rank() + 1];
		shape[0] = n;
		for (int i = 0; i < rank(); i++) {
			shape[i + 1] = dim(i);
		}
		return shape;
	}

	@Override
	public String toString() {
		return this.dims.stream().map(String::valueOf).collect(Collectors.joining("×"));
	}

}
