package dev.vae.system;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;
import java.util.Arrays;

/**
 * {@code double[]} from JSON with the common numbers parsed straight from the parser's
 * characters: an input vector is hundreds of short decimals (0.1234), and parsing them
 * through Jackson's general number path took half of a {@code /loss} request's CPU (JFR).
 * <p>
 * A number of at most 18 digits, without an exponent, whose digits w satisfy w ≤ 2⁵³ with
 * at most 22 after the point is w / 10ᵏ computed in double arithmetic: both operands are
 * exact, and IEEE division rounds correctly, so the result is the double nearest the
 * decimal, bit for bit what {@link Double#parseDouble} gives (Clinger's fast path). Every
 * other number goes through Jackson's own parsing, and every other token (null, a string,
 * an object) through Jackson's handling for a primitive double, so errors and their
 * messages are as before.
 */
public final class DoubleArrayDeserializer extends StdDeserializer<double[]> {

	private static final double[] POWERS_OF_TEN = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
			1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

	private static final long TWO_TO_53 = 1L << 53;

	DoubleArrayDeserializer() {
		super(double[].class);
	}

	@Override
	public double[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
		if (!p.isExpectedStartArrayToken()) {
			return (double[]) ctxt.handleUnexpectedToken(double[].class, p);
		}
		double[] values = new double[16];
		int n = 0;
		while (true) {
			double value;
			try {
				// inside the try, as in Jackson's own: a malformed number (NaN) is
				// reported at
				// its index
				JsonToken token = p.nextToken();
				if (token == JsonToken.END_ARRAY) {
					break;
				}
				value = current(p, ctxt);
			}
			catch (IOException | RuntimeException ex) {
				throw JsonMappingException.wrapWithPath(ex, values, n);
			}
			if (n == values.length) {
				values = Arrays.copyOf(values, n * 2);
			}
			values[n++] = value;
		}
		return (n == values.length) ? values : Arrays.copyOf(values, n);
	}

	/**
	 * The number at the parser's current token (any other token as Jackson handles it).
	 */
	double current(JsonParser p, DeserializationContext ctxt) throws IOException {
		JsonToken token = p.currentToken();
		if (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
			double value = parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
			return Double.isNaN(value) ? p.getDoubleValue() : value;
		}
		return _parseDoublePrimitive(p, ctxt);
	}

	/**
	 * The value of a JSON number's characters by the exact fast path, or NaN when it does
	 * not apply (JSON has no NaN, so NaN means "parse it the general way").
	 */
	public static double parse(char[] text, int offset, int length) {
		int i = offset;
		int end = offset + length;
		boolean negative = (i < end && text[i] == '-');
		if (negative) {
			i++;
		}
		long digits = 0;
		int count = 0;
		int decimals = -1;
		for (; i < end; i++) {
			char c = text[i];
			if (c >= '0' && c <= '9') {
				if (++count > 18) {
					return Double.NaN;
				}
				digits = digits * 10 + (c - '0');
				if (decimals >= 0) {
					decimals++;
				}
			}
			else if (c == '.' && decimals < 0) {
				decimals = 0;
			}
			else {
				// an exponent, or anything unexpected
				return Double.NaN;
			}
		}
		if (count == 0 || digits > TWO_TO_53 || decimals > 22) {
			return Double.NaN;
		}
		double value = (decimals > 0) ? digits / POWERS_OF_TEN[decimals] : digits;
		return negative ? -value : value;
	}

}
