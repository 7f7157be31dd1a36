package dev.vae.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Rows in a file every executor reaches at the same path (a shared or network file
 * system, or one machine), read by a positional {@link FileChannel} read of the range.
 */
final class FileRows implements RowSource {

	private static final long serialVersionUID = 1L;

	private final String path;

	FileRows(Path path) {
		this.path = path.toAbsolutePath().toString();
	}

	@Override
	public float[] read(long from, int count, int length) throws IOException {
		long bytes = (long) count * length * 4;
		float[] values = new float[Math.toIntExact((long) count * length)];
		ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(bytes, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
		try (FileChannel channel = FileChannel.open(Path.of(this.path), StandardOpenOption.READ)) {
			long position = from * length * 4;
			int filled = 0;
			while (filled < values.length) {
				buffer.clear();
				buffer.limit((int) Math.min(buffer.capacity(), (long) (values.length - filled) * 4));
				while (buffer.hasRemaining()) {
					int read = channel.read(buffer, position);
					if (read < 0) {
						throw new IOException(this.path + " ends before row " + (from + count));
					}
					position += read;
				}
				buffer.flip();
				int n = buffer.remaining() / 4;
				buffer.asFloatBuffer().get(values, filled, n);
				filled += n;
			}
		}
		return values;
	}

	@Override
	public long bytes() throws IOException {
		return Files.size(Path.of(this.path));
	}

	@Override
	public String describe() {
		return this.path;
	}

}
