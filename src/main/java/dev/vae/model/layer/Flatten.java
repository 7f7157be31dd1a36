package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * [C, H, W] (or any shape) to a feature vector in 'c' order, PyTorch's
 * {@code flatten(1)}.
 */
public record Flatten() implements Layer {

	@Override
	public String kind() {
		return "flatten";
	}

	@Override
	public Shape outputShape(Shape in) {
		return Shape.of(Math.toIntExact(in.size()));
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		return List.of();
	}

	@Override
	public LayerOp bind(Shape in, INDArray parameters, INDArray buffers) {
		return Reshape.between(in, outputShape(in));
	}

}
