package dev.vae.data;

import dev.vae.model.Examples;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format MNIST and Fashion-MNIST ship in ({@code *-images-idx3-ubyte},
 * {@code *-labels-idx1-ubyte}), plain or gzipped (detected by its magic bytes). Images
 * become values in [0, 1] (byte / 255). Every size is checked against the header and
 * against a limit before anything is allocated.
 */
public final class Idx {

	private static final int UNSIGNED_BYTE = 0x08;

	private Idx() {
	}

	/**
	 * Reads an image file: magic 0x00000803 then count, rows, columns, then
	 * count·rows·columns bytes.
	 * @param maxValues the largest count·rows·columns accepted
	 */
	public static Dataset readImages(InputStream in, String source, long maxValues) throws IOException {
		DataInputStream data = new DataInputStream(maybeGunzip(in));
		int[] dims = header(data, source, 3);
		long length = (long) dims[1] * dims[2];
		long total = dims[0] * length;
		if (total > maxValues) {
			throw new DatasetFormatException(source + " holds " + dims[0] + " images of " + dims[1] + "×" + dims[2]
					+ " = " + total + " values, more than the limit of " + maxValues);
		}
		byte[] bytes = readExactly(data, (int) total, source);
		float[] values = new float[bytes.length];
		for (int i = 0; i < bytes.length; i++) {
			values[i] = (bytes[i] & 0xff) / 255f;
		}
		return new Dataset("IDX images " + source, List.of(dims[1], dims[2], 1),
				new Examples(values, dims[0], (int) length), null);
	}

	/** Reads a label file: magic 0x00000801 then count, then count bytes. */
	public static int[] readLabels(InputStream in, String source, long maxLabels) throws IOException {
		DataInputStream data = new DataInputStream(maybeGunzip(in));
		int[] dims = header(data, source, 1);
		if (dims[0] > maxLabels) {
			throw new DatasetFormatException(
					source + " holds " + dims[0] + " labels, more than the limit of " + maxLabels);
		}
		byte[] bytes = readExactly(data, dims[0], source);
		int[] labels = new int[bytes.length];
		for (int i = 0; i < bytes.length; i++) {
			labels[i] = bytes[i] & 0xff;
		}
		return labels;
	}

	/** Images with their labels, which must be as many as the images. */
	public static Dataset withLabels(Dataset images, int[] labels) {
		if (labels.length != images.examples().count()) {
			throw new DatasetFormatException(
					"the label file holds " + labels.length + " labels for " + images.examples().count() + " images");
		}
		return new Dataset(images.description(), images.shape(), images.examples(), labels);
	}

	private static int[] header(DataInputStream data, String source, int expectedDims) throws IOException {
		int magic;
		try {
			magic = data.readInt();
		}
		catch (EOFException ex) {
			throw new DatasetFormatException(source + " is too short to be an IDX file");
		}
		int expected = (UNSIGNED_BYTE << 8) | expectedDims;
		if (magic != expected) {
			throw new DatasetFormatException(
					String.format("%s has magic number 0x%08x; an IDX %s file starts with 0x%08x", source, magic,
							(expectedDims == 3) ? "image" : "label", expected));
		}
		List<Integer> dims = new ArrayList<>();
		for (int i = 0; i < expectedDims; i++) {
			int dim;
			try {
				dim = data.readInt();
			}
			catch (EOFException ex) {
				throw new DatasetFormatException(source + " is truncated inside its header");
			}
			if (dim < 1) {
				throw new DatasetFormatException(
						source + " declares dimension " + i + " as " + dim + "; sizes must be positive");
			}
			dims.add(dim);
		}
		return dims.stream().mapToInt(Integer::intValue).toArray();
	}

	private static byte[] readExactly(DataInputStream data, int count, String source) throws IOException {
		byte[] bytes = new byte[count];
		int read = data.readNBytes(bytes, 0, count);
		if (read < count) {
			throw new DatasetFormatException(
					source + " is truncated: the header declares " + count + " data bytes, the file holds " + read);
		}
		if (data.read() != -1) {
			throw new DatasetFormatException(
					source + " holds more data than its header declares (" + count + " bytes)");
		}
		return bytes;
	}

	private static InputStream maybeGunzip(InputStream in) throws IOException {
		BufferedInputStream buffered = new BufferedInputStream(in);
		buffered.mark(2);
		int b1 = buffered.read();
		int b2 = buffered.read();
		buffered.reset();
		return (b1 == 0x1f && b2 == 0x8b) ? new GZIPInputStream(buffered) : buffered;
	}

}
