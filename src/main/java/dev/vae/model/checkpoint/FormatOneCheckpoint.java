package dev.vae.model.checkpoint;

import dev.vae.model.network.Network;

import org.nd4j.linalg.api.buffer.DataType;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Checkpoint format 1, read only (new checkpoints are {@link Checkpoint}'s format 2): a
 * zip holding {@code manifest.json} (a {@link FormatOneManifest}) and
 * {@code parameters.f32}, the flat parameters as little-endian float32 whose SHA-256 the
 * manifest records. Nothing in it is Java-serialised, and reading never trusts a size it
 * has not checked.
 */
public final class FormatOneCheckpoint {

	/** The format this version writes and reads. */
	public static final int FORMAT_VERSION = 1;

	static final String MANIFEST = "manifest.json";

	static final String PARAMETERS = "parameters.f32";

	static final int MAX_MANIFEST_BYTES = 1 << 20;

	static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
		.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(SerializationFeature.INDENT_OUTPUT);

	private FormatOneCheckpoint() {
	}

	/** Reads a checkpoint file. */
	public static Loaded read(Path file, long maxParameters) {
		return fromFile(file, (in) -> read(in, file.toString(), maxParameters));
	}

	/**
	 * Opens a checkpoint file for {@code reader}, naming the file when it is missing or
	 * unreadable.
	 */
	static <T> T fromFile(Path file, java.util.function.Function<InputStream, T> reader) {
		try (InputStream in = Files.newInputStream(file)) {
			return reader.apply(in);
		}
		catch (NoSuchFileException ex) {
			throw new CheckpointException("checkpoint " + file + " does not exist");
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + file + " cannot be read: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Reads a checkpoint from a stream.
	 * @param source names the checkpoint in error messages
	 * @param maxParameters the largest parameter count accepted
	 */
	public static Loaded read(InputStream in, String source, long maxParameters) {
		Scanned scanned = scan(in, source, maxParameters, true);
		return new Loaded(scanned.manifest(), toFloats(scanned.parameters()));
	}

	/**
	 * Checks a checkpoint file as {@link #read} does — entries, manifest, sizes, checksum
	 * — without holding its parameters: they are streamed through the digest, so memory
	 * stays a buffer whatever the file's size.
	 * @return its manifest
	 */
	public static FormatOneManifest verify(Path file, String source, long maxParameters) {
		try (InputStream in = Files.newInputStream(file)) {
			return scan(in, source, maxParameters, false).manifest();
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
	}

	private static Scanned scan(InputStream in, String source, long maxParameters, boolean keep) {
		FormatOneManifest manifest = null;
		byte[] parameters = null;
		long parameterBytes = -1;
		String digest = null;
		try (ZipInputStream zip = new ZipInputStream(in)) {
			ZipEntry entry;
			while ((entry = zip.getNextEntry()) != null) {
				if (MANIFEST.equals(entry.getName()) && manifest == null) {
					manifest = parseManifest(readAtMost(zip, MAX_MANIFEST_BYTES, source, MANIFEST), source,
							maxParameters);
				}
				else if (PARAMETERS.equals(entry.getName()) && parameterBytes < 0) {
					if (manifest == null) {
						throw corrupt(source, MANIFEST + " must come before " + PARAMETERS);
					}
					MessageDigest sha = sha256();
					ByteArrayOutputStream kept = keep ? new ByteArrayOutputStream() : null;
					parameterBytes = copyAtMost(zip, 4 * manifest.parameterCount(), source, PARAMETERS, sha, kept);
					digest = HexFormat.of().formatHex(sha.digest());
					parameters = keep ? kept.toByteArray() : null;
				}
				else {
					throw corrupt(source, "unexpected entry '" + entry.getName() + "'");
				}
			}
		}
		catch (ZipException ex) {
			throw corrupt(source, "not a valid zip archive (" + ex.getMessage() + ")");
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
		if (manifest == null) {
			throw corrupt(source, "it has no " + MANIFEST);
		}
		if (parameterBytes < 0) {
			throw corrupt(source, "it has no " + PARAMETERS);
		}
		if (parameterBytes != 4 * manifest.parameterCount()) {
			throw corrupt(source, PARAMETERS + " holds " + parameterBytes + " bytes, the manifest declares "
					+ manifest.parameterCount() + " float32 parameters (" + 4 * manifest.parameterCount() + " bytes)");
		}
		if (!digest.equals(manifest.parametersSha256())) {
			throw corrupt(source, "the parameters do not match the checksum in the manifest");
		}
		return new Scanned(manifest, parameters);
	}

	/** What a scan found: the manifest, and the parameter bytes when they were kept. */
	private record Scanned(FormatOneManifest manifest, byte[] parameters) {
	}

	/** The manifest as the JSON a checkpoint stores. */
	public static String toJson(FormatOneManifest manifest) {
		try {
			return JSON.writeValueAsString(manifest);
		}
		catch (IOException ex) {
			throw new IllegalStateException("a manifest is always serialisable", ex);
		}
	}

	/** A manifest from JSON written by {@link #toJson}. */
	public static FormatOneManifest fromJson(String json) {
		try {
			return JSON.readValue(json, FormatOneManifest.class);
		}
		catch (IOException ex) {
			throw new CheckpointException("stored manifest is not valid: " + firstLine(ex.getMessage()), ex);
		}
	}

	private static FormatOneManifest parseManifest(byte[] bytes, String source, long maxParameters) {
		FormatOneManifest manifest;
		try {
			// the version first, so that a newer format is named as such, not as corrupt
			com.fasterxml.jackson.databind.JsonNode version = JSON.readTree(bytes).path("formatVersion");
			if (version.isInt() && version.intValue() != FORMAT_VERSION) {
				throw new CheckpointException("checkpoint " + source + " has format version " + version.intValue()
						+ "; this service reads version " + FORMAT_VERSION);
			}
			manifest = JSON.readValue(bytes, FormatOneManifest.class);
		}
		catch (IOException ex) {
			Throwable cause = (ex.getCause() instanceof IllegalArgumentException) ? ex.getCause() : ex;
			throw corrupt(source, "the manifest is not valid: " + firstLine(cause.getMessage()));
		}
		if (manifest.formatVersion() != FORMAT_VERSION) {
			throw new CheckpointException("checkpoint " + source + " has format version " + manifest.formatVersion()
					+ "; this service reads version " + FORMAT_VERSION);
		}
		if (manifest.architecture() == null) {
			throw corrupt(source, "the manifest has no architecture");
		}
		if (!"float32".equals(manifest.parameterType())) {
			throw new CheckpointException("checkpoint " + source + " stores parameters as '" + manifest.parameterType()
					+ "'; this service reads float32");
		}
		long expected = manifest.architecture().parameterCount();
		if (manifest.parameterCount() != expected) {
			throw corrupt(source, "the manifest declares " + manifest.parameterCount()
					+ " parameters but its architecture has " + expected);
		}
		if (expected > maxParameters) {
			throw new CheckpointException("checkpoint " + source + " has " + expected
					+ " parameters, more than the configured limit of " + maxParameters);
		}
		return manifest;
	}

	static byte[] readAtMost(InputStream in, long max, String source, String entry) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		copyAtMost(in, max, source, entry, null, out);
		return out.toByteArray();
	}

	/**
	 * Copies an entry into the digest and (when not null) the output, failing once it
	 * passes {@code max} bytes; returns its length.
	 */
	static long copyAtMost(InputStream in, long max, String source, String entry, MessageDigest sha,
			ByteArrayOutputStream out) throws IOException {
		byte[] buffer = new byte[65536];
		long total = 0;
		int n;
		while ((n = in.read(buffer)) > 0) {
			total += n;
			if (total > max) {
				throw corrupt(source, entry + " is larger than the " + max + " bytes expected");
			}
			if (sha != null) {
				sha.update(buffer, 0, n);
			}
			if (out != null) {
				out.write(buffer, 0, n);
			}
		}
		return total;
	}

	static CheckpointException corrupt(String source, String why) {
		return new CheckpointException("checkpoint " + source + " is corrupt: " + why);
	}

	static String firstLine(String message) {
		if (message == null) {
			return "unreadable";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	static byte[] toBytes(float[] values) {
		ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		buffer.asFloatBuffer().put(values);
		return buffer.array();
	}

	static float[] toFloats(byte[] bytes) {
		float[] values = new float[bytes.length / 4];
		ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
		return values;
	}

	static String sha256(byte[] bytes) {
		return HexFormat.of().formatHex(sha256().digest(bytes));
	}

	static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-256 is part of every Java platform", ex);
		}
	}

	/**
	 * A checkpoint read back.
	 *
	 * @param manifest what it says about itself
	 * @param parameters its flat parameters in format-1 layout (dense weights [in, out],
	 * then bias, layer by layer)
	 */
	public record Loaded(FormatOneManifest manifest, float[] parameters) {

		/** The network as the {@code mlp} preset it is, in float32. */
		public Network network() {
			double[] values = new double[this.parameters.length];
			for (int i = 0; i < values.length; i++) {
				values[i] = this.parameters[i];
			}
			return Network.fromFormatOne(this.manifest.architecture(), values, DataType.FLOAT);
		}

	}

}
