package dev.vae.data;

import dev.vae.system.BodyTooLargeException;
import dev.vae.system.InvalidInputException;
import dev.vae.system.TooLargeException;
import dev.vae.system.VaeProperties;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Any image ImageIO reads (PNG, JPEG, GIF, BMP) as a model input: transparent pixels
 * count as black, it is resized to the model's height × width by area averaging, and its
 * values are channel / 255, channels first (C×H×W). One channel is grey by luminance
 * 0.299 R + 0.587 G + 0.114 B; three are R, G, B.
 * <p>
 * Memory stays bounded whatever the image claims: at most {@code maxImageBytes} are read,
 * the header's width × height × frames is checked against the limits before any pixel is
 * decoded, and a large image is decoded with subsampling to a few times the model's size,
 * so the decoder never holds more than a row of the original.
 */
public final class ImageDecoder {

	/**
	 * Source pixels kept per model pixel (in each direction) when a large image is
	 * subsampled.
	 */
	private static final int SUBSAMPLED_DETAIL = 4;

	private ImageDecoder() {
	}

	/**
	 * The image in {@code body} as {@code channels}×{@code height}×{@code width} values
	 * in [0, 1].
	 * @param field names the image in error messages
	 */
	public static float[] decode(InputStream body, int channels, int height, int width, String field,
			VaeProperties.Intake limits) {
		if (channels != 1 && channels != 3) {
			throw new InvalidInputException("format",
					"images can be read for 1 or 3 channels; this shape has " + channels);
		}
		long maxBytes = limits.maxImageBytes().toBytes();
		java.io.PushbackInputStream peek = new java.io.PushbackInputStream(body, 1);
		try {
			int first = peek.read();
			if (first < 0) {
				throw new InvalidInputException(field,
						("body".equals(field) ? "the body is empty" : field + " is empty")
								+ "; send one image (PNG, JPEG, GIF or BMP)");
			}
			peek.unread(first);
		}
		catch (IOException ex) {
			throw unreadable(field);
		}
		body = peek;
		BufferedImage image;
		try (ImageInputStream in = new MemoryCacheImageInputStream(new CappedStream(body, maxBytes))) {
			image = read(in, height, width, field, limits);
		}
		catch (TooLargeStream ex) {
			throw new TooLargeException(field, field + " is larger than " + maxBytes
					+ " bytes, the limit for one image (vae.intake.max-image-bytes)");
		}
		catch (BodyTooLargeException ex) {
			throw new TooLargeException(field, ex.getMessage());
		}
		catch (IOException ex) {
			throw unreadable(field);
		}
		BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
		Graphics2D g = rgb.createGraphics();
		g.setColor(Color.BLACK);
		g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
		g.drawImage(image, 0, 0, null);
		g.dispose();
		java.awt.Image scaled = rgb.getScaledInstance(width, height, java.awt.Image.SCALE_AREA_AVERAGING);
		BufferedImage small = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D s = small.createGraphics();
		s.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
		s.drawImage(scaled, 0, 0, null);
		s.dispose();
		int plane = height * width;
		float[] input = new float[channels * plane];
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				int p = small.getRGB(x, y);
				int r = (p >> 16) & 0xff;
				int gr = (p >> 8) & 0xff;
				int b = p & 0xff;
				if (channels == 1) {
					input[y * width + x] = (float) Math.min(1, (0.299 * r + 0.587 * gr + 0.114 * b) / 255);
				}
				else {
					input[y * width + x] = r / 255f;
					input[plane + y * width + x] = gr / 255f;
					input[2 * plane + y * width + x] = b / 255f;
				}
			}
		}
		return input;
	}

	/**
	 * The first frame, checked against the limits from its header, subsampled if large.
	 */
	private static BufferedImage read(ImageInputStream in, int height, int width, String field,
			VaeProperties.Intake limits) throws IOException {
		Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
		if (!readers.hasNext()) {
			throw unreadable(field);
		}
		ImageReader reader = readers.next();
		try {
			reader.setInput(in, false, true);
			long sourceWidth = reader.getWidth(0);
			long sourceHeight = reader.getHeight(0);
			// only GIF holds several frames; counting them walks the (size-capped) file
			long frames = "gif".equalsIgnoreCase(reader.getFormatName()) ? Math.max(1, reader.getNumImages(true)) : 1;
			if (sourceWidth > limits.maxImageSide() || sourceHeight > limits.maxImageSide()) {
				throw new TooLargeException(field,
						field + " is " + sourceWidth + "×" + sourceHeight + " pixels; images may be at most "
								+ limits.maxImageSide() + " pixels wide and high (vae.intake.max-image-side)");
			}
			long pixels = sourceWidth * sourceHeight * frames;
			if (pixels > limits.maxImagePixels()) {
				throw new TooLargeException(field,
						field + " declares " + sourceWidth + "×" + sourceHeight
								+ ((frames > 1) ? "×" + frames + " frames" : "") + " = " + pixels + " pixels; at most "
								+ limits.maxImagePixels() + " are decoded (vae.intake.max-image-pixels)");
			}
			ImageReadParam param = reader.getDefaultReadParam();
			int sx = (int) Math.max(1, sourceWidth / ((long) width * SUBSAMPLED_DETAIL));
			int sy = (int) Math.max(1, sourceHeight / ((long) height * SUBSAMPLED_DETAIL));
			if (sx > 1 || sy > 1) {
				param.setSourceSubsampling(sx, sy, 0, 0);
			}
			return reader.read(0, param);
		}
		catch (TooLargeException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
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
	private static final class CappedStream extends FilterInputStream {

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

}
