package dev.vae.inference;

import dev.vae.model.Architecture;
import dev.vae.system.BodyTooLargeException;
import dev.vae.system.InvalidInputException;
import dev.vae.system.TooLargeException;
import dev.vae.system.VaeProperties;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

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

	/**
	 * An uploaded image as the model's input vector. Memory stays bounded whatever the
	 * image claims: at most {@code maxImageBytes} are read, the header's width × height ×
	 * frames is checked against the limits before any pixel is decoded, and a large image
	 * is decoded with subsampling to a few times the model's size, so the decoder never
	 * holds more than a row of the original.
	 */
	static double[] toInput(InputStream body, Architecture a, String field, VaeProperties.Intake limits) {
		int[] hw = heightWidth(a);
		long maxBytes = limits.maxImageBytes().toBytes();
		BufferedImage image;
		try (ImageInputStream in = new MemoryCacheImageInputStream(new CappedStream(body, maxBytes))) {
			image = decode(in, hw, field, limits);
		}
		catch (IOException ex) {
			if (ex instanceof TooLargeStream) {
				throw new TooLargeException(field, field + " is larger than " + maxBytes
						+ " bytes, the limit for one image (vae.intake.max-image-bytes)");
			}
			if (ex instanceof BodyTooLargeException large) {
				throw new TooLargeException(field, large.getMessage());
			}
			throw unreadable(field);
		}
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

	/**
	 * The first frame, checked against the limits from its header, subsampled if large.
	 */
	private static BufferedImage decode(ImageInputStream in, int[] hw, String field, VaeProperties.Intake limits)
			throws IOException {
		Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
		if (!readers.hasNext()) {
			throw unreadable(field);
		}
		ImageReader reader = readers.next();
		try {
			reader.setInput(in, false, true);
			long width = reader.getWidth(0);
			long height = reader.getHeight(0);
			// only GIF holds several frames; counting them walks the (size-capped) file
			long frames = "gif".equalsIgnoreCase(reader.getFormatName()) ? Math.max(1, reader.getNumImages(true)) : 1;
			if (width > limits.maxImageSide() || height > limits.maxImageSide()) {
				throw new TooLargeException(field,
						field + " is " + width + "×" + height + " pixels; images may be at most "
								+ limits.maxImageSide() + " pixels wide and high (vae.intake.max-image-side)");
			}
			if (width * height * frames > limits.maxImagePixels()) {
				throw new TooLargeException(field,
						field + " declares " + width + "×" + height + ((frames > 1) ? "×" + frames + " frames" : "")
								+ " = " + width * height * frames + " pixels; at most " + limits.maxImagePixels()
								+ " are decoded (vae.intake.max-image-pixels)");
			}
			ImageReadParam param = reader.getDefaultReadParam();
			// keep at least SUBSAMPLED_DETAIL source pixels per model pixel for the area
			// average
			int sx = (int) Math.max(1, width / ((long) hw[1] * SUBSAMPLED_DETAIL));
			int sy = (int) Math.max(1, height / ((long) hw[0] * SUBSAMPLED_DETAIL));
			if (sx > 1 || sy > 1) {
				param.setSourceSubsampling(sx, sy, 0, 0);
			}
			return reader.read(0, param);
		}
		catch (RuntimeException ex) {
			if (ex instanceof TooLargeException) {
				throw ex;
			}
			// decoders throw unchecked exceptions on some malformed files
			throw unreadable(field);
		}
		finally {
			reader.dispose();
		}
	}

	private static InvalidInputException unreadable(String field) {
		return new InvalidInputException(field, field + " is not an image ImageIO can read (PNG, JPEG, GIF or BMP)");
	}

	/** A stream that fails once more than {@code max} bytes have been read from it. */
	private static final class CappedStream extends java.io.FilterInputStream {

		private final long max;

		private long read;

		CappedStream(InputStream in, long max) {
			super(in);
			this.max = max;
		}

		@Override
		public int read() throws IOException {
			int b = super.read();
			if (b >= 0 && ++this.read > this.max) {
				throw new TooLargeStream();
			}
			return b;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int n = super.read(buffer, offset, length);
			if (n > 0 && (this.read += n) > this.max) {
				throw new TooLargeStream();
			}
			return n;
		}

	}

	private static final class TooLargeStream extends IOException {

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
