package dev.vae.model.layer;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A fully connected layer y = x·Wᵀ + b on feature vectors, PyTorch's {@code Linear}:
 * weight [out, in], bias [out].
 *
 * @param out number of output features
 */
public record Dense(int out) implements Layer {

	public Dense {
		if (out < 1) {
			throw new IllegalArgumentException("dense: out must be positive, was " + out);
		}
	}

	@Override
	public String kind() {
		return "dense";
	}

	@Override
	public Shape outputShape(Shape in) {
		if (in.rank() != 1) {
			throw new IllegalArgumentException(
					"dense needs a feature vector, got " + in + " (add a flatten before it)");
		}
		return Shape.of(this.out);
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		outputShape(in);
		int features = in.dim(0);
		// PyTorch's default: U(±1/√fan_in) for weight and bias
		double bound = 1 / Math.sqrt(features);
		return List.of(Parameter.uniform("weight", bound, this.out, features),
				Parameter.uniform("bias", bound, this.out));
	}

	@Override
	public LayerOp bind(Shape in, INDArray parameters, INDArray buffers) {
		List<Parameter> spec = parameters(in);
		List<INDArray> p = Parameter.views(spec, parameters);
		INDArray weight = p.get(0);
		INDArray biasRow = p.get(1).reshape('c', 1, this.out);
		Parameter.GradientViews gradientViews = new Parameter.GradientViews(spec);
		Lean.Weights leanWeight = Lean.Weights.of(weight);
		java.nio.FloatBuffer leanBias = Lean.values(biasRow);
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				tape.save(x);
				long n = x.size(0);
				// y = 1·bᵀ + x·Wᵀ: two GEMMs into one array, no broadcast op
				INDArray y = Gemm.into(Gemm.Route.OPENBLAS, tape.uninitialized(x.dataType(), n, out),
						tape.ones(x.dataType(), n), false, biasRow, false);
				return Gemm.add(Gemm.Route.OPENBLAS, y, x, false, weight, true);
			}

			@Override
			public float[] infer(float[] x, int n, Lean lean) {
				float[] y = new float[n * out];
				// y = x·Wᵀ + 1·bᵀ
				lean.timesWeight(x, 0, n, out, (int) weight.size(1), leanWeight, true, y, 0);
				float[] b = Lean.read(leanBias);
				for (int i = 0; i < n; i++) {
					for (int j = 0; j < out; j++) {
						y[i * out + j] += b[j];
					}
				}
				return y;
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				backwardParameters(dy, gradient, tape);
				// dx = dy·W
				return Gemm.times(Gemm.Route.OPENBLAS, dy, false, weight, false, tape);
			}

			@Override
			public INDArray backwardParameters(INDArray dy, INDArray gradient, Tape tape) {
				INDArray x = tape.restore();
				List<INDArray> g = gradientViews.of(gradient);
				// dW = dyᵀ·x, db = dyᵀ·1
				Gemm.into(Gemm.Route.OPENBLAS, g.get(0), dy, true, x, false);
				Gemm.into(Gemm.Route.OPENBLAS, g.get(1).reshape(out, 1), dy, true, tape.ones(dy.dataType(), dy.size(0)),
						false);
				return null;
			}
		};
	}

}
