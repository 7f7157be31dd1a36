package dev.vae.data;

import dev.vae.model.Examples;

import java.util.List;

/**
 * Images ready for training: values in [0, 1], row-major per image.
 *
 * @param description where the data came from, for manifests
 * @param shape height, width, channels
 * @param examples the image vectors
 * @param labels one label per image, or null when there are none
 */
public record Dataset(String description, List<Integer> shape, Examples examples, int[] labels) {

	public Dataset {
		shape = List.copyOf(shape);
		int length = shape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
		if (examples.length() != length) {
			throw new IllegalArgumentException("examples of length " + examples.length() + " for shape " + shape);
		}
		if (labels != null && labels.length != examples.count()) {
			throw new IllegalArgumentException(labels.length + " labels for " + examples.count() + " images");
		}
	}

}
