package dev.vae.data;

import dev.vae.system.AtomicFiles;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * Where a dataset reader puts what it decodes, as little-endian 32-bit words (float32
 * values or int32 labels): memory for small data and tests, or a temporary file for
 * uploads, so that a dataset of any allowed size passes through a buffer rather than
 * through the heap.
 */
abstract sealed class ValueSink implements Closeable permits ValueSink.Memory, ValueSink.ToFile {

	private long count;

	/** Words written so far. */
	final long count() {
		return this.count;
	}

	final void putFloat(float value) throws IOException {
		putWord(Float.floatToRawIntBits(value));
	}

	final void putInt(int value) throws IOException {
		putWord(value);
	}

	private void putWord(int bits) throws IOException {
		write(bits);
		this.count++;
	}

	abstract void write(int bits) throws IOException;

	/** Divides every float written so far by {@code divisor}. */
	final void divide(float divisor) throws IOException {
		transform((bits) -> Float.floatToRawIntBits(Float.intBitsToFloat(bits) / divisor));
	}

	/** Replaces every int written so far, i, by {@code mapping[i]}. */
	final void remap(int[] mapping) throws IOException {
		transform((i) -> mapping[i]);
	}

	/** Applies {@code op} to every word written so far. */
	abstract void transform(IntUnaryOperator op) throws IOException;

	static Memory inMemory() {
		return new Memory();
	}

	/** A sink that writes to a hidden temporary file beside {@code target}. */
	static ToFile toFile(Path target) throws IOException {
		return new ToFile(target);
	}

	/** Words kept in a growing array. */
	static final class Memory extends ValueSink {

		private int[] words = new int[1024];

		@Override
		void write(int bits) {
			int n = Math.toIntExact(count());
			if (n == this.words.length) {
				this.words = Arrays.copyOf(this.words, this.words.length * 2);
			}
			this.words[n] = bits;
		}

		@Override
		void transform(IntUnaryOperator op) {
			for (int i = 0; i < count(); i++) {
				this.words[i] = op.applyAsInt(this.words[i]);
			}
		}

		float[] floats() {
			float[] values = new float[Math.toIntExact(count())];
			for (int i = 0; i < values.length; i++) {
				values[i] = Float.intBitsToFloat(this.words[i]);
			}
			return values;
		}

		int[] ints() {
			return Arrays.copyOf(this.words, Math.toIntExact(count()));
		}

		@Override
		public void close() {
		}

	}

	/**
	 * Words streamed to a temporary file, renamed to the target by {@link #commit}; a
	 * sink closed without a commit deletes its file.
	 */
	static final class ToFile extends ValueSink {

		private final Path target;

		private final Path temp;

		private OutputStream out;

		private boolean committed;

		private ToFile(Path target) throws IOException {
			this.target = target;
			this.temp = AtomicFiles.temp(target);
			this.out = new BufferedOutputStream(Files.newOutputStream(this.temp), 1 << 16);
		}

		@Override
		void write(int bits) throws IOException {
			this.out.write(bits);
			this.out.write(bits >>> 8);
			this.out.write(bits >>> 16);
			this.out.write(bits >>> 24);
		}

		@Override
		void transform(IntUnaryOperator op) throws IOException {
			this.out.flush();
			ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
			try (FileChannel channel = FileChannel.open(this.temp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
				long position = 0;
				while (true) {
					chunk.clear();
					int read = channel.read(chunk, position);
					if (read <= 0) {
						break;
					}
					chunk.flip();
					for (int i = 0; i + 4 <= read; i += 4) {
						chunk.putInt(i, op.applyAsInt(chunk.getInt(i)));
					}
					channel.write(chunk, position);
					position += read;
				}
			}
		}

		/** Moves the file into place; returns its size in bytes. */
		long commit() throws IOException {
			this.out.close();
			long size = Files.size(this.temp);
			AtomicFiles.move(this.temp, this.target);
			this.committed = true;
			return size;
		}

		@Override
		public void close() throws IOException {
			this.out.close();
			if (!this.committed) {
				Files.deleteIfExists(this.temp);
			}
		}

	}

}
