package dev.vae.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rows of Java doubles into and out of ND4J by one bulk copy each way (ND4J's per-element
 * paths cost several times more).
 */
public final class Batches {

	private Batches() {
	}

	/** A [rows, cols] array of the given type. */
	public static INDArray matrix(double[][] rows, DataType dataType) {
		int cols = (rows.length == 0) ? 0 : rows[0].length;
		double[] flat = new double[rows.length * cols];
		for (int i = 0; i < rows.length; i++) {
			if (rows[i].length != cols) {
				throw new IllegalArgumentException(
						"row " + i + " has " + rows[i].length + " values, row 0 has " + cols);
			}
			System.arraycopy(rows[i], 0, flat, i * cols, cols);
		}
		INDArray doubles = Nd4j.create(Nd4j.createBuffer(flat), rows.length, cols);
		return (dataType == DataType.DOUBLE) ? doubles : doubles.castTo(dataType);
	}

	/** An array's values in 'c' order as doubles. */
	public static double[] values(INDArray a) {
		boolean dense = a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length();
		if (dense) {
			return doubles(a);
		}
		try (INDArray copy = a.dup('c')) {
			return doubles(copy);
		}
	}

	/** A float32 array's values in 'c' order, by one bulk copy. */
	public static float[] floats(INDArray a) {
		boolean dense = a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length();
		try (INDArray copy = dense ? null : a.dup('c')) {
			float[] floats = new float[(int) a.length()];
			Blas.buffer(dense ? a : copy).get(0, floats);
			return floats;
		}
	}

	/**
	 * A dense array's values as doubles; float32 by one bulk copy out of native memory
	 * (the buffer's own {@code asDouble} reads element by element, several times slower).
	 */
	private static double[] doubles(INDArray a) {
		if (a.dataType() != DataType.FLOAT) {
			return a.data().asDouble();
		}
		float[] floats = new float[(int) a.length()];
		Blas.buffer(a).get(0, floats);
		double[] values = new double[floats.length];
		for (int i = 0; i < floats.length; i++) {
			values[i] = floats[i];
		}
		return values;
	}

	/**
	 * Writes {@code values} in 'c' order into a dense float or double array with no
	 * offset (a fresh array) by one bulk copy; returns it.
	 */
	public static INDArray write(double[] values, INDArray into) {
		if (into.length() != values.length || into.ordering() != 'c' || into.offset() != 0) {
			throw new IllegalArgumentException(
					"cannot write " + values.length + " values into " + into.shapeInfoToString());
		}
		switch (into.dataType()) {
			case DOUBLE -> into.data().asNioDouble().put(0, values);
			case FLOAT -> {
				float[] floats = new float[values.length];
				for (int i = 0; i < values.length; i++) {
					floats[i] = (float) values[i];
				}
				Blas.buffer(into).put(0, floats);
			}
			default -> throw new IllegalArgumentException("passes run in float or double, not " + into.dataType());
		}
		return into;
	}

	/**
	 * Writes float32 {@code values} in 'c' order into a fresh float or double array by
	 * one bulk copy.
	 */
	public static void write(float[] values, INDArray into) {
		switch (into.dataType()) {
			case FLOAT -> Blas.buffer(into).put(0, values);
			case DOUBLE -> {
				java.nio.DoubleBuffer out = into.data().asNioDouble();
				for (int i = 0; i < values.length; i++) {
					out.put(i, values[i]);
				}
			}
			default -> throw new IllegalArgumentException("training runs in float or double, not " + into.dataType());
		}
	}

	/** A [n, …] array as n rows. */
	public static double[][] rows(INDArray a) {
		double[] flat = values(a);
		int n = (int) a.size(0);
		int k = (n == 0) ? 0 : flat.length / n;
		double[][] rows = new double[n][k];
		for (int i = 0; i < n; i++) {
			System.arraycopy(flat, i * k, rows[i], 0, k);
		}
		return rows;
	}

	/** Rows of equal length as one float32 array, row after row. */
	public static float[] floats(double[][] rows) {
		int k = (rows.length == 0) ? 0 : rows[0].length;
		float[] values = new float[rows.length * k];
		for (int i = 0; i < rows.length; i++) {
			for (int j = 0; j < k; j++) {
				values[i * k + j] = (float) rows[i][j];
			}
		}
		return values;
	}

	/** n rows of a float32 array, row after row. */
	public static double[][] rows(float[] values, int n) {
		return rows(values, n, (n == 0) ? 0 : values.length / n);
	}

	/**
	 * The first n rows of k values of a float32 array (which may be longer), row after
	 * row.
	 */
	public static double[][] rows(float[] values, int n, int k) {
		double[][] rows = new double[n][k];
		for (int i = 0; i < n; i++) {
			for (int j = 0; j < k; j++) {
				rows[i][j] = values[i * k + j];
			}
		}
		return rows;
	}

}
