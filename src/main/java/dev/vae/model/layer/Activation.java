package dev.vae.model.layer;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.LeakyReLU;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.List;

/**
 * An element-wise nonlinearity.
 *
 * @param function which one
 * @param slope the negative-side slope of leaky ReLU (PyTorch's default 0.01); 0 for the
 * others
 */
public record Activation(Function function, double slope) implements Layer {

	public Activation {
		if (function == null) {
			throw new IllegalArgumentException("activation: a function is required");
		}
		if (!Double.isFinite(slope) || (function != Function.LEAKY_RELU && slope != 0)) {
			throw new IllegalArgumentException("activation: only leaky-relu has a slope, was " + slope);
		}
	}

	/** From JSON: a leaky ReLU without a slope takes PyTorch's 0.01. */
	@JsonCreator
	static Activation fromJson(@JsonProperty("function") Function function, @JsonProperty("slope") Double slope) {
		if (function == null) {
			throw new IllegalArgumentException("activation: 'function' is required");
		}
		return (slope != null) ? new Activation(function, slope) : of(function);
	}

	public static Activation of(Function function) {
		return new Activation(function, (function == Function.LEAKY_RELU) ? 0.01 : 0);
	}

	public static Activation leakyRelu(double slope) {
		return new Activation(Function.LEAKY_RELU, slope);
	}

	@Override
	public String kind() {
		return this.function.wireName();
	}

	@Override
	public Shape outputShape(Shape in) {
		return in;
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		return List.of();
	}

	@Override
	public LayerOp bind(Shape in, INDArray parameters, INDArray buffers) {
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				INDArray y = tape.uninitialized(x.dataType(), x.shape());
				if (isLeakyFloats(x)) {
					// one bulk copy each way around the loop applyInPlace vectorises
					// (libnd4j's scalar op took longer than batch norm's whole pass)
					float[] values = Heap.readFloats(x, 0);
					applyInPlace(values, (int) x.length());
					Heap.writeFloats(values, y);
				}
				else {
					apply(x, y);
				}
				tape.save(x);
				tape.save(y);
				return y;
			}

			@Override
			public float[] infer(float[] x, int n, Lean lean) {
				float[] y = x.clone();
				applyInPlace(y, y.length);
				return y;
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				INDArray y = tape.restore();
				INDArray x = tape.restore();
				INDArray dx = tape.uninitialized(x.dataType(), x.shape());
				if (isLeakyFloats(x)) {
					float[] in = Heap.readFloats(x, 0);
					float[] d = Heap.readFloats(dy, 1);
					float a = (float) Activation.this.slope;
					int length = (int) x.length();
					for (int i = 0; i < length; i++) {
						// dx = dy for x > 0, else slope·dy, without a branch (a branch on
						// the sign mispredicts half the time: 5 ns a value): p = 1 for x
						// >
						// 0 (x·2²⁵⁴ ≥ 1 for every positive float), else 0
						float p = Math.min(Math.max(in[i] * 0x1p127f * 0x1p127f, 0f), 1f);
						d[i] = p * d[i] + (1 - p) * (a * d[i]);
					}
					return Heap.writeFloats(d, dx);
				}
				return switch (Activation.this.function) {
					// dy ⊙ 1[x > 0], one native op
					case RELU -> Nd4j.exec(new RectifiedLinearDerivative(x, dy, dx))[0];
					// libnd4j's LeakyReLUBp op measured slower than these element-wise
					// ops
					// (conv 1×28×28 training step 694 → 520 ms)
					case LEAKY_RELU, ELU, TANH, SIGMOID, SOFTPLUS, IDENTITY ->
						dx.assign(derivative(x, y, tape)).muli(dy);
				};
			}
		};
	}

	/** Whether x is float32 and f a leaky ReLU, whose passes run as Java loops. */
	private boolean isLeakyFloats(INDArray x) {
		return this.function == Function.LEAKY_RELU && x.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT;
	}

	/**
	 * f over the first {@code length} float32 values, in place, with this layer's
	 * constants (leaky slope, ELU α = 1).
	 */
	public void applyInPlace(float[] values, int length) {
		if (this.function == Function.LEAKY_RELU) {
			// a loop of its own, which the JIT vectorises: max(x, 0) + slope·min(x, 0) is
			// x or slope·x exactly, without a branch on the sign, which mispredicts half
			// the time (5 ns a value, 0.3–0.4 ns this way)
			float a = (float) this.slope;
			for (int i = 0; i < length; i++) {
				values[i] = Math.max(values[i], 0f) + a * Math.min(values[i], 0f);
			}
			return;
		}
		for (int i = 0; i < length; i++) {
			values[i] = apply(values[i]);
		}
	}

	private float apply(float x) {
		return switch (this.function) {
			case RELU -> Math.max(x, 0f);
			case LEAKY_RELU -> (x > 0) ? x : (float) this.slope * x;
			case ELU -> (x > 0) ? x : (float) Math.expm1(x);
			case TANH -> (float) Math.tanh(x);
			case SOFTPLUS -> (float) ((x > 0) ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
			case SIGMOID -> (float) (1 / (1 + Math.exp(-x)));
			case IDENTITY -> x;
		};
	}

	/** f(x) written into {@code y}, one native op for the rectifiers; returns y. */
	private INDArray apply(INDArray x, INDArray y) {
		return switch (this.function) {
			case RELU -> Nd4j.exec(new RectifiedLinear(x, y, 0.0));
			case LEAKY_RELU -> Nd4j.exec(new LeakyReLU(x, y, this.slope));
			case ELU -> Transforms.elu(y.assign(x), false);
			case TANH -> Transforms.tanh(y.assign(x), false);
			case SIGMOID -> Transforms.sigmoid(y.assign(x), false);
			case SOFTPLUS -> Transforms.softPlus(y.assign(x), false);
			case IDENTITY -> y.assign(x);
		};
	}

	/** dy/dx per element, from the input x and the output y. */
	private INDArray derivative(INDArray x, INDArray y, Tape tape) {
		return switch (this.function) {
			// 1 for x > 0, else 0
			case RELU -> tape.add(x.gt(0)).castTo(x.dataType());
			// 1 for x > 0, else slope
			case LEAKY_RELU -> tape.add(tape.add(x.gt(0)).castTo(x.dataType())).muli(1 - this.slope).addi(this.slope);
			// 1 for x > 0, else eˣ = y + 1
			case ELU -> {
				INDArray positive = tape.add(tape.add(x.gt(0)).castTo(x.dataType()));
				yield tape.add(y.add(1)).muli(tape.add(positive.rsub(1))).addi(positive);
			}
			// 1 − y²
			case TANH -> tape.add(y.mul(y)).rsubi(1);
			// y (1 − y)
			case SIGMOID -> tape.add(y.rsub(1)).muli(y);
			// σ(x)
			case SOFTPLUS -> Transforms.sigmoid(x, true);
			case IDENTITY -> x.ulike().assign(1);
		};
	}

	/** The element-wise functions. */
	public enum Function {

		RELU, LEAKY_RELU, ELU, TANH, SIGMOID, SOFTPLUS, IDENTITY;

		@JsonValue
		public String wireName() {
			return name().toLowerCase().replace('_', '-');
		}

		@JsonCreator
		public static Function fromWireName(String name) {
			return Arrays.stream(values())
				.filter((f) -> f.wireName().equalsIgnoreCase(name) || f.name().equalsIgnoreCase(name))
				.findFirst()
				.orElseThrow(() -> new IllegalArgumentException("unknown activation '" + name
						+ "': expected one of relu, leaky-relu, elu, tanh, sigmoid, softplus, identity"));
		}

	}

}
