package dev.vae.model.layer;

/**
 * Batch norm's training arithmetic for float32 values [batch, channels, plane] in heap
 * arrays, as loops the JIT vectorises: the per-value work in float32, like PyTorch's, the
 * per-channel sums in double over four interleaved partial sums (one chain of dependent
 * additions waited 4 cycles a value). The float64 pass widening each value spent 4–5 ns a
 * value, most of a conv-preset step's batch-norm time; these loops 0.3–0.5 ns. The
 * results agree with it to float32 rounding: the mean is subtracted in two float32 parts,
 * so a mean large beside the spread costs no more than the input's own rounding.
 */
final class BatchNormLoops {

	private BatchNormLoops() {
	}

	/** Per channel, the batch mean and the biased variance mean (x − μ)². */
	static void moments(float[] x, int batch, int channels, int plane, double[] mean, double[] variance) {
		long n = (long) batch * plane;
		for (int e = 0, at = 0; e < batch; e++) {
			for (int c = 0; c < channels; c++, at += plane) {
				mean[c] += sum(x, at, at + plane);
			}
		}
		for (int c = 0; c < channels; c++) {
			mean[c] /= n;
		}
		for (int e = 0, at = 0; e < batch; e++) {
			for (int c = 0; c < channels; c++, at += plane) {
				variance[c] += squaredDeviations(x, at, at + plane, mean[c]);
			}
		}
		for (int c = 0; c < channels; c++) {
			variance[c] /= n;
		}
	}

	/**
	 * x̂ = (x − μ)/√(σ² + eps) over x in place and y = γ x̂ + β, given each channel's
	 * 1/√(σ² + eps).
	 */
	static void normalise(float[] x, float[] y, int batch, int channels, int plane, double[] mean, float[] inverseStd,
			float[] gamma, float[] beta) {
		for (int e = 0, at = 0; e < batch; e++) {
			for (int c = 0; c < channels; c++, at += plane) {
				// μ = high + low, both float32: x − high is exact near μ
				float high = (float) mean[c];
				float low = (float) (mean[c] - high);
				float inv = inverseStd[c];
				float scale = gamma[c];
				float shift = beta[c];
				for (int i = at; i < at + plane; i++) {
					float normalised = ((x[i] - high) - low) * inv;
					x[i] = normalised;
					y[i] = scale * normalised + shift;
				}
			}
		}
	}

	/**
	 * dγ = Σ dy x̂ and dβ = Σ dy per channel, then dy in place becomes dx = γ/√(σ² + eps)
	 * · (dy − dβ/n − x̂ dγ/n).
	 */
	static void backward(float[] dy, float[] normalised, int batch, int channels, int plane, float[] inverseStd,
			float[] gamma, double[] dGamma, double[] dBeta) {
		for (int e = 0, at = 0; e < batch; e++) {
			for (int c = 0; c < channels; c++, at += plane) {
				dBeta[c] += sum(dy, at, at + plane);
				dGamma[c] += dot(dy, normalised, at, at + plane);
			}
		}
		double n = (double) batch * plane;
		for (int e = 0, at = 0; e < batch; e++) {
			for (int c = 0; c < channels; c++, at += plane) {
				float scale = (float) ((double) gamma[c] * inverseStd[c]);
				float meanDy = (float) (dBeta[c] / n);
				float meanDyX = (float) (dGamma[c] / n);
				for (int i = at; i < at + plane; i++) {
					dy[i] = scale * (dy[i] - meanDy - normalised[i] * meanDyX);
				}
			}
		}
	}

	private static double sum(float[] x, int from, int to) {
		double s0 = 0;
		double s1 = 0;
		double s2 = 0;
		double s3 = 0;
		int i = from;
		for (; i + 3 < to; i += 4) {
			s0 += x[i];
			s1 += x[i + 1];
			s2 += x[i + 2];
			s3 += x[i + 3];
		}
		for (; i < to; i++) {
			s0 += x[i];
		}
		return (s0 + s1) + (s2 + s3);
	}

	private static double squaredDeviations(float[] x, int from, int to, double mu) {
		double s0 = 0;
		double s1 = 0;
		double s2 = 0;
		double s3 = 0;
		int i = from;
		for (; i + 3 < to; i += 4) {
			double d0 = x[i] - mu;
			double d1 = x[i + 1] - mu;
			double d2 = x[i + 2] - mu;
			double d3 = x[i + 3] - mu;
			s0 += d0 * d0;
			s1 += d1 * d1;
			s2 += d2 * d2;
			s3 += d3 * d3;
		}
		for (; i < to; i++) {
			double d = x[i] - mu;
			s0 += d * d;
		}
		return (s0 + s1) + (s2 + s3);
	}

	private static double dot(float[] a, float[] b, int from, int to) {
		double s0 = 0;
		double s1 = 0;
		double s2 = 0;
		double s3 = 0;
		int i = from;
		for (; i + 3 < to; i += 4) {
			s0 += (double) a[i] * b[i];
			s1 += (double) a[i + 1] * b[i + 1];
			s2 += (double) a[i + 2] * b[i + 2];
			s3 += (double) a[i + 3] * b[i + 3];
		}
		for (; i < to; i++) {
			s0 += (double) a[i] * b[i];
		}
		return (s0 + s1) + (s2 + s3);
	}

}
