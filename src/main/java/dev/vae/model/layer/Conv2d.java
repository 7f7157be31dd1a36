package dev.vae.model.layer;

import dev.vae.model.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;

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
		int c = in.dim(0);
		int h = in.dim(1);
		int w = in.dim(2);
		int o = this.out;
		int oH = shape.dim(1);
		int oW = shape.dim(2);
		int k = this.kernel;
		int s = this.stride;
		int p = this.padding;
		long q = (long) c * k * k;
		int chunk = Convolutions.chunk(q * oH * oW);
		List<INDArray> views = Parameter.views(spec, parameters);
		INDArray weight = views.get(0).reshape('c', o, q);
		INDArray bias = views.get(1);
		Parameter.GradientViews gradientViews = new Parameter.GradientViews(spec);
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				tape.save(x);
				long n = x.size(0);
				INDArray y = tape.uninitialized(x.dataType(), n, o, oH, oW);
				for (long from = 0; from < n; from += chunk) {
					long to = Math.min(n, from + chunk);
					try (Scope scope = new Scope()) {
						INDArray patches = Convolutions.patches(Convolutions.examples(x, from, to), k, s, p, oH, oW,
								scope);
						// y[n, o, i, j] = Σ_{c,u,v} W[o, c, u, v] x[n, c, i·s − p + u,
						// j·s − p + v]
						INDArray rows = Gemm.times(Gemm.Route.ND4J, weight, false, patches, false, scope);
						Convolutions.examples(y, from, to).assign(Convolutions.image(rows, to - from, oH, oW, scope));
					}
				}
				// + b[o]
				return Broadcast.add(y, bias, y, 1);
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
				long n = x.size(0);
				List<INDArray> g = gradientViews.of(gradient);
				INDArray dWeight = g.get(0).reshape('c', o, q).assign(0);
				INDArray dx = inputGradient ? tape.uninitialized(x.dataType(), n, c, h, w) : null;
				for (long from = 0; from < n; from += chunk) {
					long to = Math.min(n, from + chunk);
					try (Scope scope = new Scope()) {
						INDArray patches = Convolutions.patches(Convolutions.examples(x, from, to), k, s, p, oH, oW,
								scope);
						INDArray dRows = Convolutions.channelRows(Convolutions.examples(dy, from, to), scope);
						// dW += dy·patchesᵀ; dx = col2im(Wᵀ·dy)
						Gemm.add(Gemm.Route.ND4J, dWeight, dRows, false, patches, true);
						if (inputGradient) {
							INDArray dPatches = Gemm.times(Gemm.Route.ND4J, weight, true, dRows, false, scope);
							Convolutions.examples(dx, from, to)
								.assign(Convolutions.unpatch(dPatches, to - from, c, h, w, k, s, p, oH, oW, scope));
						}
					}
				}
				// db = Σ_{n,i,j} dy
				g.get(1).assign(tape.add(dy.sum(0, 2, 3)));
				return dx;
			}
		};
	}

}
