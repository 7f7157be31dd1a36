package dev.vae.model.interop;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.layer.Parameter;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A layered network as a safetensors file PyTorch can load: its tensors under the
 * pytorch/examples names when the architecture is that VAE (so
 * {@code model.load_state_dict} takes it as is), else under our state-dict names; the
 * {@code __metadata__} holds our manifest ({@value #MANIFEST_METADATA}) and the import
 * manifest that reads the file back unchanged ({@value TorchImport#IMPORT_METADATA}).
 */
public final class SafeTensorsExport {

	/** The metadata key of the model's manifest JSON. */
	public static final String MANIFEST_METADATA = "vae.manifest";

	private SafeTensorsExport() {
	}

	/** Writes the export to {@code out}, the whole network's float32 values. */
	public static void write(OutputStream out, Manifest manifest, Network network) throws IOException {
		Architecture architecture = network.architecture();
		Map<String, String> names = TorchPresets.recognise(architecture)
			.map((preset) -> TorchImport.names(preset, architecture))
			.orElseGet(Map::of);
		float[] parameters = network.parametersAsFloats();
		float[] buffers = network.buffersAsFloats();
		Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
		Map<String, String> mapping = new LinkedHashMap<>();
		for (Architecture.Slot slot : architecture.slots()) {
			put(tensors, mapping, names, slot.name(), slot.layer().parameters(slot.in()), parameters,
					slot.parameterOffset());
			put(tensors, mapping, names, slot.name(), slot.layer().buffers(slot.in()), buffers, slot.bufferOffset());
		}
		ObjectNode again = TorchImport.JSON.createObjectNode();
		again.put("preset", TorchImport.LAYERS);
		again.put("name", manifest.name());
		again.set("architecture", TorchImport.JSON.valueToTree(architecture));
		mapping.forEach(again.putObject("tensors")::put);
		Map<String, String> metadata = new LinkedHashMap<>();
		metadata.put("format", "pt");
		try {
			metadata.put(TorchImport.IMPORT_METADATA, TorchImport.JSON.writeValueAsString(again));
		}
		catch (JsonProcessingException ex) {
			throw new IllegalStateException("an import manifest is always serialisable", ex);
		}
		metadata.put(MANIFEST_METADATA, Checkpoint.toJson(manifest));
		SafeTensors.write(out, tensors, metadata);
	}

	private static void put(Map<String, SafeTensors.Entry> tensors, Map<String, String> mapping,
			Map<String, String> names, String module, List<Parameter> parameters, float[] flat, long offset) {
		long at = offset;
		for (Parameter p : parameters) {
			String ours = module + "." + p.name();
			String theirs = names.getOrDefault(ours, ours);
			float[] values = java.util.Arrays.copyOfRange(flat, Math.toIntExact(at), Math.toIntExact(at + p.size()));
			tensors.put(theirs, new SafeTensors.Entry(p.shape(), values));
			mapping.put(ours, theirs);
			at += p.size();
		}
	}

}
