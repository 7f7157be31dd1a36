package dev.vae.inference;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A PNG of each input beside the heat map of its per-pixel NLL at z = μ: one row per
 * input. A pixel's heat is its NLL summed over channels, on one scale for the whole
 * picture from the smallest (black) through red and yellow to the largest (white), so
 * rows compare with each other; the scale's ends go out as response headers.
 */
final class HeatMaps {

	/** Response headers with the NLL (nats per pixel) at the scale's two ends. */
	static final String LOW = "X-Heat-Min";

	static final String HIGH = "X-Heat-Max";

	private HeatMaps() {
	}

	/**
	 * The picture and its scale.
	 *
	 * @param png the PNG bytes
	 * @param low the heat drawn black
	 * @param high the heat drawn white
	 */
	record Picture(byte[] png, double low, double high) {
	}

	static Picture of(double[][] inputs, List<double[]> pixelNll, List<Integer> shape, int scale) {
		int channels = (shape.size() == 3) ? shape.get(0) : 1;
		int h = (shape.size() == 3) ? shape.get(1) : 1;
		int w = (shape.size() == 3) ? shape.get(2) : shape.get(0);
		int plane = h * w;
		double[][] heat = new double[inputs.length][plane];
		double low = Double.POSITIVE_INFINITY;
		double high = Double.NEGATIVE_INFINITY;
		for (int i = 0; i < inputs.length; i++) {
			for (int c = 0; c < channels; c++) {
				for (int p = 0; p < plane; p++) {
					heat[i][p] += pixelNll.get(i)[c * plane + p];
				}
			}
			for (double v : heat[i]) {
				low = Math.min(low, v);
				high = Math.max(high, v);
			}
		}
		double span = (high > low) ? high - low : 1;
		int tileW = w * scale;
		int tileH = h * scale;
		BufferedImage image = new BufferedImage(2 * tileW + scale, inputs.length * tileH + (inputs.length - 1) * scale,
				BufferedImage.TYPE_INT_RGB);
		int separator = (Images.SEPARATOR << 16) | (Images.SEPARATOR << 8) | Images.SEPARATOR;
		for (int y = 0; y < image.getHeight(); y++) {
			for (int x = 0; x < image.getWidth(); x++) {
				image.setRGB(x, y, separator);
			}
		}
		for (int i = 0; i < inputs.length; i++) {
			int y0 = i * (tileH + scale);
			for (int r = 0; r < h; r++) {
				for (int c = 0; c < w; c++) {
					int p = r * w + c;
					int red = Images.grey(inputs[i][p]);
					int green = (channels == 3) ? Images.grey(inputs[i][plane + p]) : red;
					int blue = (channels == 3) ? Images.grey(inputs[i][2 * plane + p]) : red;
					int original = (red << 16) | (green << 8) | blue;
					int hot = hot((heat[i][p] - low) / span);
					for (int dy = 0; dy < scale; dy++) {
						for (int dx = 0; dx < scale; dx++) {
							image.setRGB(c * scale + dx, y0 + r * scale + dy, original);
							image.setRGB(tileW + scale + c * scale + dx, y0 + r * scale + dy, hot);
						}
					}
				}
			}
		}
		return new Picture(Images.png(image), low, high);
	}

	/**
	 * The "hot" colour map: t in [0, 1] → black, red, yellow, white (r, g, b rise in
	 * turn).
	 */
	static int hot(double t) {
		int r = Images.grey(3 * t);
		int g = Images.grey(3 * t - 1);
		int b = Images.grey(3 * t - 2);
		return (r << 16) | (g << 8) | b;
	}

}
