package dev.vae.model.head;

/**
 * The NLL of one decoder output split per pixel: −log p(xⱼ | η), whose sum is the head's
 * NLL. Every head but the calibrated Gaussian factorises over pixels with each pixel's
 * own η (and, for a learned variance, its own log-variance channel); the calibrated
 * Gaussian's σ*² = MSE is a property of the whole input, so each pixel is a fixed-σ
 * Gaussian term at σ*.
 */
public final class PixelNll {

	private PixelNll() {
	}

	/** The per-pixel NLL of input {@code x} under decoder output {@code eta}. */
	public static double[] of(DecoderHead head, double[] x, double[] eta) {
		int d = x.length;
		DecoderHead perPixel = head;
		if (head instanceof DecoderHead.CalibratedGaussian calibrated) {
			double sse = 0;
			for (int j = 0; j < d; j++) {
				double r = calibrated.activation().apply(eta[j]) - x[j];
				sse += r * r;
			}
			// σ*² = max(SSE / D, e^−12), as the head computes it
			double s2 = Math.max(sse / d, Math.exp(DecoderHead.MIN_LOG_VARIANCE));
			perPixel = new DecoderHead.FixedGaussian(calibrated.activation(), Math.sqrt(s2));
		}
		int channels = head.outputChannels(1);
		double[] pixel = new double[channels];
		double[] nll = new double[d];
		for (int j = 0; j < d; j++) {
			// the pixel's own η values: its mean channel and, for two channels, its
			// log-variance
			for (int c = 0; c < channels; c++) {
				pixel[c] = eta[c * d + j];
			}
			nll[j] = perPixel.nll(x, j, pixel, 0, 1, null);
		}
		return nll;
	}

}
