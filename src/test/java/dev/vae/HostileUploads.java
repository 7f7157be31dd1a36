package dev.vae;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.variational.BernoulliReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Uploads an attacker builds cheaply: DL4J zips whose coefficients.bin is hundreds of
 * megabytes of zeros (a few hundred kilobytes compressed), ImageFolder zips, and the
 * multipart bodies that carry them.
 */
public final class HostileUploads {

	private HostileUploads() {
	}

	/** A multipart/form-data body: its bytes and its Content-Type. */
	public record Multipart(byte[] body, String contentType) {
	}

	/** Parts by name: byte[] values are files, anything else a text field. */
	public static Multipart multipart(Map<String, Object> parts) {
		String boundary = "----hostile" + System.nanoTime();
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		try {
			for (Map.Entry<String, Object> part : parts.entrySet()) {
				body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + part.getKey() + "\"")
					.getBytes(StandardCharsets.UTF_8));
				if (part.getValue() instanceof byte[] file) {
					body.write(("; filename=\"" + part.getKey() + ".bin\"\r\nContent-Type: application/octet-stream"
							+ "\r\n\r\n")
						.getBytes(StandardCharsets.UTF_8));
					body.write(file);
				}
				else {
					body.write(("\r\n\r\n" + part.getValue()).getBytes(StandardCharsets.UTF_8));
				}
				body.write("\r\n".getBytes(StandardCharsets.US_ASCII));
			}
			body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return new Multipart(body.toByteArray(), "multipart/form-data; boundary=" + boundary);
	}

	/** One file part named {@code name}. */
	public static Multipart file(String name, byte[] file) {
		Map<String, Object> parts = new LinkedHashMap<>();
		parts.put(name, file);
		return multipart(parts);
	}

	/** A real DL4J ModelSerializer zip of a tiny VAE (8 inputs, 3 latent). */
	public static byte[] dl4jZip(Path dir) {
		MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
			.seed(13)
			.list()
			.layer(new VariationalAutoencoder.Builder().nIn(8)
				.nOut(3)
				.encoderLayerSizes(7, 5)
				.decoderLayerSizes(6)
				.activation(Activation.TANH)
				.reconstructionDistribution(new BernoulliReconstructionDistribution(Activation.SIGMOID))
				.build())
			.build());
		net.init();
		try {
			Path file = Files.createTempFile(dir, "dl4j", ".zip");
			ModelSerializer.writeModel(net, file.toFile(), false);
			return Files.readAllBytes(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** An entry of a zip. */
	public static byte[] entry(byte[] zip, String name) {
		try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(
				new java.io.ByteArrayInputStream(zip))) {
			for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
				if (e.getName().equals(name)) {
					return in.readAllBytes();
				}
			}
			throw new IllegalArgumentException("no entry " + name);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A DL4J zip with a tiny VAE's configuration.json and a coefficients.bin of ND4J's
	 * header declaring {@code declared} FLOAT values followed by {@code zeroBytes} zeros,
	 * deflated (300 MB of zeros are about 300 KB).
	 */
	public static byte[] dl4jZipOfZeros(byte[] configuration, long declared, long zeroBytes) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
			zip.setLevel(Deflater.BEST_COMPRESSION);
			zip.putNextEntry(new ZipEntry("configuration.json"));
			zip.write(configuration);
			zip.closeEntry();
			zip.putNextEntry(new ZipEntry("coefficients.bin"));
			DataOutputStream header = new DataOutputStream(zip);
			header.writeUTF("MIXED_DATA_TYPES");
			header.writeLong(8);
			header.writeUTF("LONG");
			long[] shapeInfo = { 2, 1, declared, declared, 1, 0, 1, 99 };
			for (long v : shapeInfo) {
				header.writeLong(v);
			}
			header.writeUTF("MIXED_DATA_TYPES");
			header.writeLong(declared);
			header.writeUTF("FLOAT");
			header.flush();
			zeros(zip, zeroBytes);
			zip.closeEntry();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return bytes.toByteArray();
	}

	private static void zeros(OutputStream out, long count) throws IOException {
		byte[] block = new byte[1 << 20];
		for (long left = count; left > 0; left -= block.length) {
			out.write(block, 0, (int) Math.min(block.length, left));
		}
	}

	/** A zip of images: entry name → PNG bytes. */
	public static byte[] zip(Map<String, byte[]> entries) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
			for (Map.Entry<String, byte[]> e : entries.entrySet()) {
				zip.putNextEntry(new ZipEntry(e.getKey()));
				zip.write(e.getValue());
				zip.closeEntry();
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return bytes.toByteArray();
	}

}
