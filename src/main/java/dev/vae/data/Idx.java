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
	 * Reads an image file into memory: magic 0x00000803 then count, rows, columns, then
	 * count·rows·columns bytes.
	 * @param maxValues the largest count·rows·columns accepted
	 */
	public static Dataset readImages(InputStream in, String source, long maxValues) throws IOException {
		try (ValueSink.Memory values = ValueSink.inMemory()) {
			Images images = readImages(in, source, maxValues, values);
			return new Dataset(images.description(), images.shape(),
					new Examples(values.floats(), images.count(), images.length()), null);
		}
	}

	/**
	 * Streams an image file's pixels into {@code out} as values in [0, 1], checking every
	 * size against the header and the limit; memory stays one buffer.
	 */
	static Images readImages(InputStream in, String source, long maxValues, ValueSink out) throws IOException {
		DataInputStream data = new DataInputStream(maybeGunzip(in));
		int[] dims = header(data, source, 3);
		long length = (long) dims[1] * dims[2];
		long total = dims[0] * length;
		if (total > maxValues) {
			throw new DatasetFormatException(source + " holds " + dims[0] + " images of " + dims[1] + "×" + dims[2]
					+ " = " + total + " values, more than the limit of " + maxValues);
		}
		stream(data, total, source, (b) -> out.putFloat((b & 0xff) / 255f));
		return new Images("IDX images " + source, List.of(dims[1], dims[2], 1), dims[0]);
	}

	/** Reads a label file into memory: magic 0x00000801 then count, then count bytes. */
	public static int[] readLabels(InputStream in, String source, long maxLabels) throws IOException {
		try (ValueSink.Memory labels = ValueSink.inMemory()) {
			readLabels(in, source, maxLabels, labels);
			return labels.ints();
		}
	}

	/** Streams a label file into {@code out} as int32 words; returns the count. */
	static int readLabels(InputStream in, String source, long maxLabels, ValueSink out) throws IOException {
		DataInputStream data = new DataInputStream(maybeGunzip(in));
		int[] dims = header(data, source, 1);
		if (dims[0] > maxLabels) {
			throw new DatasetFormatException(
					source + " holds " + dims[0] + " labels, more than the limit of " + maxLabels);
		}
		stream(data, dims[0], source, (b) -> out.putInt(b & 0xff));
		return dims[0];
	}

	/** Images with their labels, which must be as many as the images. */
	public static Dataset withLabels(Dataset images, int[] labels) {
		checkLabelCount(labels.length, images.examples().count());
		return new Dataset(images.description(), images.shape(), images.examples(), labels);
	}

	static void checkLabelCount(long labels, long images) {
		if (labels != images) {
			throw new DatasetFormatException("the label file holds " + labels + " labels for " + images + " images");
		}
	}

	/**
	 * What an image file holds.
	 *
	 * @param description where the images came from
	 * @param shape height, width, channels
	 * @param count number of images
	 */
	record Images(String description, List<Integer> shape, int count) {

		int length() {
			return this.shape.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
		}

	}

	private interface ByteConsumer {

		void accept(byte b) throws IOException;

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

	/** Passes exactly {@code count} data bytes on, then checks that nothing follows. */
	private static void stream(DataInputStream data, long count, String source, ByteConsumer consumer)
			throws IOException {
		byte[] buffer = new byte[1 << 16];
		long done = 0;
		while (done < count) {
			int n = data.read(buffer, 0, (int) Math.min(buffer.length, count - done));
			if (n < 0) {
				throw new DatasetFormatException(
						source + " is truncated: the header declares " + count + " data bytes, the file holds " + done);
			}
			for (int i = 0; i < n; i++) {
				consumer.accept(buffer[i]);
			}
			done += n;
		}
		if (data.read() != -1) {
			throw new DatasetFormatException(
					source + " holds more data than its header declares (" + count + " bytes)");
		}
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
