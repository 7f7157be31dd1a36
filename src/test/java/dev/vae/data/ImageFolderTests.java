package dev.vae.data;

import dev.vae.system.VaeProperties;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageFolderTests {

	private static final VaeProperties.Intake LIMITS = new VaeProperties.Intake(DataSize.ofMegabytes(1), 1_000_000,
			4096, DataSize.ofKilobytes(256), 2, 2, java.time.Duration.ofSeconds(1));

	@Test
	void classesAreTheSortedFolderNamesAndImagesAreChannelsFirst() throws IOException {
		// zip order: zebra before apple; ImageFolder numbers apple 0, zebra 1
		byte[] zip = zip(new Object[][] { { "set/zebra/1.png", 0xff0000 }, { "set/apple/a.png", 0x0000ff },
				{ "set/zebra/readme.txt", null }, { "set/zebra/2.png", 0x00ff00 } });
		try (ValueSink.Memory values = ValueSink.inMemory(); ValueSink.Memory labels = ValueSink.inMemory()) {
			Idx.Images read = ImageFolder.read(new ByteArrayInputStream(zip), "t.zip", List.of(4, 4, 3), 10_000, LIMITS,
					values, labels);
			assertThat(read.count()).isEqualTo(3);
			assertThat(read.description()).contains("[apple, zebra]", "1 other files skipped");
			assertThat(labels.ints()).containsExactly(1, 0, 1);
			float[] v = values.floats();
			assertThat(v).hasSize(3 * 48);
			// image 0 is red: R plane 1, G and B planes 0
			assertThat(v[0]).isEqualTo(1f);
			assertThat(v[16]).isEqualTo(0f);
			assertThat(v[32]).isEqualTo(0f);
			// image 1 is blue
			assertThat(v[48 + 32]).isEqualTo(1f);
			assertThat(v[48]).isEqualTo(0f);
		}
	}

	@Test
	void greyIsLuminanceAndTheLimitIsChecked() throws IOException {
		byte[] zip = zip(new Object[][] { { "a/1.png", 0xffffff }, { "a/2.png", 0x808080 } });
		try (ValueSink.Memory values = ValueSink.inMemory(); ValueSink.Memory labels = ValueSink.inMemory()) {
			ImageFolder.read(new ByteArrayInputStream(zip), "g.zip", List.of(2, 2, 1), 100, LIMITS, values, labels);
			assertThat(values.floats()).containsExactly(1, 1, 1, 1, 128 / 255f, 128 / 255f, 128 / 255f, 128 / 255f);
		}
		assertThatThrownBy(() -> ImageFolder.read(new ByteArrayInputStream(zip), "g.zip", List.of(2, 2, 1), 5, LIMITS,
				ValueSink.inMemory(), ValueSink.inMemory()))
			.isInstanceOf(DatasetFormatException.class)
			.hasMessageContaining("vae.storage.max-dataset-values");
	}

	@Test
	void notAZipOrNoImagesIsAClearError() throws IOException {
		assertThatThrownBy(() -> ImageFolder.read(new ByteArrayInputStream("plain text".getBytes()), "x.zip",
				List.of(2, 2, 1), 100, LIMITS, ValueSink.inMemory(), ValueSink.inMemory()))
			.isInstanceOf(DatasetFormatException.class)
			.hasMessageContaining("holds no images");
		byte[] text = zip(new Object[][] { { "a/readme.txt", null } });
		assertThatThrownBy(() -> ImageFolder.read(new ByteArrayInputStream(text), "t.zip", List.of(2, 2, 1), 100,
				LIMITS, ValueSink.inMemory(), ValueSink.inMemory()))
			.hasMessageContaining("holds no images");
	}

	/** A zip of {name, rgb} entries: a 4×4 PNG of one colour, or a text file for null. */
	static byte[] zip(Object[][] entries) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
			for (Object[] entry : entries) {
				zip.putNextEntry(new ZipEntry((String) entry[0]));
				if (entry[1] == null) {
					zip.write("not an image".getBytes());
				}
				else {
					BufferedImage image = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
					for (int y = 0; y < 4; y++) {
						for (int x = 0; x < 4; x++) {
							image.setRGB(x, y, (Integer) entry[1]);
						}
					}
					ImageIO.write(image, "png", zip);
				}
				zip.closeEntry();
			}
		}
		return bytes.toByteArray();
	}

}
