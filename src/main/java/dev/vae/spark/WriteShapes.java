package dev.vae.spark;

import dev.vae.data.Shapes;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the built-in 28×28 shapes as the service stores datasets (little-endian float32,
 * one image after another), a thousand at a time, for benchmarks and checks that need a
 * dataset file larger than a heap.
 *
 * <pre>
 * java -cp … dev.vae.spark.WriteShapes SEED COUNT FILE
 * </pre>
 */
public final class WriteShapes {

	private static final int CHUNK = 1000;

	private WriteShapes() {
	}

	public static void main(String[] args) throws IOException {
		if (args.length != 3) {
			throw new IllegalArgumentException("usage: WriteShapes SEED COUNT FILE");
		}
		long seed = Long.parseLong(args[0]);
		int count = Integer.parseInt(args[1]);
		try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(args[2])), 1 << 20)) {
			for (int from = 0; from < count; from += CHUNK) {
				float[] values = Shapes.generate(seed, from, Math.min(CHUNK, count - from)).examples().values();
				ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
				bytes.asFloatBuffer().put(values);
				out.write(bytes.array());
			}
		}
	}

}
