package dev.vae.registry;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The requests the warm-up sends: every inference door a client uses (JSON, binary
 * float32, KServe V2 JSON and binary), with bodies shaped for the served model and filled
 * with random 4-decimal values as clients send them (0/1 values parse along a faster path
 * and would leave the real one cold).
 */
final class WarmupCalls {

	/** Different bodies per call, so that no branch sees only one input. */
	private static final int BODIES = 8;

	private WarmupCalls() {
	}

	/**
	 * One kind of request.
	 *
	 * @param name what the log calls it
	 * @param path the request path
	 * @param contentType its content type
	 * @param headers extra headers
	 * @param bodies bodies to take turns with
	 */
	record Call(String name, String path, String contentType, Map<String, String> headers, List<byte[]> bodies) {
	}

	/** The calls for a model of {@code d} inputs and {@code k} latent dimensions. */
	static List<Call> of(int d, int k, long seed) {
		SplittableRandom random = new SplittableRandom(seed);
		List<Call> calls = new ArrayList<>();
		calls.add(json("/encode", "/encode", random, (r) -> "{\"inputs\":[" + unit(r, d) + "]}"));
		calls.add(json("/encode, 4 rows", "/encode", random,
				(r) -> "{\"inputs\":[" + unit(r, d) + "," + unit(r, d) + "," + unit(r, d) + "," + unit(r, d) + "]}"));
		calls.add(json("/decode", "/decode", random, (r) -> "{\"z\":[" + normal(r, k) + "]}"));
		calls.add(json("/reconstruct", "/reconstruct", random, (r) -> "{\"inputs\":[" + unit(r, d) + "]}"));
		calls.add(json("/loss", "/loss", random,
				(r) -> "{\"inputs\":[" + unit(r, d) + "],\"samples\":1,\"seed\":" + r.nextInt(1000) + "}"));
		calls.add(json("/sample", "/sample", random, (r) -> "{\"n\":1,\"seed\":" + r.nextInt(1000) + "}"));
		calls.add(json("V2 infer", "/v2/models/vae/infer", random, (r) -> "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,"
				+ d + "],\"datatype\":\"FP32\",\"data\":" + unit(r, d) + "}]}"));
		calls.add(binary("/encode, float32", "/encode", Map.of(), random, (r) -> floats(r, d, true)));
		calls.add(binary("/decode, float32", "/decode", Map.of(), random, (r) -> floats(r, k, false)));
		byte[] header = ("{\"inputs\":[{\"name\":\"x\",\"shape\":[1," + d
				+ "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + 4 * d + "}}]}")
			.getBytes(StandardCharsets.UTF_8);
		calls.add(binary("V2 infer, binary", "/v2/models/vae/infer",
				Map.of("Inference-Header-Content-Length", String.valueOf(header.length)), random, (r) -> {
					byte[] values = floats(r, d, true);
					byte[] body = new byte[header.length + values.length];
					System.arraycopy(header, 0, body, 0, header.length);
					System.arraycopy(values, 0, body, header.length, values.length);
					return body;
				}));
		return List.copyOf(calls);
	}

	private static Call json(String name, String path, SplittableRandom random,
			java.util.function.Function<SplittableRandom, String> body) {
		List<byte[]> bodies = new ArrayList<>();
		for (int i = 0; i < BODIES; i++) {
			bodies.add(body.apply(random).getBytes(StandardCharsets.UTF_8));
		}
		return new Call(name, path, "application/json", Map.of(), List.copyOf(bodies));
	}

	private static Call binary(String name, String path, Map<String, String> headers, SplittableRandom random,
			java.util.function.Function<SplittableRandom, byte[]> body) {
		List<byte[]> bodies = new ArrayList<>();
		for (int i = 0; i < BODIES; i++) {
			bodies.add(body.apply(random));
		}
		return new Call(name, path, "application/octet-stream", headers, List.copyOf(bodies));
	}

	/** A JSON array of n values in [0, 1] with 4 decimals. */
	private static String unit(SplittableRandom random, int n) {
		StringBuilder s = new StringBuilder(n * 7).append('[');
		for (int i = 0; i < n; i++) {
			s.append((i == 0) ? "" : ",").append(random.nextInt(10001) / 10000.0);
		}
		return s.append(']').toString();
	}

	/** A JSON array of n standard normal values with 4 decimals. */
	private static String normal(SplittableRandom random, int n) {
		StringBuilder s = new StringBuilder(n * 8).append('[');
		for (int i = 0; i < n; i++) {
			s.append((i == 0) ? "" : ",").append(Math.round(gaussian(random) * 10000) / 10000.0);
		}
		return s.append(']').toString();
	}

	/** n little-endian float32 values, in [0, 1] or standard normal. */
	private static byte[] floats(SplittableRandom random, int n, boolean unit) {
		ByteBuffer buffer = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < n; i++) {
			buffer.putFloat(unit ? (float) (random.nextInt(10001) / 10000.0) : (float) gaussian(random));
		}
		return buffer.array();
	}

	/** A standard normal draw (Box–Muller). */
	private static double gaussian(SplittableRandom random) {
		return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
	}

}
