package dev.vae.model.layer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A 2-D convolution (cross-correlation, as PyTorch's {@code Conv2d}) with a square
 * kernel, stride and zero padding: weight [out, in, k, k], bias [out]. Output size ⌊(H +
 * 2p − k)/s⌋ + 1.
 *
 * @param out output channels
 * @param kernel kernel size k
 * @param stride stride s
 * @param padding zero padding p on every side
 */
public record Conv2d(int out, int kernel, int stride, int padding) implements Layer {

	public Conv2d {
		if (out < 1) {
			throw new IllegalArgumentException("conv2d: out must be positive, was " + out);
		}
		Convolutions.requireWindow("conv2d", kernel, stride, padding);
	}

	@Override
	public String kind() {
		return "conv2d";
	}

	@Override
	public Shape outputShape(Shape in) {
		Convolutions.requireImage(kind(), in);
		int h = in.dim(1) + 2 * this.padding - this.kernel;
		int w = in.dim(2) + 2 * this.padding - this.kernel;
		if (h < 0 || w < 0) {
			throw new IllegalArgumentException("conv2d: input " + in + " padded by " + this.padding
					+ " is smaller than the kernel " + this.kernel);
		}
		return Shape.of(this.out, h / this.stride + 1, w / this.stride + 1);
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		outputShape(in);
		int c = in.dim(0);
		// PyTorch's default: U(±1/√fan_in), fan_in = in·k·k
		double bound = 1 / Math.sqrt(c * this.kernel * this.kernel);
		return List.of(Parameter.uniform("weight", bound, this.out, c, this.kernel, this.kernel),
				Parameter.uniform("bias", bound, this.out));
	}

	@Override
	public LayerOp bind(Shape in, INDArray parameters, INDArray buffers) {
		List<Parameter> spec = parameters(in);
		Shape shape = outputShape(in);
		int k = this.kernel;
		int s = this.stride;
		int p = this.padding;
		List<INDArray> views = Parameter.views(spec, parameters);
		INDArray weight = views.get(0);
		INDArray rows = weight.reshape('c', this.out, (long) in.dim(0) * this.kernel * this.kernel);
		INDArray bias = views.get(1);
		Parameter.GradientViews gradientViews = new Parameter.GradientViews(spec);
		Lean.Weights leanWeight = Lean.Weights.of(rows);
		java.nio.FloatBuffer leanBias = Lean.values(bias);
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				tape.save(x);
				// y[n, o, i, j] = b[o] + Σ_{c,u,v} W[o, c, u, v] x[n, c, i·s − p + u, j·s
				// − p + v]
				INDArray y = tape.uninitialized(x.dataType(), x.size(0), shape.dim(0), shape.dim(1), shape.dim(2));
				Convolutions.conv(x, weight, bias, y, k, s, p);
				return y;
			}

			@Override
			public float[] infer(float[] x, int n, Lean lean) {
				int c = in.dim(0);
				int image = c * in.dim(1) * in.dim(2);
				int pixels = shape.dim(1) * shape.dim(2);
				int q = c * k * k;
				float[] patches = new float[q * pixels];
				float[] y = new float[n * out * pixels];
				float[] b = Lean.read(leanBias);
				for (int e = 0; e < n; e++) {
					Convolutions.gather(x, e * image, c, in.dim(1), in.dim(2), k, s, p, shape.dim(1), shape.dim(2),
							patches);
					// y_e [o, pixels] = W [o, c·k·k] · patches [c·k·k, pixels] + b
					lean.weightTimes(leanWeight, false, out, pixels, q, patches, 0, y, e * out * pixels);
					Convolutions.addBias(y, e * out * pixels, b, pixels);
				}
				return y;
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				return backward(dy, gradient, tape, true);
			}

			@Override
			public INDArray backwardParameters(INDArray dy, INDArray gradient, Tape tape) {
				return backward(dy, gradient, tape, false);
			}

			private INDArray backward(INDArray dy, INDArray gradient, Tape tape, boolean inputGradient) {
				INDArray x = tape.restore();
				List<INDArray> g = gradientViews.of(gradient);
				if (s != 1 || x.dataType() != DataType.FLOAT) {
					INDArray dx = tape.uninitialized(x.dataType(), x.shape());
					Convolutions.convBackward(x, weight, bias, dy, dx, g.get(0), g.get(1), k, s, p);
					return dx;
				}
				Convolutions.strideOneWeightGradient(x, dy, g.get(0), k, p);
				// db = Σ_{n,i,j} dy
				g.get(1).assign(tape.add(dy.sum(0, 2, 3)));
				if (!inputGradient) {
					return null;
				}
				// dx = convᵀ(dy, W): at stride 1 the transposed convolution restores H
				// exactly
				INDArray dx = tape.uninitialized(x.dataType(), x.shape());
				Convolutions.transposed(dy, weight, null, dx, k, 1, p);
				return dx;
			}
		};
	}

}
