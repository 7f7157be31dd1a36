package dev.vae.serving;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.vae.system.DoubleArrayDeserializer;

import java.io.IOException;
import java.util.Arrays;

/**
 * A V2 input tensor's JSON {@code data}: flat row-major numbers, or nested arrays of them
 * (the protocol allows both), read straight into doubles with the exact fast path of
 * {@link DoubleArrayDeserializer} instead of a list of boxed values. A value that is not
 * a number is not a parse error: it is kept as {@code problem} so the endpoint answers in
 * the protocol's error format, as it does for every other bad tensor.
 *
 * @param values the numbers in row-major order
 * @param problem what is wrong with the data, or null
 */
@JsonDeserialize(using = TensorData.Reader.class)
record TensorData(double[] values, String problem) {

	static final class Reader extends JsonDeserializer<TensorData> {

		@Override
		public TensorData deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
			if (!p.isExpectedStartArrayToken()) {
				p.skipChildren();
				return new TensorData(new double[0], "the input's data must be an array of numbers");
			}
			Values values = new Values();
			read(p, values);
			return new TensorData(Arrays.copyOf(values.data, values.n), values.problem);
		}

		/** The elements of the array the parser stands at, nested arrays flattened. */
		private static void read(JsonParser p, Values values) throws IOException {
			JsonToken token;
			while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
				if (token == JsonToken.START_ARRAY) {
					read(p, values);
				}
				else if (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
					double v = DoubleArrayDeserializer.parse(p.getTextCharacters(), p.getTextOffset(),
							p.getTextLength());
					values.add(Double.isNaN(v) ? p.getDoubleValue() : v);
				}
				else {
					if (values.problem == null) {
						values.problem = "value " + values.n + " is not a finite number";
					}
					p.skipChildren();
					values.add(Double.NaN);
				}
			}
		}

	}

	private static final class Values {

		double[] data = new double[1024];

		int n;

		String problem;

		void add(double v) {
			if (this.n == this.data.length) {
				this.data = Arrays.copyOf(this.data, this.n * 2);
			}
			this.data[this.n++] = v;
		}

	}

}
