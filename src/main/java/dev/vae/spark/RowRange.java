package dev.vae.spark;

import java.io.Serializable;

/**
 * A partition's stored rows [from, from + count) and where to read them: all the driver
 * ships to create the cached training data. A class, not a record: Kryo cannot build
 * records.
 */
final class RowRange implements Serializable {

	private static final long serialVersionUID = 1L;

	private final long from;

	private final int count;

	private final RowSource source;

	RowRange(long from, int count, RowSource source) {
		this.from = from;
		this.count = count;
		this.source = source;
	}

	long from() {
		return this.from;
	}

	int count() {
		return this.count;
	}

	RowSource source() {
		return this.source;
	}

	@Override
	public String toString() {
		return "rows [" + this.from + ", " + (this.from + this.count) + ") of " + this.source.describe();
	}

}
