package dev.vae.model.checkpoint;

import dev.vae.model.network.Network;
import dev.vae.model.network.Passes;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.ByteArrayInputStream;
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
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Checkpoint format 2, for layered networks: a zip of {@code manifest.json} (a
 * {@link Manifest} holding the layer list), {@code parameters.f32} and
 * {@code buffers.f32} (batch-norm running statistics), both little-endian float32 with
 * their SHA-256 in the manifest. Reading also accepts format-1 files, as the equivalent
 * {@code mlp} network its weights describe ({@link FormatOneCheckpoint} reads them),
 * converted on load; nothing writes format 1 any more.
 */
public final class Checkpoint {

	/** The format this class writes. */
	public static final int FORMAT_VERSION = 2;

	static final String MANIFEST = "manifest.json";

	static final String PARAMETERS = "parameters.f32";

	static final String BUFFERS = "buffers.f32";

	static final int MAX_MANIFEST_BYTES = 1 << 20;

	static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
		.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(SerializationFeature.INDENT_OUTPUT);

	private Checkpoint() {
	}

	/**
	 * Writes the network atomically (a temporary file beside the target, then renamed).
	 * @return the manifest as written, with counts and checksums
	 */
	public static Manifest write(Path target, Manifest draft, Network network) throws IOException {
		byte[] parameters = toBytes(network.parametersAsFloats());
		byte[] buffers = toBytes(network.buffersAsFloats());
		Manifest manifest = new Manifest(FORMAT_VERSION, draft.name(), draft.createdAt(), network.architecture(),
				"float32", 0, null, 0, null, draft.training(), draft.metrics())
			.withArrays(sha256(parameters), sha256(buffers));
		Path dir = target.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
		try {
			try (OutputStream out = Files.newOutputStream(temp); ZipOutputStream zip = new ZipOutputStream(out)) {
				put(zip, MANIFEST, JSON.writeValueAsBytes(manifest));
				put(zip, PARAMETERS, parameters);
				put(zip, BUFFERS, buffers);
			}
			replace(temp, target);
		}
		finally {
			Files.deleteIfExists(temp);
		}
		return manifest;
	}

	/**
	 * Renames a complete temporary file over {@code target}, atomically where the file
	 * system can.
	 */
	static void replace(Path temp, Path target) throws IOException {
		try {
			Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
		}
		catch (AtomicMoveNotSupportedException ex) {
			Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
		}
	}

	private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
		zip.putNextEntry(new ZipEntry(name));
		zip.write(bytes);
		zip.closeEntry();
	}

	/** Reads a format-1 or format-2 checkpoint file. */
	public static Loaded read(Path file, long maxParameters) {
		return fromFile(file, (in) -> read(in, file.toString(), maxParameters));
	}

	/**
	 * Reads a format-1 or format-2 checkpoint from a stream.
	 * @param source names the checkpoint in error messages
	 * @param maxParameters the largest parameter (and buffer) count accepted
	 */
	public static Loaded read(InputStream in, String source, long maxParameters) {
		long cap = Math.min(Integer.MAX_VALUE - 16, 8 * maxParameters + 2L * MAX_MANIFEST_BYTES);
		byte[] raw;
		try {
			raw = in.readNBytes((int) cap + 1);
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
		if (raw.length > cap) {
			throw corrupt(source, "it is larger than " + cap + " bytes");
		}
		Map<String, byte[]> entries = entries(raw, source, 4 * maxParameters);
		byte[] manifestBytes = entries.get(MANIFEST);
		if (manifestBytes == null) {
			throw corrupt(source, "it has no " + MANIFEST);
		}
		int version = version(manifestBytes, source);
		if (version == FormatOneCheckpoint.FORMAT_VERSION) {
			FormatOneCheckpoint.Loaded old = FormatOneCheckpoint.read(new ByteArrayInputStream(raw), source,
					maxParameters);
			return new Loaded(Manifest.of(old.manifest()), old.network());
		}
		if (version != FORMAT_VERSION) {
			throw new CheckpointException("checkpoint " + source + " has format version " + version
					+ "; this service reads versions 1 and 2");
		}
		Manifest manifest = parse(manifestBytes, source, maxParameters);
		float[] parameters = array(entries, PARAMETERS, manifest.parameterCount(), manifest.parametersSha256(), source);
		float[] buffers = array(entries, BUFFERS, manifest.bufferCount(), manifest.buffersSha256(), source);
		Network network = Network.of(manifest.architecture(), parameters, buffers);
		return new Loaded(manifest, network);
	}

	/**
	 * Checks a format-1 or format-2 checkpoint file as {@link #read} does — entries,
	 * manifest, sizes, checksums — without holding its arrays: they stream through their
	 * digests, so memory stays a buffer whatever the file's size. The manifest must be
	 * the first entry, as both formats write it.
	 * @return its manifest (a format-1 one converted)
	 */
	public static Manifest verify(Path file, String source, long maxParameters) {
		byte[] manifestBytes;
		try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
			ZipEntry first = zip.getNextEntry();
			if (first == null || !MANIFEST.equals(first.getName())) {
				throw corrupt(source, "its first entry must be " + MANIFEST);
			}
			manifestBytes = readAtMost(zip, MAX_MANIFEST_BYTES, source, MANIFEST);
			int version = version(manifestBytes, source);
			if (version == FormatOneCheckpoint.FORMAT_VERSION) {
				return Manifest.of(FormatOneCheckpoint.verify(file, source, maxParameters));
			}
			if (version != FORMAT_VERSION) {
				throw new CheckpointException("checkpoint " + source + " has format version " + version
						+ "; this service reads versions 1 and 2");
			}
			Manifest manifest = parse(manifestBytes, source, maxParameters);
			Map<String, String> digests = new HashMap<>();
			Map<String, Long> lengths = new HashMap<>();
			for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
				String name = entry.getName();
				long count = PARAMETERS.equals(name) ? manifest.parameterCount()
						: BUFFERS.equals(name) ? manifest.bufferCount() : -1;
				if (count < 0 || digests.containsKey(name)) {
					throw corrupt(source, "unexpected entry '" + name + "'");
				}
				java.security.MessageDigest sha = sha256();
				lengths.put(name, copyAtMost(zip, 4 * count, source, name, sha, null));
				digests.put(name, java.util.HexFormat.of().formatHex(sha.digest()));
			}
			check(digests, lengths, PARAMETERS, manifest.parameterCount(), manifest.parametersSha256(), source);
			check(digests, lengths, BUFFERS, manifest.bufferCount(), manifest.buffersSha256(), source);
			return manifest;
		}
		catch (ZipException ex) {
			throw corrupt(source, "not a valid zip archive (" + ex.getMessage() + ")");
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
	}

	private static void check(Map<String, String> digests, Map<String, Long> lengths, String name, long count,
			String sha256, String source) {
		if (!digests.containsKey(name)) {
			throw corrupt(source, "it has no " + name);
		}
		if (lengths.get(name) != 4 * count) {
			throw corrupt(source, name + " holds " + lengths.get(name) + " bytes, the manifest declares " + count
					+ " float32 values (" + 4 * count + " bytes)");
		}
		if (!digests.get(name).equals(sha256)) {
			throw corrupt(source, name + " does not match the checksum in the manifest");
		}
	}

	/** A manifest of either format as the JSON the registry stores. */
	public static String toJson(Manifest manifest) {
		try {
			return JSON.writeValueAsString(manifest);
		}
		catch (IOException ex) {
			throw new IllegalStateException("a manifest is always serialisable", ex);
		}
	}

	/** A stored manifest: format 2 as written by {@link #toJson}, or a format-1 one. */
	public static Manifest fromJson(String json) {
		try {
			int version = JSON.readTree(json).path("formatVersion").asInt(-1);
			if (version == FormatOneCheckpoint.FORMAT_VERSION
					&& !JSON.readTree(json).path("architecture").has("encoder")) {
				return Manifest.of(FormatOneCheckpoint.fromJson(json));
			}
			return JSON.readValue(json, Manifest.class);
		}
		catch (IOException ex) {
			throw new CheckpointException("stored manifest is not valid: " + firstLine(ex.getMessage()), ex);
		}
	}

	private static Map<String, byte[]> entries(byte[] raw, String source, long maxArrayBytes) {
		Map<String, byte[]> entries = new HashMap<>();
		try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(raw))) {
			ZipEntry entry;
			while ((entry = zip.getNextEntry()) != null) {
				String name = entry.getName();
				boolean known = MANIFEST.equals(name) || PARAMETERS.equals(name) || BUFFERS.equals(name);
				if (!known || entries.containsKey(name)) {
					throw corrupt(source, "unexpected entry '" + name + "'");
				}
				long max = MANIFEST.equals(name) ? MAX_MANIFEST_BYTES : maxArrayBytes;
				entries.put(name, readAtMost(zip, max, source, name));
			}
		}
		catch (ZipException ex) {
			throw corrupt(source, "not a valid zip archive (" + ex.getMessage() + ")");
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
		return entries;
	}

	private static int version(byte[] manifest, String source) {
		try {
			JsonNode version = JSON.readTree(manifest).path("formatVersion");
			if (!version.isInt()) {
				throw corrupt(source, "the manifest has no formatVersion");
			}
			return version.intValue();
		}
		catch (IOException ex) {
			throw corrupt(source, "the manifest is not valid: " + firstLine(ex.getMessage()));
		}
	}

	private static Manifest parse(byte[] bytes, String source, long maxParameters) {
		Manifest manifest;
		try {
			manifest = JSON.readValue(bytes, Manifest.class);
		}
		catch (IOException ex) {
			Throwable cause = (ex.getCause() instanceof IllegalArgumentException) ? ex.getCause() : ex;
			throw corrupt(source, "the manifest is not valid: " + firstLine(cause.getMessage()));
		}
		if (manifest.architecture() == null) {
			throw corrupt(source, "the manifest has no architecture");
		}
		if (!"float32".equals(manifest.parameterType())) {
			throw new CheckpointException("checkpoint " + source + " stores parameters as '" + manifest.parameterType()
					+ "'; this service reads float32");
		}
		long parameters = manifest.architecture().parameterCount();
		long buffers = manifest.architecture().bufferCount();
		if (manifest.parameterCount() != parameters || manifest.bufferCount() != buffers) {
			throw corrupt(source,
					"the manifest declares " + manifest.parameterCount() + " parameters and " + manifest.bufferCount()
							+ " buffer values but its architecture has " + parameters + " and " + buffers);
		}
		if (parameters > maxParameters || buffers > maxParameters) {
			throw new CheckpointException("checkpoint " + source + " has " + parameters
					+ " parameters, more than the configured limit of " + maxParameters);
		}
		return manifest;
	}

	private static float[] array(Map<String, byte[]> entries, String name, long count, String sha256, String source) {
		byte[] bytes = entries.get(name);
		if (bytes == null) {
			throw corrupt(source, "it has no " + name);
		}
		if (bytes.length != 4 * count) {
			throw corrupt(source, name + " holds " + bytes.length + " bytes, the manifest declares " + count
					+ " float32 values (" + 4 * count + " bytes)");
		}
		if (!sha256(bytes).equals(sha256)) {
			throw corrupt(source, name + " does not match the checksum in the manifest");
		}
		return toFloats(bytes);
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
	 * @param manifest what it says about itself (format 1 converted)
	 * @param network the network it holds, as a layered network
	 */
	public record Loaded(Manifest manifest, Network network) {

		/**
		 * The passes to serve ({@link Network#serving}): the network must not be trained
		 * further.
		 */
		public Passes passes() {
			return this.network.serving();
		}

	}

}
