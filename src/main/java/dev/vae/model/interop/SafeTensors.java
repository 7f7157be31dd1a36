package dev.vae.model.interop;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae.model.checkpoint.CheckpointException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader (and a small writer) of the safetensors format: an 8-byte little-endian
 * header length N, N bytes of JSON {@code {name: {dtype, shape, data_offsets}, …}} with
 * an optional {@code __metadata__} of strings, then the raw little-endian data. Nothing
 * in a file is executed. The header is checked in full when the file is opened — its size
 * is capped, every tensor's byte length is product(shape) × dtype size, offsets lie
 * inside the data and cover it without overlap or hole — and tensors are read one at a
 * time from the file, so memory holds the largest tensor, not the file.
 */
public final class SafeTensors implements AutoCloseable {

	/** The largest header accepted: names and shapes, never weights. */
	public static final int MAX_HEADER_BYTES = 8 << 20;

	/** The largest single tensor read into memory, in values. */
	public static final long MAX_TENSOR_VALUES = Integer.MAX_VALUE / 8;

	private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

	private final FileChannel channel;

	private final String source;

	private final long dataStart;

	private final Map<String, Tensor> tensors;

	private final Map<String, String> metadata;

	private SafeTensors(FileChannel channel, String source, long dataStart, Map<String, Tensor> tensors,
			Map<String, String> metadata) {
		this.channel = channel;
		this.source = source;
		this.dataStart = dataStart;
		this.tensors = tensors;
		this.metadata = metadata;
	}

	/**
	 * Opens a file and checks its header against its size.
	 * @param source names the file in error messages
	 * @throws CheckpointException naming what is wrong
	 */
	public static SafeTensors open(Path file, String source) throws IOException {
		FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
		try {
			long size = channel.size();
			if (size < 8) {
				throw bad(source, "it has " + size + " bytes, fewer than the 8 of the header length");
			}
			ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
			readFully(channel, length, 0, source);
			long n = length.flip().getLong();
			if (n < 2 || n > MAX_HEADER_BYTES) {
				throw bad(source,
						"its header length " + Long.toUnsignedString(n) + " is not in 2.." + MAX_HEADER_BYTES);
			}
			if (8 + n > size) {
				throw bad(source, "its header length " + n + " runs past the end of the file (" + size + " bytes)");
			}
			ByteBuffer header = ByteBuffer.allocate((int) n);
			readFully(channel, header, 8, source);
			Map<String, String> metadata = new LinkedHashMap<>();
			Map<String, Tensor> tensors = parse(header.array(), size - 8 - n, source, metadata);
			return new SafeTensors(channel, source, 8 + n, tensors, metadata);
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	private static Map<String, Tensor> parse(byte[] header, long dataLength, String source,
			Map<String, String> metadata) {
		JsonNode root;
		try {
			root = JSON.readTree(header);
		}
		catch (JsonProcessingException ex) {
			throw bad(source, "its header is not valid JSON (" + firstLine(ex.getOriginalMessage()) + ")");
		}
		catch (IOException ex) {
			throw bad(source, "its header cannot be read");
		}
		if (root == null || !root.isObject()) {
			throw bad(source, "its header is not a JSON object");
		}
		Map<String, Tensor> tensors = new LinkedHashMap<>();
		for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
			Map.Entry<String, JsonNode> field = it.next();
			String name = field.getKey();
			if ("__metadata__".equals(name)) {
				readMetadata(field.getValue(), source, metadata);
				continue;
			}
			tensors.put(name, tensor(name, field.getValue(), dataLength, source));
		}
		List<Tensor> byOffset = new ArrayList<>(tensors.values());
		byOffset.sort(Comparator.comparingLong(Tensor::begin).thenComparingLong(Tensor::end));
		long covered = 0;
		for (Tensor t : byOffset) {
			if (t.begin() < covered) {
				throw bad(source, "tensor '" + t.name() + "' overlaps the one before it (its data starts at "
						+ t.begin() + ", the previous ends at " + covered + ")");
			}
			if (t.begin() > covered) {
				throw bad(source, "bytes " + covered + ".." + t.begin() + " of the data belong to no tensor");
			}
			covered = t.end();
		}
		if (covered != dataLength) {
			throw bad(source, "the header describes " + covered + " bytes of data, the file holds " + dataLength);
		}
		return Collections.unmodifiableMap(tensors);
	}

	private static void readMetadata(JsonNode node, String source, Map<String, String> metadata) {
		if (!node.isObject()) {
			throw bad(source, "its __metadata__ is not an object of strings");
		}
		for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
			Map.Entry<String, JsonNode> entry = it.next();
			if (!entry.getValue().isTextual()) {
				throw bad(source, "its __metadata__ value '" + entry.getKey() + "' is not a string");
			}
			metadata.put(entry.getKey(), entry.getValue().textValue());
		}
	}

	private static Tensor tensor(String name, JsonNode node, long dataLength, String source) {
		if (name.isEmpty() || !node.isObject() || node.size() != 3 || !node.has("dtype") || !node.has("shape")
				|| !node.has("data_offsets")) {
			throw bad(source, "tensor '" + name + "' must be exactly {dtype, shape, data_offsets}");
		}
		DType dtype = DType.of(node.get("dtype").asText(null))
			.orElseThrow(() -> bad(source, "tensor '" + name + "' has dtype " + node.get("dtype") + "; expected one of "
					+ Arrays.toString(DType.values())));
		JsonNode shapeNode = node.get("shape");
		JsonNode offsets = node.get("data_offsets");
		if (!shapeNode.isArray() || shapeNode.size() > 8) {
			throw bad(source, "tensor '" + name + "' has a shape that is not a list of at most 8 sizes");
		}
		int[] shape = new int[shapeNode.size()];
		long count = 1;
		for (int i = 0; i < shape.length; i++) {
			JsonNode d = shapeNode.get(i);
			if (!d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0) {
				throw bad(source,
						"tensor '" + name + "' has a shape size " + d + " that is not a small natural number");
			}
			shape[i] = d.intValue();
			count = Math.multiplyExact(count, (long) shape[i]);
			if (count > Long.MAX_VALUE / 16) {
				throw bad(source, "tensor '" + name + "' has too many values");
			}
		}
		if (!offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
				|| !offsets.get(1).canConvertToLong() || !offsets.get(0).isIntegralNumber()
				|| !offsets.get(1).isIntegralNumber()) {
			throw bad(source, "tensor '" + name + "' must have data_offsets [begin, end]");
		}
		long begin = offsets.get(0).longValue();
		long end = offsets.get(1).longValue();
		if (begin < 0 || end < begin || end > dataLength) {
			throw bad(source, "tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] outside the data's "
					+ dataLength + " bytes");
		}
		long bytes = count * dtype.bytes;
		if (end - begin != bytes) {
			throw bad(source, "tensor '" + name + "' is " + dtype + " " + Arrays.toString(shape) + ", " + bytes
					+ " bytes, but its data_offsets span " + (end - begin));
		}
		return new Tensor(name, dtype, shape, count, begin, end);
	}

	/** The tensors by name, in header order. */
	public Map<String, Tensor> tensors() {
		return this.tensors;
	}

	/** The {@code __metadata__} strings. */
	public Map<String, String> metadata() {
		return Collections.unmodifiableMap(this.metadata);
	}

	/** One floating-point tensor's values as float32, in 'c' order. */
	public float[] floats(String name) throws IOException {
		Tensor t = this.tensors.get(name);
		if (t == null) {
			throw bad(this.source, "it has no tensor '" + name + "'");
		}
		if (!t.dtype().floating) {
			throw bad(this.source, "tensor '" + name + "' is " + t.dtype() + ", not a floating-point tensor");
		}
		if (t.count() > MAX_TENSOR_VALUES) {
			throw bad(this.source,
					"tensor '" + name + "' has " + t.count() + " values, more than " + MAX_TENSOR_VALUES);
		}
		ByteBuffer raw = ByteBuffer.allocate(Math.toIntExact(t.end() - t.begin())).order(ByteOrder.LITTLE_ENDIAN);
		readFully(this.channel, raw, this.dataStart + t.begin(), this.source);
		raw.flip();
		float[] values = new float[(int) t.count()];
		for (int i = 0; i < values.length; i++) {
			values[i] = switch (t.dtype()) {
				case F32 -> raw.getFloat();
				case F64 -> (float) raw.getDouble();
				case F16 -> halfToFloat(raw.getShort());
				// bfloat16 is the upper half of a float32
				case BF16 -> Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
				case I64, I32, I16, I8, U8, BOOL -> throw new IllegalStateException("not floating");
			};
		}
		return values;
	}

	/** IEEE 754 binary16 to float32, subnormals, infinities and NaN included. */
	static float halfToFloat(short half) {
		int h = half & 0xffff;
		int sign = (h >>> 15) << 31;
		int exponent = (h >>> 10) & 0x1f;
		int mantissa = h & 0x3ff;
		if (exponent == 0x1f) {
			return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
		}
		if (exponent == 0) {
			// m · 2^−24
			float magnitude = mantissa * 0x1p-24f;
			return (sign != 0) ? -magnitude : magnitude;
		}
		return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

	/**
	 * Writes float32 tensors, in the given order, with string metadata; the header is
	 * padded with spaces to a multiple of 8 bytes, as the reference writer does.
	 */
	public static void write(OutputStream out, Map<String, Entry> tensors, Map<String, String> metadata)
			throws IOException {
		ObjectNode header = JSON.createObjectNode();
		if (!metadata.isEmpty()) {
			ObjectNode meta = header.putObject("__metadata__");
			metadata.forEach(meta::put);
		}
		long offset = 0;
		for (Map.Entry<String, Entry> e : tensors.entrySet()) {
			ObjectNode t = header.putObject(e.getKey());
			t.put("dtype", "F32");
			e.getValue().shape().forEach(t.putArray("shape")::add);
			long end = offset + 4L * e.getValue().values().length;
			t.putArray("data_offsets").add(offset).add(end);
			offset = end;
		}
		byte[] json = JSON.writeValueAsBytes(header);
		int padded = (json.length + 7) / 8 * 8;
		byte[] headerBytes = Arrays.copyOf(json, padded);
		Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
		out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
		out.write(headerBytes);
		for (Entry entry : tensors.values()) {
			ByteBuffer data = ByteBuffer.allocate(4 * entry.values().length).order(ByteOrder.LITTLE_ENDIAN);
			for (float v : entry.values()) {
				data.putFloat(v);
			}
			out.write(data.array());
		}
	}

	private static void readFully(FileChannel channel, ByteBuffer buffer, long position, String source)
			throws IOException {
		long at = position;
		while (buffer.hasRemaining()) {
			int n = channel.read(buffer, at);
			if (n < 0) {
				throw bad(source, "it ends early");
			}
			at += n;
		}
	}

	static CheckpointException bad(String source, String why) {
		return new CheckpointException("safetensors file " + source + " is not valid: " + why);
	}

	private static String firstLine(String message) {
		if (message == null) {
			return "no detail";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	/** A tensor to write: its shape and float32 values in 'c' order. */
	public record Entry(List<Integer> shape, float[] values) {
	}

	/**
	 * One tensor as the header describes it.
	 *
	 * @param name its name
	 * @param dtype its element type
	 * @param shape its sizes
	 * @param count product of the sizes
	 * @param begin first byte in the data
	 * @param end one past its last byte
	 */
	public record Tensor(String name, DType dtype, int[] shape, long count, long begin, long end) {

		public List<Integer> shapeList() {
			return Arrays.stream(this.shape).boxed().toList();
		}

	}

	/** The element types: floating ones are read, the others only checked and skipped. */
	public enum DType {

		F64(8, true), F32(4, true), F16(2, true), BF16(2, true), I64(8, false), I32(4, false), I16(2, false),
		I8(1, false), U8(1, false), BOOL(1, false);

		final int bytes;

		final boolean floating;

		DType(int bytes, boolean floating) {
			this.bytes = bytes;
			this.floating = floating;
		}

		static java.util.Optional<DType> of(String name) {
			return Arrays.stream(values()).filter((d) -> d.name().equals(name)).findFirst();
		}

	}

}
