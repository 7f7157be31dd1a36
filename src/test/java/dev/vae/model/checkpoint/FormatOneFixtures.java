package dev.vae.model.checkpoint;

import dev.vae.model.ModelFixtures;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Format-1 checkpoints for the readers' tests, written as the service wrote them before
 * format 2; kept beside {@link FormatOneCheckpoint} because they use its package-private
 * layout.
 */
public final class FormatOneFixtures {

	private FormatOneFixtures() {
	}

	/**
	 * Writes a format-1 checkpoint as the service wrote them before format 2 (manifest,
	 * then the float32 parameters with their SHA-256), for the readers' tests.
	 * @return the manifest as written
	 */
	public static FormatOneManifest writeFormatOne(Path target, FormatOneManifest draft, float[] parameters)
			throws IOException {
		byte[] bytes = Checkpoint.toBytes(parameters);
		FormatOneManifest manifest = draft.withParameters(parameters.length, Checkpoint.sha256(bytes));
		try (OutputStream out = Files.newOutputStream(target); ZipOutputStream zip = new ZipOutputStream(out)) {
			zip.putNextEntry(new ZipEntry(Checkpoint.MANIFEST));
			zip.write(Checkpoint.JSON.writeValueAsBytes(manifest));
			zip.closeEntry();
			zip.putNextEntry(new ZipEntry(Checkpoint.PARAMETERS));
			zip.write(bytes);
			zip.closeEntry();
		}
		return manifest;
	}

	/** {@link #writeFormatOne} with random parameters from {@code seed}. */
	public static FormatOneManifest writeFormatOne(Path target, FormatOneManifest draft, long seed) throws IOException {
		double[] values = ModelFixtures.formatOneParameters(draft.architecture(), seed);
		float[] floats = new float[values.length];
		for (int i = 0; i < values.length; i++) {
			floats[i] = (float) values[i];
		}
		return writeFormatOne(target, draft, floats);
	}

}
