package dev.vae.inference;

import dev.vae.model.Architecture;
import dev.vae.system.InvalidInputException;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import javax.imageio.ImageIO;

/**
 * Vectors to PNG grids and images to vectors. Out: each vector is one grey tile (value v
 * ∈ [0, 1] → round(255·v), clamped), tiles are laid out row by row with a separator of
 * {@code scale} pixels of grey 64, each pixel enlarged to {@code scale}×{@code scale}.
 * In: any image ImageIO reads (PNG, JPEG, GIF, BMP) becomes grey by luminance 0.299 R +
 * 0.587 G + 0.114 B, transparent pixels count as black, and it is resized to the model's
 * height × width by area averaging; values are grey / 255.
 */
final class Images {

	static final String PNG = "image/png";

	/** Grey of the separator between tiles. */
	static final int SEPARATOR = 64;

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
	static byte[] grid(List<double[]> tiles, Architecture a, int columns, int scale) {
		int[] hw = heightWidth(a);
		int h = hw[0];
		int w = hw[1];
		int cols = Math.min(columns, Math.max(1, tiles.size()));
		int rows = (tiles.size() + cols - 1) / cols;
		int width = cols * w * scale + (cols - 1) * scale;
		int height = rows * h * scale + (rows - 1) * scale;
		BufferedImage image = new BufferedImage(Math.max(1, width), Math.max(1, height), BufferedImage.TYPE_BYTE_GRAY);
		var raster = image.getRaster();
		for (int y = 0; y < image.getHeight(); y++) {
			for (int x = 0; x < image.getWidth(); x++) {
				raster.setSample(x, y, 0, SEPARATOR);
			}
		}
		for (int t = 0; t < tiles.size(); t++) {
			int x0 = (t % cols) * (w * scale + scale);
			int y0 = (t / cols) * (h * scale + scale);
			double[] tile = tiles.get(t);
			for (int r = 0; r < h; r++) {
				for (int c = 0; c < w; c++) {
					int grey = grey(tile[r * w + c]);
					for (int dy = 0; dy < scale; dy++) {
						for (int dx = 0; dx < scale; dx++) {
							raster.setSample(x0 + c * scale + dx, y0 + r * scale + dy, 0, grey);
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

	/** An uploaded image as the model's input vector. */
	static double[] toInput(byte[] bytes, Architecture a, String field) {
		BufferedImage image;
		try {
			image = ImageIO.read(new ByteArrayInputStream(bytes));
		}
		catch (IOException ex) {
			image = null;
		}
		if (image == null) {
			throw new InvalidInputException(field, field + " is not an image ImageIO can read (PNG, JPEG, GIF or BMP)");
		}
		int[] hw = heightWidth(a);
		BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
		Graphics2D g = rgb.createGraphics();
		g.setColor(Color.BLACK);
		g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
		g.drawImage(image, 0, 0, null);
		g.dispose();
		java.awt.Image scaled = rgb.getScaledInstance(hw[1], hw[0], java.awt.Image.SCALE_AREA_AVERAGING);
		BufferedImage small = new BufferedImage(hw[1], hw[0], BufferedImage.TYPE_INT_RGB);
		Graphics2D s = small.createGraphics();
		s.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
		s.drawImage(scaled, 0, 0, null);
		s.dispose();
		double[] input = new double[hw[0] * hw[1]];
		for (int y = 0; y < hw[0]; y++) {
			for (int x = 0; x < hw[1]; x++) {
				int p = small.getRGB(x, y);
				double grey = 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
				input[y * hw[1] + x] = Math.min(1, grey / 255);
			}
		}
		return input;
	}

	private static int[] heightWidth(Architecture a) {
		List<Integer> shape = a.inputShape();
		int channels = (shape.size() > 2) ? shape.get(2) : 1;
		if (channels != 1) {
			throw new InvalidInputException("format", "pictures need a one-channel model; this one has " + channels);
		}
		int h = (shape.size() > 1) ? shape.get(0) : 1;
		int w = (shape.size() > 1) ? shape.get(1) : shape.get(0);
		return new int[] { h, w };
	}

	private static byte[] png(BufferedImage image) {
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
