package dev.vae.model.layer;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.vae.model.Blas;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * Batch normalisation over channel 0 of the example shape (PyTorch's {@code BatchNorm1d}
 * on [F], {@code BatchNorm2d} on [C, H, W]): weight γ and bias β trainable; running_mean
 * and running_var buffers. Training normalises with the batch's biased variance and moves
 * the running statistics by {@code momentum} toward the batch mean and unbiased variance;
 * inference normalises with the running statistics.
 * <p>
 * Both passes run as Java loops over heap copies of the values (nine and eleven ND4J ops
 * before). A float32 network's training pass keeps float32 copies, reads and writes them
 * by bulk copies and does each element's arithmetic in double, as a float64 network's
 * pass does after widening every value: the same results, without widening and narrowing
 * whole arrays (a fifth of a conv-preset training step went to BatchNorm, most of it
 * those conversions).
 *
 * @param eps added to the variance, PyTorch's 1e-5
 * @param momentum weight of the new batch in the running statistics, PyTorch's 0.1
 */
public record BatchNorm(double eps, double momentum) implements Layer {

	public BatchNorm {
		if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
			throw new IllegalArgumentException(
					"batch-norm: eps must be positive and momentum in [0, 1], were " + eps + ", " + momentum);
		}
	}

	/** PyTorch's defaults: eps 1e-5, momentum 0.1. */
	public static BatchNorm pytorch() {
		return new BatchNorm(1e-5, 0.1);
	}

	/** From JSON, PyTorch's defaults for what is not given. */
	@JsonCreator
	static BatchNorm fromJson(@JsonProperty("eps") Double eps, @JsonProperty("momentum") Double momentum) {
		return new BatchNorm((eps != null) ? eps : 1e-5, (momentum != null) ? momentum : 0.1);
	}

	@Override
	public String kind() {
		return "batch-norm";
	}

	@Override
	public Shape outputShape(Shape in) {
		return in;
	}

	@Override
	public List<Parameter> parameters(Shape in) {
		return List.of(Parameter.constant("weight", 1, in.dim(0)), Parameter.constant("bias", 0, in.dim(0)));
	}

	@Override
	public List<Parameter> buffers(Shape in) {
		return List.of(Parameter.constant("running_mean", 0, in.dim(0)),
				Parameter.constant("running_var", 1, in.dim(0)));
	}

	@Override
	public LayerOp bind(Shape in, INDArray parameters, INDArray buffers) {
		List<Parameter> spec = parameters(in);
		List<INDArray> p = Parameter.views(spec, parameters);
		List<INDArray> b = Parameter.views(buffers(in), buffers);
		INDArray gamma = p.get(0);
		INDArray beta = p.get(1);
		INDArray runningMean = b.get(0);
		INDArray runningVar = b.get(1);
		long perChannel = in.size() / in.dim(0);
		Parameter.GradientViews gradientViews = new Parameter.GradientViews(spec);
		int channels = in.dim(0);
		FloatBuffer[] leanValues = { Lean.values(runningMean), Lean.values(runningVar), Lean.values(gamma),
				Lean.values(beta) };
		return new LayerOp() {
			@Override
			public INDArray forward(INDArray x, Tape tape) {
				if (tape.training() && x.dataType() == DataType.FLOAT) {
					return trainFloats(x, tape);
				}
				int batch = (int) x.size(0);
				long n = batch * perChannel;
				double[] values = Heap.read(x, 0);
				double[] mean;
				double[] variance;
				if (tape.training()) {
					if (n < 2) {
						throw new IllegalArgumentException(
								"batch-norm needs more than one value per channel to train, got a batch of "
										+ x.size(0));
					}
					mean = new double[channels];
					variance = new double[channels];
					moments(values, batch, mean, variance);
					// running ← (1 − m)·running + m·batch, the variance unbiased by n/(n
					// − 1)
					double m = momentum();
					double[] runningM = Heap.read(runningMean, 1).clone();
					double[] runningV = Heap.read(runningVar, 1).clone();
					for (int c = 0; c < channels; c++) {
						runningM[c] = (1 - m) * runningM[c] + m * mean[c];
						runningV[c] = (1 - m) * runningV[c] + m * variance[c] * n / (n - 1.0);
					}
					Heap.write(runningM, runningMean);
					Heap.write(runningV, runningVar);
				}
				else {
					mean = Heap.read(runningMean, 1).clone();
					variance = Heap.read(runningVar, 1).clone();
				}
				double[] g = Heap.read(gamma, 1).clone();
				double[] b = Heap.read(beta, 1);
				double[] inverseStd = new double[channels];
				for (int c = 0; c < channels; c++) {
					// 1/√(σ² + eps)
					inverseStd[c] = 1 / Math.sqrt(variance[c] + eps());
				}
				double[] y = Heap.doubles(2, values.length);
				int at = 0;
				for (int e = 0; e < batch; e++) {
					for (int c = 0; c < channels; c++) {
						double mu = mean[c];
						double inv = inverseStd[c];
						for (long i = 0; i < perChannel; i++, at++) {
							// x̂ = (x − μ)/√(σ² + eps), kept for the backward pass; y = γ
							// x̂ + β
							double normalised = (values[at] - mu) * inv;
							values[at] = normalised;
							y[at] = g[c] * normalised + b[c];
						}
					}
				}
				if (tape.training()) {
					tape.save(Heap.write(values, tape.uninitialized(x.dataType(), x.shape())));
					tape.save(Heap.write(inverseStd, tape.uninitialized(x.dataType(), channels)));
				}
				return Heap.write(y, tape.uninitialized(x.dataType(), x.shape()));
			}

			@Override
			public float[] infer(float[] x, int n, Lean lean) {
				float[] mean = Lean.read(leanValues[0]);
				float[] variance = Lean.read(leanValues[1]);
				float[] g = Lean.read(leanValues[2]);
				float[] b = Lean.read(leanValues[3]);
				float[] y = new float[x.length];
				int plane = (int) perChannel;
				for (int e = 0; e < n; e++) {
					for (int c = 0; c < channels; c++) {
						// the forward pass's arithmetic: γ (x − μ)/√(σ² + eps) + β in
						// double
						double mu = mean[c];
						double inv = 1 / Math.sqrt(variance[c] + eps());
						double scale = g[c];
						double shift = b[c];
						int from = (e * channels + c) * plane;
						for (int i = from; i < from + plane; i++) {
							y[i] = (float) (scale * ((x[i] - mu) * inv) + shift);
						}
					}
				}
				return y;
			}

			/** Per channel, the batch mean and the biased variance mean (x − μ)². */
			private void moments(double[] values, int batch, double[] mean, double[] variance) {
				long n = batch * perChannel;
				int at = 0;
				for (int e = 0; e < batch; e++) {
					for (int c = 0; c < channels; c++) {
						double sum = 0;
						for (long i = 0; i < perChannel; i++) {
							sum += values[at++];
						}
						mean[c] += sum;
					}
				}
				for (int c = 0; c < channels; c++) {
					mean[c] /= n;
				}
				at = 0;
				for (int e = 0; e < batch; e++) {
					for (int c = 0; c < channels; c++) {
						double mu = mean[c];
						double sum = 0;
						for (long i = 0; i < perChannel; i++) {
							double d = values[at++] - mu;
							sum += d * d;
						}
						variance[c] += sum;
					}
				}
				for (int c = 0; c < channels; c++) {
					variance[c] /= n;
				}
			}

			/**
			 * The training forward pass of a float32 network on float32 heap copies
			 * ({@link BatchNormLoops}).
			 */
			private INDArray trainFloats(INDArray x, Tape tape) {
				int batch = (int) x.size(0);
				int plane = (int) perChannel;
				long n = batch * perChannel;
				if (n < 2) {
					throw new IllegalArgumentException(
							"batch-norm needs more than one value per channel to train, got a batch of " + batch);
				}
				float[] values = Heap.readFloats(x, 0);
				double[] mean = new double[channels];
				double[] variance = new double[channels];
				BatchNormLoops.moments(values, batch, channels, plane, mean, variance);
				// running ← (1 − m)·running + m·batch, the variance unbiased by n/(n − 1)
				double m = momentum();
				float[] inverseStd = new float[channels];
				for (int c = 0; c < channels; c++) {
					leanValues[0].put(c, (float) ((1 - m) * leanValues[0].get(c) + m * mean[c]));
					leanValues[1].put(c, (float) ((1 - m) * leanValues[1].get(c) + m * variance[c] * n / (n - 1.0)));
					// 1/√(σ² + eps)
					inverseStd[c] = (float) (1 / Math.sqrt(variance[c] + eps()));
				}
				float[] y = Heap.floats(1, values.length);
				BatchNormLoops.normalise(values, y, batch, channels, plane, mean, inverseStd, Lean.read(leanValues[2]),
						Lean.read(leanValues[3]));
				tape.save(Heap.writeFloats(values, tape.uninitialized(DataType.FLOAT, x.shape())));
				INDArray inverseStdArray = tape.uninitialized(DataType.FLOAT, channels);
				Blas.buffer(inverseStdArray).put(0, inverseStd);
				tape.save(inverseStdArray);
				return Heap.writeFloats(y, tape.uninitialized(DataType.FLOAT, x.shape()));
			}

			/** The backward pass of {@link #trainFloats}. */
			private INDArray backwardFloats(INDArray dy, INDArray gradient, Tape tape) {
				float[] inverseStd = new float[channels];
				Blas.buffer(tape.restore()).get(0, inverseStd);
				float[] normalised = Heap.readFloats(tape.restore(), 0);
				float[] d = Heap.readFloats(dy, 1);
				double[] dGamma = new double[channels];
				double[] dBeta = new double[channels];
				BatchNormLoops.backward(d, normalised, (int) dy.size(0), channels, (int) perChannel, inverseStd,
						Lean.read(leanValues[2]), dGamma, dBeta);
				List<INDArray> grads = gradientViews.of(gradient);
				Heap.write(dGamma, grads.get(0));
				Heap.write(dBeta, grads.get(1));
				return Heap.writeFloats(d, tape.uninitialized(DataType.FLOAT, dy.shape()));
			}

			@Override
			public INDArray backward(INDArray dy, INDArray gradient, Tape tape) {
				if (dy.dataType() == DataType.FLOAT) {
					return backwardFloats(dy, gradient, tape);
				}
				double[] inverseStd = Heap.read(tape.restore(), 1).clone();
				INDArray normalisedArray = tape.restore();
				double[] normalised = Heap.read(normalisedArray, 0);
				double[] d = Heap.read(dy, 2);
				List<INDArray> grads = gradientViews.of(gradient);
				int batch = (int) dy.size(0);
				double n = batch * perChannel;
				// dβ = Σ dy, dγ = Σ dy x̂
				double[] dBeta = new double[channels];
				double[] dGamma = new double[channels];
				int at = 0;
				for (int e = 0; e < batch; e++) {
					for (int c = 0; c < channels; c++) {
						double sb = 0;
						double sg = 0;
						for (long i = 0; i < perChannel; i++, at++) {
							sb += d[at];
							sg += d[at] * normalised[at];
						}
						dBeta[c] += sb;
						dGamma[c] += sg;
					}
				}
				Heap.write(dGamma, grads.get(0));
				Heap.write(dBeta, grads.get(1));
				double[] g = Heap.read(gamma, 1).clone();
				// dx = γ/(n √(σ² + eps)) · (n dy − dβ − x̂ dγ)
				at = 0;
				for (int e = 0; e < batch; e++) {
					for (int c = 0; c < channels; c++) {
						double scale = g[c] * inverseStd[c] / n;
						for (long i = 0; i < perChannel; i++, at++) {
							d[at] = scale * (n * d[at] - dBeta[c] - normalised[at] * dGamma[c]);
						}
					}
				}
				return Heap.write(d, tape.uninitialized(dy.dataType(), dy.shape()));
			}
		};
	}

}
