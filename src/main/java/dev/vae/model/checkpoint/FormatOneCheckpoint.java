package dev.vae.model.checkpoint;

import dev.vae.model.network.Network;

import org.nd4j.linalg.api.buffer.DataType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Checkpoint format 1, read only (new checkpoints are {@link Checkpoint}'s format 2): a
 * zip holding {@code manifest.json} (a {@link FormatOneManifest}) and
 * {@code parameters.f32}, the flat parameters as little-endian float32 whose SHA-256 the
 * manifest records. Nothing in it is Java-serialised, and reading never trusts a size it
 * has not checked.
 */
public final class FormatOneCheckpoint {

	/** The format this class reads. */
	public static final int FORMAT_VERSION = 1;

	private FormatOneCheckpoint() {
	}

	/** Reads a checkpoint file. */
	public static Loaded read(Path file, long maxParameters) {
		return Checkpoint.fromFile(file, (in) -> read(in, file.toString(), maxParameters));
	}

	/**
	 * Reads a checkpoint from a stream.
	 * @param source names the checkpoint in error messages
	 * @param maxParameters the largest parameter count accepted
	 */
	public static Loaded read(InputStream in, String source, long maxParameters) {
		Scanned scanned = scan(in, source, maxParameters, true);
		return new Loaded(scanned.manifest(), Checkpoint.toFloats(scanned.parameters()));
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
				if (Checkpoint.MANIFEST.equals(entry.getName()) && manifest == null) {
					manifest = parseManifest(
							Checkpoint.readAtMost(zip, Checkpoint.MAX_MANIFEST_BYTES, source, Checkpoint.MANIFEST),
							source, maxParameters);
				}
				else if (Checkpoint.PARAMETERS.equals(entry.getName()) && parameterBytes < 0) {
					if (manifest == null) {
						throw Checkpoint.corrupt(source,
								Checkpoint.MANIFEST + " must come before " + Checkpoint.PARAMETERS);
					}
					MessageDigest sha = Checkpoint.sha256();
					ByteArrayOutputStream kept = keep ? new ByteArrayOutputStream() : null;
					parameterBytes = Checkpoint.copyAtMost(zip, 4 * manifest.parameterCount(), source,
							Checkpoint.PARAMETERS, sha, kept);
					digest = HexFormat.of().formatHex(sha.digest());
					parameters = keep ? kept.toByteArray() : null;
				}
				else {
					throw Checkpoint.corrupt(source, "unexpected entry '" + entry.getName() + "'");
				}
			}
		}
		catch (ZipException ex) {
			throw Checkpoint.corrupt(source, "not a valid zip archive (" + ex.getMessage() + ")");
		}
		catch (IOException ex) {
			throw new CheckpointException("checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
		if (manifest == null) {
			throw Checkpoint.corrupt(source, "it has no " + Checkpoint.MANIFEST);
		}
		if (parameterBytes < 0) {
			throw Checkpoint.corrupt(source, "it has no " + Checkpoint.PARAMETERS);
		}
		if (parameterBytes != 4 * manifest.parameterCount()) {
			throw Checkpoint.corrupt(source,
					Checkpoint.PARAMETERS + " holds " + parameterBytes + " bytes, the manifest declares "
							+ manifest.parameterCount() + " float32 parameters (" + 4 * manifest.parameterCount()
							+ " bytes)");
		}
		if (!digest.equals(manifest.parametersSha256())) {
			throw Checkpoint.corrupt(source, "the parameters do not match the checksum in the manifest");
		}
		return new Scanned(manifest, parameters);
	}

	/** What a scan found: the manifest, and the parameter bytes when they were kept. */
	private record Scanned(FormatOneManifest manifest, byte[] parameters) {
	}

	/** The manifest as the JSON a checkpoint stores. */
	public static String toJson(FormatOneManifest manifest) {
		try {
			return Checkpoint.JSON.writeValueAsString(manifest);
		}
		catch (IOException ex) {
			throw new IllegalStateException("a manifest is always serialisable", ex);
		}
	}

	/** A manifest from JSON written by {@link #toJson}. */
	public static FormatOneManifest fromJson(String json) {
		try {
			return Checkpoint.JSON.readValue(json, FormatOneManifest.class);
		}
		catch (IOException ex) {
			throw new CheckpointException("stored manifest is not valid: " + Checkpoint.firstLine(ex.getMessage()), ex);
		}
	}

	private static FormatOneManifest parseManifest(byte[] bytes, String source, long maxParameters) {
		FormatOneManifest manifest;
		try {
			// the version first, so that a newer format is named as such, not as corrupt
			com.fasterxml.jackson.databind.JsonNode version = Checkpoint.JSON.readTree(bytes).path("formatVersion");
			if (version.isInt() && version.intValue() != FORMAT_VERSION) {
				throw new CheckpointException("checkpoint " + source + " has format version " + version.intValue()
						+ "; this service reads version " + FORMAT_VERSION);
			}
			manifest = Checkpoint.JSON.readValue(bytes, FormatOneManifest.class);
		}
		catch (IOException ex) {
			Throwable cause = (ex.getCause() instanceof IllegalArgumentException) ? ex.getCause() : ex;
			throw Checkpoint.corrupt(source, "the manifest is not valid: " + Checkpoint.firstLine(cause.getMessage()));
		}
		if (manifest.formatVersion() != FORMAT_VERSION) {
			throw new CheckpointException("checkpoint " + source + " has format version " + manifest.formatVersion()
					+ "; this service reads version " + FORMAT_VERSION);
		}
		if (manifest.architecture() == null) {
			throw Checkpoint.corrupt(source, "the manifest has no architecture");
		}
		if (!"float32".equals(manifest.parameterType())) {
			throw new CheckpointException("checkpoint " + source + " stores parameters as '" + manifest.parameterType()
					+ "'; this service reads float32");
		}
		long expected = manifest.architecture().parameterCount();
		if (manifest.parameterCount() != expected) {
			throw Checkpoint.corrupt(source, "the manifest declares " + manifest.parameterCount()
					+ " parameters but its architecture has " + expected);
		}
		if (expected > maxParameters) {
			throw new CheckpointException("checkpoint " + source + " has " + expected
					+ " parameters, more than the configured limit of " + maxParameters);
		}
		return manifest;
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
