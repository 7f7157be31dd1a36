package dev.vae.model.interop;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.model.checkpoint.CheckpointException;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PyTorch state dict saved as safetensors, mapped onto a layered network by an import
 * manifest: a preset ({@link TorchPresets}) with its sizes, or {@code layers}, our layer
 * JSON with the file's tensor name for each of ours. Every tensor the architecture needs
 * must be in the file with exactly its shape, and every tensor in the file must be used
 * (batch norm's {@code num_batches_tracked} counters aside), so a file for another model
 * is refused rather than half-loaded.
 * <p>
 * Manifest problems are {@link IllegalArgumentException}s (the request is wrong); file
 * problems are {@link CheckpointException}s (the file does not fit).
 */
final class TorchImport {

	/** The import manifest's preset for our own layer JSON with a tensor-name map. */
	public static final String LAYERS = "layers";

	/**
	 * The metadata key under which an export stores the manifest that imports it again.
	 */
	public static final String IMPORT_METADATA = "vae.import";

	static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

	private TorchImport() {
	}

	/**
	 * Reads a safetensors file.
	 * @param manifest the import manifest, or null to take it from the file's
	 * {@code __metadata__} ({@value #IMPORT_METADATA}, as exports write it)
	 * @param maxParameters the largest parameter count accepted
	 */
	public static Imported read(Path file, JsonNode manifest, long maxParameters) throws IOException {
		return read(file, manifest, maxParameters, ImportBudget.NONE);
	}

	/**
	 * Reads a safetensors file, asking {@code budget} before the network is allocated.
	 */
	public static Imported read(Path file, JsonNode manifest, long maxParameters, ImportBudget budget)
			throws IOException {
		try (SafeTensors tensors = SafeTensors.open(file, "upload")) {
			JsonNode spec = manifest;
			if (spec == null) {
				String stored = tensors.metadata().get(IMPORT_METADATA);
				if (stored == null) {
					throw new IllegalArgumentException("a safetensors file needs a 'manifest' part naming its preset "
							+ "(" + TorchPresets.EXAMPLES + ", " + TorchPresets.VANILLA + " or " + LAYERS + ")");
				}
				spec = JSON.readTree(stored);
			}
			Plan plan = plan(spec);
			Architecture architecture = plan.architecture();
			if (architecture.parameterCount() > maxParameters || architecture.bufferCount() > maxParameters) {
				throw new CheckpointException("the architecture has " + architecture.parameterCount()
						+ " parameters, more than the configured limit of " + maxParameters);
			}
			budget.admit(architecture.parameterCount() + architecture.bufferCount());
			Network network = Network.initialise(architecture, DataType.FLOAT, 0);
			Set<String> used = new HashSet<>();
			for (Map.Entry<String, List<Integer>> ours : network.tensorShapes().entrySet()) {
				String theirs = plan.names().getOrDefault(ours.getKey(), ours.getKey());
				SafeTensors.Tensor tensor = tensors.tensors().get(theirs);
				if (tensor == null) {
					throw new CheckpointException("the file has no tensor '" + theirs + "', which " + plan.what()
							+ " needs as " + ours.getKey() + " " + ours.getValue());
				}
				if (!tensor.shapeList().equals(ours.getValue())) {
					throw new CheckpointException("tensor '" + theirs + "' is " + tensor.shapeList() + " in the file, "
							+ plan.what() + " needs " + ours.getValue() + " (check the manifest's sizes)");
				}
				float[] values = tensors.floats(theirs);
				for (float v : values) {
					if (!Float.isFinite(v)) {
						throw new CheckpointException("tensor '" + theirs + "' holds a value that is not finite");
					}
				}
				network.assign(ours.getKey(), values);
				used.add(theirs);
			}
			List<String> unused = new ArrayList<>();
			for (String name : tensors.tensors().keySet()) {
				if (!used.contains(name) && !name.endsWith(".num_batches_tracked")) {
					unused.add(name);
				}
			}
			if (!unused.isEmpty()) {
				throw new CheckpointException("the file has tensors " + plan.what() + " does not use: "
						+ String.join(", ", unused.subList(0, Math.min(5, unused.size())))
						+ ((unused.size() > 5) ? ", …" : "") + " (is it another model?)");
			}
			String name = text(spec, "name", plan.preset() + " import");
			Manifest draft = Manifest.draft(name, architecture, new Manifest.TrainingInfo(
					"imported from PyTorch safetensors (" + plan.preset() + ")", 0, 0, 0, 0, 0, 0, 0), null);
			return new Imported(draft, network);
		}
	}

	/** The architecture and tensor names an import manifest describes. */
	static Plan plan(JsonNode spec) {
		if (spec == null || !spec.isObject()) {
			throw new IllegalArgumentException("the manifest must be a JSON object");
		}
		String preset = text(spec, "preset", null);
		if (preset == null) {
			throw new IllegalArgumentException("the manifest needs a 'preset': " + TorchPresets.EXAMPLES + ", "
					+ TorchPresets.VANILLA + " or " + LAYERS);
		}
		switch (preset) {
			case TorchPresets.EXAMPLES -> {
				allow(spec, "preset", "name", "format", "inputShape", "hidden", "latentSize");
				List<Integer> shape = ints(spec, "inputShape", List.of(1, 28, 28));
				Architecture architecture = TorchPresets.examples(shape, integer(spec, "hidden", 400),
						integer(spec, "latentSize", 20), new DecoderHead.Bernoulli());
				return new Plan(preset, architecture, names(preset, architecture), "the " + preset + " preset");
			}
			case TorchPresets.VANILLA -> {
				allow(spec, "preset", "name", "format", "imageSize", "hiddenDims", "latentSize", "sigma", "calibrated");
				DecoderHead head = flag(spec, "calibrated") ? new DecoderHead.CalibratedGaussian(OutputActivation.TANH)
						: new DecoderHead.FixedGaussian(OutputActivation.TANH, number(spec, "sigma", 1.0));
				Architecture architecture = TorchPresets.vanilla(integer(spec, "imageSize", 64),
						ints(spec, "hiddenDims", List.of(32, 64, 128, 256, 512)), integer(spec, "latentSize", 128),
						head);
				return new Plan(preset, architecture, names(preset, architecture), "the " + preset + " preset");
			}
			case LAYERS -> {
				allow(spec, "preset", "name", "format", "architecture", "tensors");
				if (!spec.has("architecture")) {
					throw new IllegalArgumentException("the layers preset needs an 'architecture' (our layer JSON)");
				}
				Architecture architecture;
				try {
					architecture = JSON.treeToValue(spec.get("architecture"), Architecture.class);
				}
				catch (IOException ex) {
					Throwable cause = (ex.getCause() instanceof IllegalArgumentException) ? ex.getCause() : ex;
					throw new IllegalArgumentException(
							"the manifest's architecture is not valid: " + firstLine(cause.getMessage()));
				}
				Map<String, String> names = new LinkedHashMap<>();
				JsonNode tensors = spec.path("tensors");
				if (!tensors.isMissingNode() && !tensors.isObject()) {
					throw new IllegalArgumentException("'tensors' must map our tensor names to the file's");
				}
				for (Iterator<Map.Entry<String, JsonNode>> it = tensors.fields(); it.hasNext();) {
					Map.Entry<String, JsonNode> e = it.next();
					if (!e.getValue().isTextual()) {
						throw new IllegalArgumentException("tensors." + e.getKey() + " must be a tensor name");
					}
					names.put(e.getKey(), e.getValue().textValue());
				}
				return new Plan(preset, architecture, names, "the manifest's architecture");
			}
			default -> throw new IllegalArgumentException("unknown preset '" + preset + "': expected "
					+ TorchPresets.EXAMPLES + ", " + TorchPresets.VANILLA + " or " + LAYERS);
		}
	}

	/**
	 * Our tensor names to the preset source's: the module name mapped, the parameter
	 * kept.
	 */
	static Map<String, String> names(String preset, Architecture architecture) {
		Map<String, String> modules = TorchPresets.modules(preset, architecture);
		Map<String, String> names = new LinkedHashMap<>();
		for (Architecture.Slot slot : architecture.slots()) {
			String module = modules.get(slot.name());
			if (module == null) {
				continue;
			}
			slot.layer()
				.parameters(slot.in())
				.forEach((p) -> names.put(slot.name() + "." + p.name(), module + "." + p.name()));
			slot.layer()
				.buffers(slot.in())
				.forEach((b) -> names.put(slot.name() + "." + b.name(), module + "." + b.name()));
		}
		return names;
	}

	private static void allow(JsonNode spec, String... keys) {
		Set<String> allowed = Set.of(keys);
		for (Iterator<String> it = spec.fieldNames(); it.hasNext();) {
			String key = it.next();
			if (!allowed.contains(key)) {
				throw new IllegalArgumentException("the manifest's '" + key + "' is not a setting of preset '"
						+ spec.get("preset").asText() + "'; it takes " + String.join(", ", keys));
			}
		}
	}

	private static String text(JsonNode spec, String key, String otherwise) {
		JsonNode node = spec.get(key);
		if (node == null || node.isNull()) {
			return otherwise;
		}
		if (!node.isTextual() || node.textValue().isBlank() || node.textValue().length() > 200) {
			throw new IllegalArgumentException("the manifest's '" + key + "' must be a short text");
		}
		return node.textValue();
	}

	private static boolean flag(JsonNode spec, String key) {
		JsonNode node = spec.get(key);
		if (node != null && !node.isBoolean()) {
			throw new IllegalArgumentException("the manifest's '" + key + "' must be true or false");
		}
		return node != null && node.booleanValue();
	}

	private static int integer(JsonNode spec, String key, int otherwise) {
		JsonNode node = spec.get(key);
		if (node == null) {
			return otherwise;
		}
		if (!node.isInt() || node.intValue() < 1) {
			throw new IllegalArgumentException("the manifest's '" + key + "' must be a positive integer");
		}
		return node.intValue();
	}

	private static double number(JsonNode spec, String key, double otherwise) {
		JsonNode node = spec.get(key);
		if (node == null) {
			return otherwise;
		}
		if (!node.isNumber() || !(node.doubleValue() > 0) || Double.isInfinite(node.doubleValue())) {
			throw new IllegalArgumentException("the manifest's '" + key + "' must be a positive number");
		}
		return node.doubleValue();
	}

	private static List<Integer> ints(JsonNode spec, String key, List<Integer> otherwise) {
		JsonNode node = spec.get(key);
		if (node == null) {
			return otherwise;
		}
		if (!node.isArray() || node.isEmpty() || node.size() > 16) {
			throw new IllegalArgumentException("the manifest's '" + key + "' must be a list of positive integers");
		}
		List<Integer> values = new ArrayList<>();
		for (JsonNode n : node) {
			if (!n.isInt() || n.intValue() < 1) {
				throw new IllegalArgumentException("the manifest's '" + key + "' must be a list of positive integers");
			}
			values.add(n.intValue());
		}
		return values;
	}

	private static String firstLine(String message) {
		if (message == null) {
			return "no detail";
		}
		int newline = message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	/**
	 * What an import manifest asks for.
	 *
	 * @param preset its preset
	 * @param architecture the architecture to build
	 * @param names our tensor names to the file's (missing ones are the same)
	 * @param what the architecture's origin, for messages
	 */
	record Plan(String preset, Architecture architecture, Map<String, String> names, String what) {
	}

}
