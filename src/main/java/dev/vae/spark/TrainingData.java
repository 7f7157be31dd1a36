package dev.vae.spark;

import dev.vae.model.Examples;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the driver knows of the data: the row ranges, one per partition, the row length
 * and the split. The rows themselves are read by the executors.
 *
 * @param ranges one per partition, together each stored row exactly once
 * @param length values per row
 * @param split which stored row is which training or validation example
 */
record TrainingData(List<RowRange> ranges, int length, Split split) {

	/**
	 * The rows of a stored dataset in {@code partitions} contiguous, nearly equal ranges.
	 */
	static TrainingData stored(RowSource source, int length, int partitions,
			java.util.function.IntFunction<Split> split) throws IOException {
		long bytes = source.bytes();
		if (bytes == 0 || bytes % (4L * length) != 0) {
			throw new IllegalArgumentException(source.describe() + " holds " + bytes
					+ " bytes, not a whole number of float32 rows of " + length + " values");
		}
		int rows = Math.toIntExact(bytes / (4L * length));
		List<RowRange> ranges = new ArrayList<>();
		for (long[] r : ranges(rows, partitions)) {
			ranges.add(new RowRange(r[0], (int) (r[1] - r[0]), source));
		}
		return new TrainingData(ranges, length, split.apply(rows));
	}

	/** Rows the driver holds already, each range shipped with its own slice. */
	static TrainingData inMemory(Examples all, int partitions, Split split) {
		List<RowRange> ranges = new ArrayList<>();
		int d = all.length();
		for (long[] r : ranges(all.count(), partitions)) {
			int from = (int) r[0];
			int count = (int) (r[1] - r[0]);
			float[] values = new float[count * d];
			System.arraycopy(all.values(), from * d, values, 0, values.length);
			ranges.add(new RowRange(from, count, new InlineRows(from, values)));
		}
		return new TrainingData(ranges, d, split);
	}

	/**
	 * A training and a validation set already split, for tests and callers that hold
	 * both.
	 */
	static TrainingData inMemory(Examples train, Examples validation, int partitions) {
		float[] all = new float[train.values().length + validation.values().length];
		System.arraycopy(train.values(), 0, all, 0, train.values().length);
		System.arraycopy(validation.values(), 0, all, train.values().length, validation.values().length);
		return inMemory(new Examples(all, train.count() + validation.count(), train.length()), partitions,
				Split.inOrder(train.count(), validation.count()));
	}

	/** [from, to) of {@code n} contiguous, nearly equal parts of {@code rows} rows. */
	static List<long[]> ranges(long rows, int n) {
		List<long[]> ranges = new ArrayList<>();
		for (int p = 0; p < n; p++) {
			ranges.add(new long[] { rows * p / n, rows * (p + 1) / n });
		}
		return ranges;
	}

}
