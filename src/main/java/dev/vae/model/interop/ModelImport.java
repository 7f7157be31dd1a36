package dev.vae.model.interop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.model.checkpoint.CheckpointException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * One door for imports: tells the formats apart by their first bytes and entries —
 * safetensors, a Deeplearning4j zip, or a PyTorch pickle ({@code torch.save}'s zip with a
 * {@code data.pkl}, or a bare pickle starting 0x80 0x02..0x05), which is refused because
 * unpickling runs code the file chooses.
 */
public final class ModelImport {

	private ModelImport() {
	}

	/**
	 * Reads a received file.
	 * @param manifest the import manifest, or null (a DL4J zip describes itself; a
	 * safetensors export carries its own)
	 * @param maxParameters the largest parameter count accepted
	 * @throws CheckpointException if the file is not one that can be imported
	 * @throws IllegalArgumentException if the manifest is wrong
	 */
	public static Imported read(Path file, JsonNode manifest, long maxParameters) throws IOException {
		return read(file, manifest, maxParameters, ImportBudget.NONE);
	}

	/**
	 * Reads a received file, asking {@code budget} for the memory of the declared
	 * parameter count before any parameter is read.
	 */
	public static Imported read(Path file, JsonNode manifest, long maxParameters, ImportBudget budget)
			throws IOException {
		byte[] head;
		try (InputStream in = Files.newInputStream(file)) {
			head = in.readNBytes(4);
		}
		if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
			throw pickle();
		}
		if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
			return zip(file, manifest, maxParameters, budget);
		}
		return TorchImport.read(file, manifest, maxParameters, budget);
	}

	private static Imported zip(Path file, JsonNode manifest, long maxParameters, ImportBudget budget)
			throws IOException {
		boolean pickle = false;
		boolean ours = false;
		try (ZipFile zip = new ZipFile(file.toFile())) {
			Enumeration<? extends ZipEntry> entries = zip.entries();
			for (int i = 0; entries.hasMoreElements() && i < 100_000; i++) {
				String name = entries.nextElement().getName();
				pickle |= name.equals("data.pkl") || name.endsWith("/data.pkl");
				ours |= name.equals("manifest.json");
			}
		}
		catch (IOException | IllegalArgumentException ex) {
			throw new CheckpointException(
					"the upload starts like a zip but is not a valid one (" + ex.getMessage() + ")");
		}
		if (pickle) {
			throw pickle();
		}
		if (Dl4jImport.looksLikeDl4j(file)) {
			String name = (manifest != null && manifest.path("name").isTextual()) ? manifest.get("name").textValue()
					: null;
			return Dl4jImport.read(file, name, maxParameters, budget);
		}
		if (ours) {
			throw new CheckpointException(
					"the upload is a checkpoint of this service; upload it with POST /models, not /models/import");
		}
		throw new CheckpointException("the upload is a zip but neither a Deeplearning4j model (configuration.json "
				+ "and coefficients.bin) nor anything else this service imports");
	}

	private static CheckpointException pickle() {
		return new CheckpointException("the upload is a Python pickle (a .pt/.pth file from torch.save); pickles are "
				+ "refused because loading one runs code the file chooses. Save the state_dict as safetensors "
				+ "(safetensors.torch.save_file(model.state_dict(), \"model.safetensors\")) and import that");
	}

}
