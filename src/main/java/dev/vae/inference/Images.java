package dev.vae.inference;

import dev.vae.data.ImageDecoder;
import dev.vae.system.InvalidInputException;
import dev.vae.system.VaeProperties;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import javax.imageio.ImageIO;

/**
 * Vectors to PNG grids and images to vectors. Out: each vector is one tile, grey for a
 * one-channel model and RGB for a three-channel one (values channels first, v ∈ [0, 1] →
 * round(255·v), clamped); tiles are laid out row by row with a separator of {@code scale}
 * pixels of grey 64, each pixel enlarged to {@code scale}×{@code scale}. In: see
 * {@link ImageDecoder}.
 */
final class Images {

	static final String PNG = "image/png";

	/** Grey of the separator between tiles. */
	static final int SEPARATOR = 64;

	/**
	 * Source pixels kept per model pixel (in each direction) when a large image is
	 * subsampled.
	 */
	private static final int SUBSAMPLED_DETAIL = 4;

	private Images() {
	}

	/**
	 * Whether the client asked for a PNG: {@code format=png}, or an Accept header for PNG
	 * and not for JSON.
	 */
	static boolean wantsPng(String format, String accept) {
		if (format != null) {
			if (format.equalsIgnoreCase("png")) {
				return true;
			}
			if (format.equalsIgnoreCase("json")) {
				return false;
			}
			throw new InvalidInputException("format", "format must be 'json' or 'png', was '" + format + "'");
		}
		return accept != null && accept.contains(PNG) && !accept.contains("application/json");
	}

	/** Checks grid options: columns in 1..64 and scale in 1..16 (both optional). */
	static int option(Integer value, String field, int fallback, int max) {
		if (value == null) {
			return fallback;
		}
		if (value < 1 || value > max) {
			throw new InvalidInputException(field, field + " must lie in 1.." + max + ", was " + value);
		}
		return value;
	}

	/** A PNG of the tiles in a grid of {@code columns} columns. */
	static byte[] grid(List<double[]> tiles, List<Integer> shape, int columns, int scale) {
		int[] chw = channelsHeightWidth(shape);
		int channels = chw[0];
		int h = chw[1];
		int w = chw[2];
		int plane = h * w;
		int cols = Math.min(columns, Math.max(1, tiles.size()));
		int rows = (tiles.size() + cols - 1) / cols;
		int width = cols * w * scale + (cols - 1) * scale;
		int height = rows * h * scale + (rows - 1) * scale;
		BufferedImage image = new BufferedImage(Math.max(1, width), Math.max(1, height),
				(channels == 1) ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
		var raster = image.getRaster();
		for (int y = 0; y < image.getHeight(); y++) {
			for (int x = 0; x < image.getWidth(); x++) {
				for (int b = 0; b < raster.getNumBands(); b++) {
					raster.setSample(x, y, b, SEPARATOR);
				}
			}
		}
		for (int t = 0; t < tiles.size(); t++) {
			int x0 = (t % cols) * (w * scale + scale);
			int y0 = (t / cols) * (h * scale + scale);
			double[] tile = tiles.get(t);
			for (int r = 0; r < h; r++) {
				for (int c = 0; c < w; c++) {
					for (int band = 0; band < channels; band++) {
						int level = grey(tile[band * plane + r * w + c]);
						for (int dy = 0; dy < scale; dy++) {
							for (int dx = 0; dx < scale; dx++) {
								raster.setSample(x0 + c * scale + dx, y0 + r * scale + dy, band, level);
							}
						}
					}
				}
			}
		}
		return png(image);
	}

	/** round(255·v) clamped to 0..255. */
	static int grey(double v) {
		return (int) Math.round(255 * Math.min(1, Math.max(0, v)));
	}

	/** An uploaded image as the model's input vector (see {@link ImageDecoder}). */
	static double[] toInput(InputStream body, List<Integer> shape, String field, VaeProperties.Intake limits) {
		int[] chw = channelsHeightWidth(shape);
		float[] values = ImageDecoder.decode(body, chw[0], chw[1], chw[2], field, limits);
		double[] input = new double[values.length];
		for (int i = 0; i < values.length; i++) {
			input[i] = values[i];
		}
		return input;
	}

	/**
	 * Channels, height and width of a model's input from its shape, C×H×W channels first
	 * (a plain length is one row of pixels). Pictures need 1 or 3 channels.
	 */
	private static int[] channelsHeightWidth(List<Integer> shape) {
		int channels = (shape.size() == 3) ? shape.get(0) : 1;
		if (channels != 1 && channels != 3) {
			throw new InvalidInputException("format",
					"pictures need a model of 1 or 3 channels; this one has " + channels);
		}
		int h = (shape.size() == 3) ? shape.get(1) : 1;
		int w = (shape.size() == 3) ? shape.get(2) : shape.get(shape.size() - 1);
		return new int[] { channels, h, w };
	}

	static byte[] png(BufferedImage image) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try {
			ImageIO.write(image, "png", out);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("PNG encoding into memory failed", ex);
		}
		return out.toByteArray();
	}

}
