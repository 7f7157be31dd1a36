package dev.vae.model.layer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
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
		int o = this.out;
		int k = this.kernel;
		int s = this.stride;
		int p = this.padding;
		// libnd4j's transposed convolution has no output padding: with some, it runs
		// unpadded and the output is the window [p, p + rows) of its full (H − 1)·s + k
		// rows; rows past the full output (output padding above p) get only the bias
		int fullH = (in.dim(1) - 1) * s + k;
		int fullW = (in.dim(2) - 1) * s + k;
		int rows = Math.min(shape.dim(1), fullH - p);
		int columns = Math.min(shape.dim(2), fullW - p);
		boolean biasOnlyEdge = rows < shape.dim(1) || columns < shape.dim(2);
		INDArrayIndex[] window = { NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(p, p + rows),
				NDArrayIndex.interval(p, p + columns) };
		INDArrayIndex[] outputWindow = { NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, rows),
				NDArrayIndex.interval(0, columns) };
		List<INDArray> views = Parameter.views(spec, parameters);
		INDArray weight = views.get(0);
		INDArray weightRows = weight.reshape('c', in.dim(0), (long) o * k * k);
		INDArray bias = views.get(1);
		Parameter.GradientViews gradientViews = new Parameter.GradientViews(spec);
		Lean.Weights leanWeight = Lean.Weights.of(weightRows);
		java.nio.FloatBuffer leanBias = Lean.values(bias);
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				tape.save(x);
				long n = x.size(0);
				// y[n, o, i·s − p + u, j·s − p + v] += Σ_c x[n, c, i, j] W[c, o, u, v]; +
				// b[o]
				INDArray y = tape.uninitialized(x.dataType(), n, o, shape.dim(1), shape.dim(2));
				if (x.dataType() == DataType.FLOAT) {
					// oneDNN adds a transposed convolution's bias in its reference code
					// (7–11 ms of a conv-preset step); the window copy adds it here
					INDArray full = (outputPadding == 0) ? y : tape.uninitialized(DataType.FLOAT, n, o, fullH, fullW);
					Convolutions.transposed(x, weight, null, full, k, s, (outputPadding == 0) ? p : 0);
					int offset = (outputPadding == 0) ? 0 : p;
					return Heap.writeFloats(windowPlusBias(Heap.readFloats(full, 0), (int) n, (int) full.size(2),
							(int) full.size(3), offset, Lean.read(leanBias)), y);
				}
				if (outputPadding == 0) {
					Convolutions.transposed(x, weight, bias, y, k, s, p);
					return y;
				}
				INDArray full = tape.uninitialized(x.dataType(), n, o, fullH, fullW);
				Convolutions.transposed(x, weight, bias, full, k, s, 0);
				if (biasOnlyEdge) {
					Broadcast.copy(y, bias, y, 1);
				}
				y.get(outputWindow).assign(full.get(window));
				return y;
			}

			/**
			 * y [n, o, H, W] = full[:, :, offset + i, offset + j] + b where (i, j) lies
			 * in the window of rows × columns, else b; in float scratch 1.
			 */
			private float[] windowPlusBias(float[] full, int n, int fh, int fw, int offset, float[] b) {
				int h = shape.dim(1);
				int w = shape.dim(2);
				float[] y = Heap.floats(1, (long) n * o * h * w);
				for (int map = 0; map < n * o; map++) {
					float bias = b[map % o];
					for (int i = 0; i < h; i++) {
						int to = (map * h + i) * w;
						int from = (map * fh + offset + i) * fw + offset;
						int copied = (i < rows) ? columns : 0;
						// a copy, then one array at one offset: a loop the JIT vectorises
						System.arraycopy(full, from, y, to, copied);
						for (int j = to; j < to + copied; j++) {
							y[j] += bias;
						}
						java.util.Arrays.fill(y, to + copied, to + w, bias);
					}
				}
				return y;
			}

			/**
			 * dy [n, o, H, W] placed at the window of a zero gradient of the unpadded
			 * output [n, o, fullH, fullW], in float scratch 1.
			 */
			private float[] padded(float[] dy, int n) {
				int h = shape.dim(1);
				int w = shape.dim(2);
				float[] full = Heap.floats(1, (long) n * o * fullH * fullW);
				java.util.Arrays.fill(full, 0, n * o * fullH * fullW, 0f);
				for (int map = 0; map < n * o; map++) {
					for (int i = 0; i < rows; i++) {
						System.arraycopy(dy, (map * h + i) * w, full, (map * fullH + p + i) * fullW + p, columns);
					}
				}
				return full;
			}

			@Override
			public float[] infer(float[] x, int n, Lean lean) {
				int c = in.dim(0);
				int pixels = in.dim(1) * in.dim(2);
				int outPixels = shape.dim(1) * shape.dim(2);
				int q = o * k * k;
				float[] columns = new float[q * pixels];
				float[] y = new float[n * o * outPixels];
				float[] b = Lean.read(leanBias);
				for (int e = 0; e < n; e++) {
					// columns [o·k·k, pixels] = Wᵀ · x_e [c, pixels], then each column
					// added
					// onto the output pixels its window covers
					lean.weightTimes(leanWeight, true, q, pixels, c, x, e * c * pixels, columns, 0);
					Convolutions.scatter(columns, o, shape.dim(1), shape.dim(2), k, s, p, in.dim(1), in.dim(2), y,
							e * o * outPixels);
					Convolutions.addBias(y, e * o * outPixels, b, outPixels);
				}
				return y;
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				INDArray x = tape.restore();
				List<INDArray> g = gradientViews.of(gradient);
				INDArray dx = tape.uninitialized(x.dataType(), x.shape());
				if (outputPadding == 0) {
					Convolutions.transposedBackward(x, weight, bias, dy, dx, g.get(0), g.get(1), k, s, p);
					return dx;
				}
				INDArray dFull = tape.uninitialized(x.dataType(), x.size(0), o, fullH, fullW);
				if (x.dataType() == DataType.FLOAT) {
					Heap.writeFloats(padded(Heap.readFloats(dy, 0), (int) x.size(0)), dFull);
				}
				else {
					dFull.assign(0);
					dFull.get(window).assign(dy.get(outputWindow));
				}
				Convolutions.transposedBackward(x, weight, bias, dFull, dx, g.get(0), g.get(1), k, s, 0);
				if (biasOnlyEdge) {
					// db = Σ_{n,i,j} dy, the edge included
					g.get(1).assign(tape.add(dy.sum(0, 2, 3)));
				}
				return dx;
			}
		};
	}

}
