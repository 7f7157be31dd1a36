package dev.vae.spark;

import java.io.IOException;
import java.io.Serializable;

/**
 * Where the stored rows of a dataset are (little-endian float32, row after row), as an
 * executor reads its partition's range of them: a shared path, an S3 object, or for
 * in-memory data the range's own values. It names the data; it does not hold it, so the
 * driver ships a few hundred bytes per partition, whatever the dataset's size.
 */
interface RowSource extends Serializable {

	/** Rows [from, from + count) of {@code length} values each. */
	float[] read(long from, int count, int length) throws IOException;

	/** The size of the stored data in bytes. */
	long bytes() throws IOException;

	String describe();

}
