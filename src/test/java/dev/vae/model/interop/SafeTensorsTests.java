package dev.vae.model.interop;

import dev.vae.model.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The strict safetensors reader on hand-made files, good and hostile. */
class SafeTensorsTests {

	@TempDir
	Path dir;

	@Test
	void readsWhatItWritesWithMetadata() throws IOException {
		Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
		tensors.put("a.weight", new SafeTensors.Entry(List.of(2, 3), new float[] { 1, 2, 3, 4, 5, -6.5f }));
		tensors.put("a.bias", new SafeTensors.Entry(List.of(2), new float[] { 0.25f, -1e-30f }));
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		SafeTensors.write(out, tensors, Map.of("format", "pt"));
		try (SafeTensors read = SafeTensors.open(file(out.toByteArray()), "test")) {
			assertThat(read.metadata()).containsEntry("format", "pt");
			assertThat(read.tensors()).containsOnlyKeys("a.weight", "a.bias");
			assertThat(read.tensors().get("a.weight").shapeList()).isEqualTo(List.of(2, 3));
			assertThat(read.floats("a.weight")).containsExactly(1, 2, 3, 4, 5, -6.5f);
			assertThat(read.floats("a.bias")).containsExactly(0.25f, -1e-30f);
		}
	}

	@Test
	void convertsF64F16AndBf16ToFloat() throws IOException {
		ByteBuffer data = ByteBuffer.allocate(8 * 2 + 2 * 4 + 2 * 2).order(ByteOrder.LITTLE_ENDIAN);
		data.putDouble(0.1).putDouble(-3);
		// binary16: 1.0, −2.0, 65504 (largest), 2^−24 (smallest subnormal)
		data.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x7bff).putShort((short) 0x0001);
		// bfloat16: 1.0, −0.5
		data.putShort((short) 0x3f80).putShort((short) 0xbf00);
		String header = "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
				+ "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[16,24]},"
				+ "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]}}";
		try (SafeTensors read = SafeTensors.open(file(header, data.array()), "test")) {
			assertThat(read.floats("d")).containsExactly(0.1f, -3f);
			assertThat(read.floats("h")).containsExactly(1f, -2f, 65504f, 0x1p-24f);
			assertThat(read.floats("b")).containsExactly(1f, -0.5f);
		}
	}

	@Test
	void integerTensorsAreCheckedButNotReadAsWeights() throws IOException {
		String header = "{\"bn.num_batches_tracked\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}";
		try (SafeTensors read = SafeTensors.open(file(header, new byte[8]), "test")) {
			assertThatThrownBy(() -> read.floats("bn.num_batches_tracked")).isInstanceOf(CheckpointException.class)
				.hasMessageContaining("not a floating-point tensor");
		}
	}

	@Test
	void refusesTruncatedFilesAndHeadersThatLie() {
		String one = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
		assertRefused(new byte[5], "fewer than the 8");
		assertRefused(bytes(one, new byte[4]), "outside the data's 4 bytes");
		byte[] cut = bytes(one, new byte[8]);
		assertRefused(Arrays.copyOf(cut, 20), "runs past the end");
		ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).putLong(0);
		assertRefused(huge.array(), "is not in 2..");
		assertRefused(bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
				"12 bytes, but its data_offsets span 8");
		assertRefused(bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[8]),
				"outside the data");
		assertRefused(
				bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
						+ "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
				"overlaps");
		assertRefused(bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
				"belong to no tensor");
		assertRefused(
				bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
						+ "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
				"not valid JSON");
		assertRefused(bytes("{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]),
				"dtype \"Q8\"");
		assertRefused(bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", new byte[0]),
				"natural number");
		assertRefused(bytes("[1,2]", new byte[0]), "not a JSON object");
		assertRefused(bytes("{\"__metadata__\":{\"x\":1}}", new byte[0]), "not a string");
		assertRefused(bytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", new byte[4]),
				"exactly {dtype, shape, data_offsets}");
		// a pickle is not a safetensors file
		assertRefused(new byte[] { (byte) 0x80, 2, 'c', 'o', 's', 0, 0, 0, 0, 0 }, "header length");
	}

	private void assertRefused(byte[] bytes, String message) {
		assertThatThrownBy(() -> {
			try (SafeTensors read = SafeTensors.open(file(bytes), "test")) {
				read.tensors();
			}
		}).isInstanceOf(CheckpointException.class).hasMessageContaining(message);
	}

	private Path file(String header, byte[] data) throws IOException {
		return file(bytes(header, data));
	}

	private Path file(byte[] bytes) throws IOException {
		Path file = Files.createTempFile(this.dir, "t", ".safetensors");
		Files.write(file, bytes);
		return file;
	}

	static byte[] bytes(String header, byte[] data) {
		byte[] json = header.getBytes(StandardCharsets.UTF_8);
		return ByteBuffer.allocate(8 + json.length + data.length)
			.order(ByteOrder.LITTLE_ENDIAN)
			.putLong(json.length)
			.put(json)
			.put(data)
			.array();
	}

}
