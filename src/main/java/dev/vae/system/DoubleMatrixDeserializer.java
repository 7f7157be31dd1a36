package dev.vae.system;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A batch of vectors ({@code double[][]}): a list of rows, each read by
 * {@link DoubleArrayDeserializer}, or one vector written flat ({@code "z": [0, 0]}), read
 * as a batch of one. The flat form used to fail with "z[0]: expected an array" although
 * z[0] is a number; now the shape check answers what was expected ("z[0] has 2 values;
 * the model expects 20").
 */
public final class DoubleMatrixDeserializer extends StdDeserializer<double[][]> {

	private final DoubleArrayDeserializer rows = new DoubleArrayDeserializer();

	DoubleMatrixDeserializer() {
		super(double[][].class);
	}

	@Override
	public double[][] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
		if (!p.isExpectedStartArrayToken()) {
			return (double[][]) ctxt.handleUnexpectedToken(double[][].class, p);
		}
		JsonToken token = p.nextToken();
		if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
			return new double[][] { flat(p, ctxt) };
		}
		List<double[]> out = new ArrayList<>();
		while (token != JsonToken.END_ARRAY) {
			try {
				out.add((token == JsonToken.VALUE_NULL) ? null : this.rows.deserialize(p, ctxt));
			}
			catch (IOException | RuntimeException ex) {
				throw JsonMappingException.wrapWithPath(ex, out, out.size());
			}
			token = p.nextToken();
		}
		return out.toArray(new double[0][]);
	}

	/** One vector whose first number is the current token. */
	private double[] flat(JsonParser p, DeserializationContext ctxt) throws IOException {
		double[] values = new double[16];
		int n = 0;
		for (JsonToken token = p.currentToken(); token != JsonToken.END_ARRAY; token = p.nextToken()) {
			double value;
			try {
				value = this.rows.current(p, ctxt);
			}
			catch (IOException | RuntimeException ex) {
				throw JsonMappingException.wrapWithPath(ex, values, n);
			}
			if (n == values.length) {
				values = Arrays.copyOf(values, n * 2);
			}
			values[n++] = value;
		}
		return Arrays.copyOf(values, n);
	}

}
