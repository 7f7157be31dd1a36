package dev.vae.model.layer;

import dev.vae.model.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Broadcast;

import java.util.List;

/**
 * A transposed 2-D convolution with PyTorch's {@code ConvTranspose2d} semantics: the
 * adjoint of a {@link Conv2d} with the same kernel, stride and padding, with
 * {@code outputPadding} extra rows and columns at the bottom and right. Weight [in, out,
 * k, k], bias [out]. Output size (H − 1)·s − 2p + k + op.
 *
 * @param out output channels
 * @param kernel kernel size k
 * @param stride stride s
 * @param padding rows and columns p cut from every side of the full output
 * @param outputPadding extra size op at the bottom and right, below the stride
 */
public record ConvTranspose2d(int out, int kernel, int stride, int padding, int outputPadding) implements Layer {

	public ConvTranspose2d {
		if (out < 1) {
			throw new IllegalArgumentException("conv-transpose2d: out must be positive, was " + out);
		}
		Convolutions.requireWindow("conv-transpose2d", kernel, stride, padding);
		if (outputPadding < 0 || outputPadding >= stride) {
			throw new IllegalArgumentException("conv-transpose2d: outputPadding must lie in 0.." + (stride - 1)
					+ " (below the stride), was " + outputPadding);
		}
	}

	@Override
	public String kind() {
		return "conv-transpose2d";
	}

	@Override
	public Shape outputShape(Shape in) {
		Convolutions.requireImage(kind(), in);
		// (H − 1)·s − 2p + k + op
		int h = (in.dim(1) - 1) * this.stride - 2 * this.padding + this.kernel + this.outputPadding;
		int w = (in.dim(2) - 1) * this.stride - 2 * this.padding + this.kernel + this.outputPadding;
		if (h < 1 || w < 1) {
			throw new IllegalArgumentException(
					"conv-transpose2d: input " + in + " gives an empty output with padding " + this.padding);
		}
		return Shape.of(this.out, h, w);
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		outputShape(in);
		int c = in.dim(0);
		// PyTorch's default: U(±1/√fan_in) with fan_in = weight.size(1)·k·k = out·k·k
		double bound = 1 / Math.sqrt(this.out * this.kernel * this.kernel);
		return List.of(Parameter.uniform("weight", bound, c, this.out, this.kernel, this.kernel),
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
		long q = (long) o * k * k;
		int chunk = Convolutions.chunk(q * h * w);
		List<INDArray> views = Parameter.views(spec, parameters);
		INDArray weight = views.get(0).reshape('c', c, q);
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
						INDArray rows = Convolutions.channelRows(Convolutions.examples(x, from, to), scope);
						// y[n, o, i·s − p + u, j·s − p + v] += Σ_c x[n, c, i, j] W[c, o,
						// u, v]
						INDArray patches = Gemm.times(Gemm.Route.ND4J, weight, true, rows, false, scope);
						Convolutions.examples(y, from, to)
							.assign(Convolutions.unpatch(patches, to - from, o, oH, oW, k, s, p, h, w, scope));
					}
				}
				// + b[o]
				return Broadcast.add(y, bias, y, 1);
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				INDArray x = tape.restore();
				long n = x.size(0);
				List<INDArray> g = gradientViews.of(gradient);
				INDArray dWeight = g.get(0).reshape('c', c, q).assign(0);
				INDArray dx = tape.uninitialized(x.dataType(), n, c, h, w);
				for (long from = 0; from < n; from += chunk) {
					long to = Math.min(n, from + chunk);
					try (Scope scope = new Scope()) {
						INDArray dPatches = Convolutions.patches(Convolutions.examples(dy, from, to), k, s, p, h, w,
								scope);
						INDArray rows = Convolutions.channelRows(Convolutions.examples(x, from, to), scope);
						// dW += x·im2col(dy)ᵀ; dx = W·im2col(dy)
						Gemm.add(Gemm.Route.ND4J, dWeight, rows, false, dPatches, true);
						INDArray dRows = Gemm.times(Gemm.Route.ND4J, weight, false, dPatches, false, scope);
						Convolutions.examples(dx, from, to).assign(Convolutions.image(dRows, to - from, h, w, scope));
					}
				}
				// db = Σ_{n,i,j} dy
				g.get(1).assign(tape.add(dy.sum(0, 2, 3)));
				return dx;
			}
		};
	}

}
