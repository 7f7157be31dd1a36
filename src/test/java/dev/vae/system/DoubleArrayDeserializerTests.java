package dev.vae.system;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fast path gives the double {@link Double#parseDouble} gives, bit for bit, for every
 * number it takes, hands the rest to Jackson, and leaves errors as they were.
 */
class DoubleArrayDeserializerTests {

	private static final ObjectMapper FAST = strict(new ObjectMapper()
		.registerModule(new SimpleModule().addDeserializer(double[].class, new DoubleArrayDeserializer())));

	private static final ObjectMapper PLAIN = strict(new ObjectMapper());

	/** The service's rules: no null for a primitive, no number from a string. */
	private static ObjectMapper strict(ObjectMapper mapper) {
		mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
		for (LogicalType type : new LogicalType[] { LogicalType.Integer, LogicalType.Float }) {
			mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
		}
		return mapper;
	}

	private static String aNumber(SplittableRandom random) {
		return switch (random.nextInt(8)) {
			// what clients send: 4 decimals in [0, 1]
			case 0 -> String.format("%.4f", random.nextDouble());
			case 1 -> String.format("%.4f", -random.nextDouble() * 100);
			case 2 -> Long.toString(random.nextLong(-1_000_000, 1_000_000));
			// up to 17 significant digits, the longest a double needs
			case 3 -> Double.toString(random.nextDouble());
			case 4 -> new java.math.BigDecimal(random.nextLong(1, 1L << 53)).scaleByPowerOfTen(-random.nextInt(0, 23))
				.toPlainString();
			// beyond the fast path: exponents, 19+ digits, more than 2⁵³
			case 5 -> String.format("%.8f", random.nextDouble()) + "e" + random.nextInt(-300, 300);
			case 6 -> "0." + "0".repeat(random.nextInt(15, 25)) + random.nextInt(1, 99999);
			default -> Long.toString(random.nextLong()) + "." + random.nextInt(0, 1000);
		};
	}

	@Test
	void everyNumberArrivesAsParseDoubleGivesItBitForBit() throws Exception {
		SplittableRandom random = new SplittableRandom(2026);
		int fast = 0;
		for (int round = 0; round < 200; round++) {
			String[] numbers = new String[500];
			for (int i = 0; i < numbers.length; i++) {
				numbers[i] = aNumber(random);
			}
			double[] parsed = FAST.readValue("[" + String.join(", ", numbers) + "]", double[].class);
			assertThat(parsed).hasSize(numbers.length);
			for (int i = 0; i < numbers.length; i++) {
				assertThat(Double.doubleToRawLongBits(parsed[i])).as(numbers[i])
					.isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(numbers[i])));
				char[] text = numbers[i].toCharArray();
				if (!Double.isNaN(DoubleArrayDeserializer.parse(text, 0, text.length))) {
					fast++;
				}
			}
		}
		// most of them took the fast path, and some did not
		assertThat(fast).isBetween(50_000, 90_000);
		assertThat(FAST.readValue("[-0, 0, -0.0]", double[].class)).containsExactly(-0.0, 0.0, -0.0);
		assertThat(Double.doubleToRawLongBits(FAST.readValue("[-0]", double[].class)[0]))
			.isEqualTo(Double.doubleToRawLongBits(-0.0));
	}

	@Test
	void nullsStringsAndNonArraysFailAsJacksonsOwnDeserializerFails() throws Exception {
		for (String body : new String[] { "[[0.5, null]]", "[[0.5, \"0.5\"]]", "[[0.5, {}]]", "[0.5]",
				"[[0.5, [1]]]" }) {
			Throwable plain = catchIt(body, () -> PLAIN.readValue(body, double[][].class));
			Throwable fast = catchIt(body, () -> FAST.readValue(body, double[][].class));
			assertThat(fast).as(body).isInstanceOf(plain.getClass());
			assertThat(((MismatchedInputException) fast).getPath().toString()).as(body)
				.isEqualTo(((MismatchedInputException) plain).getPath().toString());
		}
	}

	private static Throwable catchIt(String body, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
		try {
			call.call();
		}
		catch (Throwable ex) {
			return ex;
		}
		throw new AssertionError("no failure for " + body);
	}

}
