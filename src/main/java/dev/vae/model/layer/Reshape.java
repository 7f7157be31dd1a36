package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A feature vector (or any shape) to the given shape of the same size, in 'c' order, as
 * PyTorch's {@code view(-1, C, H, W)}.
 *
 * @param shape the output shape, e.g. [C, H, W]
 */
public record Reshape(List<Integer> shape) implements Layer {

	public Reshape {
		shape = new Shape(shape).dims();
	}

	@Override
	public String kind() {
		return "reshape";
	}

	@Override
	public Shape outputShape(Shape in) {
		Shape out = new Shape(this.shape);
		if (out.size() != in.size()) {
			throw new IllegalArgumentException(
					"reshape: input " + in + " has " + in.size() + " values, " + out + " needs " + out.size());
		}
		return out;
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		return List.of();
	}

	@Override
	public LayerOp bind(Shape in, INDArray parameters, INDArray buffers) {
		return between(in, outputShape(in));
	}

	static LayerOp between(Shape in, Shape out) {
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				return tape.add(x.reshape('c', out.batch(x.size(0))));
			}

			@Override
			public float[] infer(float[] x, int n, Lean lean) {
				return x;
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				return tape.add(dy.reshape('c', in.batch(dy.size(0))));
			}
		};
	}

}
