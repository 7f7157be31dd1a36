package dev.vae.serving;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * The binary tensor data extension of the Open Inference Protocol, as Triton and KServe
 * clients send it: a JSON header of {@code Inference-Header-Content-Length} bytes, then
 * the raw little-endian tensors in the order of the inputs whose {@code parameters} carry
 * {@code binary_data_size}. Outputs asked for with {@code "binary_data": true} (or every
 * output, with the request parameter {@code binary_data_output}) come back the same way.
 */
final class V2Binary {

	static final String HEADER_LENGTH = "Inference-Header-Content-Length";

	private V2Binary() {
	}

	/** A request split into its JSON header and the bytes after it. */
	record Request(V2Api.InferenceRequest header, ByteBuffer tail) {
	}

	static Request parse(byte[] body, long headerLength, ObjectMapper json) {
		if (headerLength < 2 || headerLength > body.length) {
			throw bad(HEADER_LENGTH + " is " + headerLength + " but the body holds " + body.length + " bytes");
		}
		V2Api.InferenceRequest header;
		try {
			header = json.readValue(body, 0, (int) headerLength, V2Api.InferenceRequest.class);
		}
		catch (IOException ex) {
			throw bad("the first " + headerLength
					+ " bytes are not a valid inference request header (JSON with 'inputs')");
		}
		ByteBuffer tail = ByteBuffer.wrap(body, (int) headerLength, body.length - (int) headerLength)
			.slice()
			.order(ByteOrder.LITTLE_ENDIAN);
		return new Request(header, tail);
	}

	/**
	 * The values of an input sent as binary data: {@code count} FP32 or FP64 values, its
	 * {@code binary_data_size} bytes.
	 */
	static double[] values(V2Api.RequestInput in, long count, ByteBuffer tail) {
		int size = switch (in.datatype()) {
			case "FP32" -> 4;
			case "FP64" -> 8;
			default ->
				throw bad("input '" + in.name() + "' has datatype " + in.datatype() + "; FP32 or FP64 is expected");
		};
		long declared = binarySize(in);
		if (declared != count * size) {
			throw bad("input '" + in.name() + "' declares binary_data_size " + declared
					+ "; its shape and datatype need " + count * size + " bytes");
		}
		if (tail.remaining() != declared) {
			throw bad("input '" + in.name() + "' declares " + declared + " bytes of binary data; the body holds "
					+ tail.remaining() + " after the header");
		}
		double[] values = new double[(int) count];
		for (int i = 0; i < values.length; i++) {
			values[i] = (size == 4) ? tail.getFloat() : tail.getDouble();
		}
		return values;
	}

	/** An input's {@code binary_data_size}, or −1 when its data is JSON. */
	static long binarySize(V2Api.RequestInput in) {
		Object size = (in.parameters() != null) ? in.parameters().get("binary_data_size") : null;
		if (size == null) {
			return -1;
		}
		if (!(size instanceof Number n) || n.longValue() < 0) {
			throw bad("input '" + in.name() + "' has a binary_data_size that is not a size: " + size);
		}
		return n.longValue();
	}

	/** Whether the request asks for any output as binary data. */
	static boolean wanted(V2Api.InferenceRequest request) {
		if (request.parameters() != null && Boolean.TRUE.equals(request.parameters().get("binary_data_output"))) {
			return true;
		}
		return request.outputs() != null && request.outputs()
			.stream()
			.anyMatch((o) -> o != null && o.parameters() != null
					&& Boolean.TRUE.equals(o.parameters().get("binary_data")));
	}

	/**
	 * The response as a JSON header whose outputs name their {@code binary_data_size},
	 * followed by their values (FP32 as float32, FP64 as float64, little-endian).
	 * @return the header length and the whole body
	 */
	static Response write(V2Api.InferenceResponse response, ObjectMapper json) throws IOException {
		List<V2Api.ResponseOutput> described = new ArrayList<>();
		ByteArrayOutputStream data = new ByteArrayOutputStream();
		for (V2Api.ResponseOutput out : response.outputs()) {
			boolean single = out.datatype().equals("FP32");
			ByteBuffer bytes = ByteBuffer.allocate(out.data().length * (single ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
			for (double v : out.data()) {
				if (single) {
					bytes.putFloat((float) v);
				}
				else {
					bytes.putDouble(v);
				}
			}
			data.write(bytes.array());
			Map<String, Object> parameters = new LinkedHashMap<>();
			parameters.put("binary_data_size", bytes.capacity());
			described.add(new V2Api.ResponseOutput(out.name(), out.shape(), out.datatype(), parameters, null));
		}
		byte[] header = json.writeValueAsBytes(
				new V2Api.InferenceResponse(response.modelName(), response.modelVersion(), response.id(), described));
		ByteArrayOutputStream body = new ByteArrayOutputStream(header.length + data.size());
		body.write(header);
		data.writeTo(body);
		return new Response(header.length, body.toByteArray());
	}

	/** A binary response: its header length and body. */
	record Response(int headerLength, byte[] body) {
	}

	private static V2Exception bad(String message) {
		return new V2Exception(HttpStatus.BAD_REQUEST, message);
	}

}
