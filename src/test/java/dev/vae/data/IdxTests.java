package dev.vae.data;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Writes its own tiny IDX files; nothing is downloaded. */
class IdxTests {

	static byte[] images(int magic, int count, int rows, int cols, byte[] pixels) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		DataOutputStream out = new DataOutputStream(bytes);
		out.writeInt(magic);
		out.writeInt(count);
		out.writeInt(rows);
		out.writeInt(cols);
		out.write(pixels);
		return bytes.toByteArray();
	}

	static byte[] gzip(byte[] plain) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
			gz.write(plain);
		}
		return bytes.toByteArray();
	}

	@Test
	void readsImagesAsValuesInTheUnitInterval() throws IOException {
		byte[] pixels = { 0, (byte) 255, (byte) 128, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
		Dataset data = Idx.readImages(new ByteArrayInputStream(images(0x803, 2, 2, 3, pixels)), "tiny", 1000);
		assertThat(data.shape()).containsExactly(2, 3, 1);
		assertThat(data.examples().count()).isEqualTo(2);
		assertThat(data.examples().values()[1]).isEqualTo(1f);
		assertThat(data.examples().values()[2]).isEqualTo(128 / 255f);
	}

	@Test
	void readsGzippedFilesAndLabels() throws IOException {
		byte[] pixels = new byte[3 * 4];
		Arrays.fill(pixels, (byte) 51);
		Dataset images = Idx.readImages(new ByteArrayInputStream(gzip(images(0x803, 3, 2, 2, pixels))), "gz", 1000);
		ByteArrayOutputStream labelBytes = new ByteArrayOutputStream();
		DataOutputStream out = new DataOutputStream(labelBytes);
		out.writeInt(0x801);
		out.writeInt(3);
		out.write(new byte[] { 7, 0, 9 });
		int[] labels = Idx.readLabels(new ByteArrayInputStream(gzip(labelBytes.toByteArray())), "labels", 1000);
		Dataset labelled = Idx.withLabels(images, labels);
		assertThat(labelled.labels()).containsExactly(7, 0, 9);
		assertThat(labelled.examples().values()).containsOnly(0.2f);
	}

	@Test
	void aWrongMagicNumberIsNamed() {
		assertThatThrownBy(
				() -> Idx.readImages(new ByteArrayInputStream(images(0x801, 1, 1, 1, new byte[1])), "x.idx", 1000))
			.isInstanceOf(DatasetFormatException.class)
			.hasMessage("x.idx has magic number 0x00000801; an IDX image file starts with 0x00000803");
	}

	@Test
	void aTruncatedFileSaysHowMuchIsMissing() {
		assertThatThrownBy(
				() -> Idx.readImages(new ByteArrayInputStream(images(0x803, 2, 2, 2, new byte[5])), "t.idx", 1000))
			.hasMessage("t.idx is truncated: the header declares 8 data bytes, the file holds 5");
	}

	@Test
	void extraBytesMeanTheHeaderIsWrong() {
		assertThatThrownBy(
				() -> Idx.readImages(new ByteArrayInputStream(images(0x803, 1, 2, 2, new byte[6])), "e.idx", 1000))
			.hasMessageContaining("more data than its header declares");
	}

	@Test
	void sizesOverTheLimitAreRefusedBeforeAllocating() {
		assertThatThrownBy(() -> Idx.readImages(new ByteArrayInputStream(images(0x803, 60000, 28, 28, new byte[0])),
				"big.idx", 1_000_000))
			.hasMessageContaining("more than the limit of 1000000");
	}

	@Test
	void labelsMustMatchTheImages() throws IOException {
		Dataset images = Idx.readImages(new ByteArrayInputStream(images(0x803, 2, 1, 1, new byte[2])), "i", 10);
		assertThatThrownBy(() -> Idx.withLabels(images, new int[3]))
			.hasMessage("the label file holds 3 labels for 2 images");
	}

}
