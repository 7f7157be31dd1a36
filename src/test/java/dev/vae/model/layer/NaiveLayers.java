package dev.vae.model.layer;

/**
 * The layers' forward passes as plain loops over Java doubles, written from the
 * definitions and sharing no code with the ND4J implementations: the referee for their
 * outputs and, through finite differences, for their gradients. Arrays are 'c' order,
 * parameters in PyTorch layout.
 */
public final class NaiveLayers {

	private NaiveLayers() {
	}

	/** The layer's output for a batch of n examples of shape {@code in}. */
	public static double[] forward(Layer layer, Shape in, int n, double[] x, double[] p, double[] buffers,
			boolean training) {
		if (layer instanceof Dense d) {
			return dense(x, n, in.dim(0), d.out(), p);
		}
		if (layer instanceof Conv2d c) {
			return conv(x, n, in.dim(0), in.dim(1), in.dim(2), c, p);
		}
		if (layer instanceof ConvTranspose2d t) {
			return convTranspose(x, n, in.dim(0), in.dim(1), in.dim(2), t, p);
		}
		if (layer instanceof BatchNorm b) {
			return batchNorm(x, n, in, b, p, buffers, training);
		}
		if (layer instanceof Activation a) {
			double[] y = new double[x.length];
			for (int i = 0; i < x.length; i++) {
				y[i] = activation(a, x[i]);
			}
			return y;
		}
		// flatten and reshape keep 'c'-order values
		return x.clone();
	}

	static double[] dense(double[] x, int n, int in, int out, double[] p) {
		double[] y = new double[n * out];
		for (int b = 0; b < n; b++) {
			for (int o = 0; o < out; o++) {
				double sum = p[out * in + o];
				for (int i = 0; i < in; i++) {
					sum += p[o * in + i] * x[b * in + i];
				}
				y[b * out + o] = sum;
			}
		}
		return y;
	}

	static double[] conv(double[] x, int n, int c, int h, int w, Conv2d layer, double[] p) {
		int k = layer.kernel();
		int s = layer.stride();
		int pad = layer.padding();
		int o = layer.out();
		int oh = (h + 2 * pad - k) / s + 1;
		int ow = (w + 2 * pad - k) / s + 1;
		double[] y = new double[n * o * oh * ow];
		for (int b = 0; b < n; b++) {
			for (int f = 0; f < o; f++) {
				for (int i = 0; i < oh; i++) {
					for (int j = 0; j < ow; j++) {
						double sum = p[o * c * k * k + f];
						for (int ch = 0; ch < c; ch++) {
							for (int u = 0; u < k; u++) {
								for (int v = 0; v < k; v++) {
									int r = i * s - pad + u;
									int q = j * s - pad + v;
									if (r >= 0 && r < h && q >= 0 && q < w) {
										sum += p[((f * c + ch) * k + u) * k + v] * x[((b * c + ch) * h + r) * w + q];
									}
								}
							}
						}
						y[((b * o + f) * oh + i) * ow + j] = sum;
					}
				}
			}
		}
		return y;
	}

	/**
	 * Scatter form: each input pixel adds W[c, o] times itself onto the output window.
	 */
	static double[] convTranspose(double[] x, int n, int c, int h, int w, ConvTranspose2d layer, double[] p) {
		int k = layer.kernel();
		int s = layer.stride();
		int pad = layer.padding();
		int o = layer.out();
		int oh = (h - 1) * s - 2 * pad + k + layer.outputPadding();
		int ow = (w - 1) * s - 2 * pad + k + layer.outputPadding();
		double[] y = new double[n * o * oh * ow];
		for (int b = 0; b < n; b++) {
			for (int f = 0; f < o; f++) {
				for (int idx = 0; idx < oh * ow; idx++) {
					y[(b * o + f) * oh * ow + idx] = p[c * o * k * k + f];
				}
			}
			for (int ch = 0; ch < c; ch++) {
				for (int i = 0; i < h; i++) {
					for (int j = 0; j < w; j++) {
						double xv = x[((b * c + ch) * h + i) * w + j];
						for (int f = 0; f < o; f++) {
							for (int u = 0; u < k; u++) {
								for (int v = 0; v < k; v++) {
									int r = i * s - pad + u;
									int q = j * s - pad + v;
									if (r >= 0 && r < oh && q >= 0 && q < ow) {
										y[((b * o + f) * oh + r) * ow + q] += xv * p[((ch * o + f) * k + u) * k + v];
									}
								}
							}
						}
					}
				}
			}
		}
		return y;
	}

	/**
	 * Normalises per channel; in training with the batch statistics, updating
	 * {@code buffers} as PyTorch does (unbiased variance in the running estimate).
	 */
	static double[] batchNorm(double[] x, int n, Shape in, BatchNorm layer, double[] p, double[] buffers,
			boolean training) {
		int c = in.dim(0);
		int m = (int) (in.size() / c);
		double[] y = new double[x.length];
		for (int ch = 0; ch < c; ch++) {
			double mean;
			double var;
			if (training) {
				double sum = 0;
				for (int b = 0; b < n; b++) {
					for (int i = 0; i < m; i++) {
						sum += x[(b * c + ch) * m + i];
					}
				}
				mean = sum / (n * m);
				double sq = 0;
				for (int b = 0; b < n; b++) {
					for (int i = 0; i < m; i++) {
						double d = x[(b * c + ch) * m + i] - mean;
						sq += d * d;
					}
				}
				var = sq / (n * m);
				buffers[ch] = (1 - layer.momentum()) * buffers[ch] + layer.momentum() * mean;
				buffers[c + ch] = (1 - layer.momentum()) * buffers[c + ch] + layer.momentum() * sq / (n * m - 1);
			}
			else {
				mean = buffers[ch];
				var = buffers[c + ch];
			}
			for (int b = 0; b < n; b++) {
				for (int i = 0; i < m; i++) {
					int at = (b * c + ch) * m + i;
					y[at] = p[ch] * (x[at] - mean) / Math.sqrt(var + layer.eps()) + p[c + ch];
				}
			}
		}
		return y;
	}

	static double activation(Activation a, double x) {
		return switch (a.function()) {
			case RELU -> Math.max(x, 0);
			case LEAKY_RELU -> (x > 0) ? x : a.slope() * x;
			case ELU -> (x > 0) ? x : Math.exp(x) - 1;
			case TANH -> Math.tanh(x);
			case SIGMOID -> 1 / (1 + Math.exp(-x));
			case SOFTPLUS -> Math.log(1 + Math.exp(x));
			case IDENTITY -> x;
		};
	}

}
