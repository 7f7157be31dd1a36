package dev.vae.model;

import java.util.Arrays;

/**
 * A set of input vectors stored row-major in one float array, the form the trainer and
 * evaluator read.
 *
 * @param values count × length values
 * @param count number of examples
 * @param length values per example
 */
public record Examples(float[] values, int count, int length) {

	public Examples {
		if ((long) count * length != values.length) {
			throw new IllegalArgumentException("expected " + count + " × " + length + " values, got " + values.length);
		}
	}

	/** Example i as doubles. */
	public double[] row(int i) {
		double[] row = new double[this.length];
		for (int j = 0; j < this.length; j++) {
			row[j] = this.values[i * this.length + j];
		}
		return row;
	}

	/** Examples [from, to) as a new set. */
	public Examples slice(int from, int to) {
		return new Examples(Arrays.copyOfRange(this.values, from * this.length, to * this.length), to - from,
				this.length);
	}

}
