package dev.vae.data;

import dev.vae.model.Examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads a CSV of examples, one per row, comma-separated numbers, with an optional header
 * row. Values are taken as [0, 1] when none exceeds 1, and as 0..255 (divided by 255)
 * otherwise; anything negative, above 255 or not a number is an error that names its row
 * and column.
 */
public final class Csv {

	private Csv() {
	}

	/**
	 * @param shape height, width, channels; null for one row of the CSV's width
	 * @param maxValues the most values accepted
	 */
	public static Dataset read(InputStream in, String source, List<Integer> shape, long maxValues) throws IOException {
		BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
		FloatBuffer values = new FloatBuffer();
		int width = -1;
		int rows = 0;
		int lineNumber = 0;
		float max = 0;
		String line;
		while ((line = reader.readLine()) != null) {
			lineNumber++;
			if (line.isBlank()) {
				continue;
			}
			String[] cells = line.split(",", -1);
			if (rows == 0 && width < 0 && !isNumber(cells[0].trim())) {
				continue;
			}
			if (width < 0) {
				width = cells.length;
			}
			else if (cells.length != width) {
				throw new DatasetFormatException(source + " line " + lineNumber + " has " + cells.length
						+ " values; the first row has " + width);
			}
			if ((long) (rows + 1) * width > maxValues) {
				throw new DatasetFormatException(source + " holds more than the limit of " + maxValues + " values");
			}
			for (int c = 0; c < cells.length; c++) {
				float v;
				try {
					v = Float.parseFloat(cells[c].trim());
				}
				catch (NumberFormatException ex) {
					throw new DatasetFormatException(source + " line " + lineNumber + ", column " + (c + 1) + ": '"
							+ cells[c].trim() + "' is not a number");
				}
				if (!(v >= 0 && v <= 255)) {
					throw new DatasetFormatException(source + " line " + lineNumber + ", column " + (c + 1) + ": " + v
							+ " is outside [0, 1] and 0..255");
				}
				max = Math.max(max, v);
				values.add(v);
			}
			rows++;
		}
		if (rows == 0) {
			throw new DatasetFormatException(source + " holds no rows of numbers");
		}
		float[] data = values.toArray();
		if (max > 1) {
			for (int i = 0; i < data.length; i++) {
				data[i] /= 255f;
			}
		}
		List<Integer> actual = (shape != null) ? shape : List.of(1, width, 1);
		int length = actual.stream().mapToInt(Integer::intValue).reduce(1, (a, b) -> a * b);
		if (length != width) {
			throw new DatasetFormatException(
					source + " rows have " + width + " values, but shape " + actual + " needs " + length);
		}
		String scale = (max > 1) ? "0..255 scaled to [0, 1]" : "values in [0, 1]";
		return new Dataset("CSV " + source + " (" + scale + ")", actual, new Examples(data, rows, width), null);
	}

	private static boolean isNumber(String cell) {
		try {
			Float.parseFloat(cell);
			return true;
		}
		catch (NumberFormatException ex) {
			return false;
		}
	}

	/** A growable float array. */
	private static final class FloatBuffer {

		private float[] data = new float[1024];

		private int size;

		void add(float v) {
			if (this.size == this.data.length) {
				this.data = java.util.Arrays.copyOf(this.data, this.data.length * 2);
			}
			this.data[this.size++] = v;
		}

		float[] toArray() {
			return java.util.Arrays.copyOf(this.data, this.size);
		}

	}

}
