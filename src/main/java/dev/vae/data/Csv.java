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
	 * The longest line read: a row has at most
	 * {@link dev.vae.model.network.FormatOneArchitecture#MAX_WIDTH} values, and no number
	 * needs more than 30 characters.
	 */
	static final int MAX_LINE = 30 * dev.vae.model.network.FormatOneArchitecture.MAX_WIDTH;

	/**
	 * Reads a CSV into memory.
	 * @param shape height, width, channels; null for one row of the CSV's width
	 * @param maxValues the most values accepted
	 */
	public static Dataset read(InputStream in, String source, List<Integer> shape, long maxValues) throws IOException {
		try (ValueSink.Memory values = ValueSink.inMemory()) {
			Idx.Images read = read(in, source, shape, maxValues, values);
			return new Dataset(read.description(), read.shape(),
					new Examples(values.floats(), read.count(), read.length()), null);
		}
	}

	/** Streams a CSV's values into {@code values}; memory stays one line. */
	static Idx.Images read(InputStream in, String source, List<Integer> shape, long maxValues, ValueSink values)
			throws IOException {
		Lines reader = new Lines(new InputStreamReader(in, StandardCharsets.UTF_8), source);
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
				values.putFloat(v);
			}
			rows++;
		}
		if (rows == 0) {
			throw new DatasetFormatException(source + " holds no rows of numbers");
		}
		if (max > 1) {
			values.divide(255f);
		}
		List<Integer> actual = (shape != null) ? shape : List.of(1, width, 1);
		// in long, with overflow refused: height 4 × width 1073741825 must not wrap to 4
		long length = 1;
		for (int d : actual) {
			length = Math.multiplyExact(length, (long) d);
		}
		if (length != width) {
			throw new DatasetFormatException(
					source + " rows have " + width + " values, but shape " + actual + " needs " + length);
		}
		String scale = (max > 1) ? "0..255 scaled to [0, 1]" : "values in [0, 1]";
		return new Idx.Images("CSV " + source + " (" + scale + ")", actual, rows);
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

	/** Lines of at most {@link #MAX_LINE} characters. */
	private static final class Lines {

		private final BufferedReader in;

		private final String source;

		private final StringBuilder line = new StringBuilder();

		private int number;

		Lines(java.io.Reader in, String source) {
			this.in = new BufferedReader(in, 1 << 16);
			this.source = source;
		}

		String readLine() throws IOException {
			this.line.setLength(0);
			this.number++;
			int c;
			while ((c = this.in.read()) >= 0 && c != '\n') {
				if (this.line.length() == MAX_LINE) {
					throw new DatasetFormatException(this.source + " line " + this.number + " is longer than "
							+ MAX_LINE + " characters; a row holds at most "
							+ dev.vae.model.network.FormatOneArchitecture.MAX_WIDTH + " values");
				}
				this.line.append((char) c);
			}
			if (c < 0 && this.line.isEmpty()) {
				return null;
			}
			int end = this.line.length();
			return (end > 0 && this.line.charAt(end - 1) == '\r') ? this.line.substring(0, end - 1)
					: this.line.toString();
		}

	}

}
