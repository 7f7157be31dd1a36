package dev.vae.model.interop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.model.checkpoint.CheckpointException;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.layer.Activation;
import dev.vae.model.layer.Dense;
import dev.vae.model.layer.Layer;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A Deeplearning4j {@code ModelSerializer} zip whose {@code MultiLayerNetwork} starts
 * with a {@code VariationalAutoencoder} layer, read without DL4J's own restore (which
 * Java-deserialises {@code preprocessor.bin}): {@code configuration.json} as a JSON tree
 * whose every {@code @class} must be on an allow-list, {@code coefficients.bin} by
 * {@link Nd4j#read} after its header is checked, every other entry skipped unread, every
 * size capped.
 * <p>
 * DL4J's VAE maps onto ours exactly: e{i}W/b are dense layers with the one hidden
 * activation, pZXMean and pZXLogStd2 are the μ and log σ² heads, d{i}W/b the decoder, pXZ
 * its output layer. Its weights are [in, out] in 'f' order, which is byte for byte
 * PyTorch's [out, in] in 'c' order, and its parameter order is ours, so the flat vector
 * carries over unchanged. Bernoulli(sigmoid) becomes our Bernoulli head; Gaussian is a
 * learned per-pixel variance whose activation applies to both halves, so it becomes an
 * activation layer after the decoder's output and our learned-variance head with an
 * identity mean, which also gives generateAtMean's f(mean). DL4J has no β: β = 1.
 */
final class Dl4jImport {

	/** The largest configuration.json read. */
	static final int MAX_CONFIGURATION_BYTES = 1 << 20;

	private static final String VAE = "org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder";

	private static final String BERNOULLI = "org.deeplearning4j.nn.conf.layers.variational.BernoulliReconstructionDistribution";

	private static final String GAUSSIAN = "org.deeplearning4j.nn.conf.layers.variational.GaussianReconstructionDistribution";

	private static final String ACTIVATIONS = "org.nd4j.linalg.activations.impl.";

	/** The classes a configuration may name: layers, distributions and inert settings. */
	private static final Set<String> ALLOWED_PREFIXES = Set.of(ACTIVATIONS, "org.nd4j.linalg.learning.config.",
			"org.deeplearning4j.nn.weights.", "org.nd4j.linalg.learning.regularization.", "org.nd4j.linalg.schedule.",
			"org.deeplearning4j.nn.conf.dropout.", "org.deeplearning4j.nn.conf.distribution.",
			"org.deeplearning4j.nn.conf.layers.", "org.deeplearning4j.nn.conf.preprocessor.",
			"org.nd4j.linalg.lossfunctions.impl.");

	private Dl4jImport() {
	}

	/**
	 * Whether a file is a zip holding {@code configuration.json} and
	 * {@code coefficients.bin} (the entry names are read, nothing else).
	 */
	public static boolean looksLikeDl4j(Path file) {
		try (ZipFile zip = new ZipFile(file.toFile())) {
			return zip.getEntry("configuration.json") != null && zip.getEntry("coefficients.bin") != null;
		}
		catch (IOException | RuntimeException ex) {
			return false;
		}
	}

	/** Reads a DL4J zip into a layered network. */
	public static Imported read(Path file, String name, long maxParameters) throws IOException {
		return read(file, name, maxParameters, ImportBudget.NONE);
	}

	/**
	 * Reads a DL4J zip into a layered network, asking {@code budget} for the memory of
	 * the configuration's parameter count before any coefficient is read.
	 */
	public static Imported read(Path file, String name, long maxParameters, ImportBudget budget) throws IOException {
		Vae vae;
		Architecture architecture;
		long count;
		float[] flat;
		// the central directory: entries that are not read are never inflated
		try (ZipFile zip = new ZipFile(file.toFile())) {
			byte[] configuration = entry(zip, "configuration.json", MAX_CONFIGURATION_BYTES);
			if (configuration == null || zip.getEntry("coefficients.bin") == null) {
				throw bad("it needs configuration.json and coefficients.bin");
			}
			// the configuration first, so an oversized VAE is refused before its
			// coefficients are inflated
			vae = configuration(configuration);
			architecture = vae.architecture();
			count = architecture.parameterCount();
			if (count > maxParameters) {
				throw new CheckpointException("the DL4J VAE has " + count
						+ " parameters, more than the configured limit of " + maxParameters);
			}
			budget.admit(count);
			// only the values the configuration implies are ever inflated: a
			// coefficients.bin of zeros larger than that is refused at the first byte
			// past them
			try (InputStream in = zip.getInputStream(zip.getEntry("coefficients.bin"))) {
				flat = coefficients(in, count, vae.followed(), maxParameters);
			}
		}
		catch (ZipException | IllegalArgumentException ex) {
			throw bad("it is not a valid zip archive (" + ex.getMessage() + ")");
		}
		float[] parameters = flat;
		for (float v : parameters) {
			if (!Float.isFinite(v)) {
				throw bad("coefficients.bin holds a value that is not finite");
			}
		}
		Network network = Network.of(architecture, parameters, new float[0]);
		String description = "imported from a Deeplearning4j VariationalAutoencoder ("
				+ vae.distribution().substring(vae.distribution().lastIndexOf('.') + 1)
				+ (vae.followed() ? "; the layers after it are not imported" : "") + ")";
		Manifest draft = Manifest.draft((name != null) ? name : "dl4j import", architecture,
				new Manifest.TrainingInfo(description, 0, 0, 0, 0, 0, 0, 0), null);
		return new Imported(draft, network);
	}

	/**
	 * The VAE layer of a configuration.
	 *
	 * @param architecture ours
	 * @param distribution DL4J's reconstruction distribution class
	 * @param followed whether more layers follow it in the network
	 */
	record Vae(Architecture architecture, String distribution, boolean followed) {
	}

	static Vae configuration(byte[] bytes) {
		JsonNode root;
		try {
			root = TorchImport.JSON.readTree(bytes);
		}
		catch (IOException ex) {
			throw bad("configuration.json is not valid JSON");
		}
		if (root == null || !root.isObject()) {
			throw bad("configuration.json is not a JSON object");
		}
		if (root.has("vertices") || root.has("networkInputs")) {
			throw new CheckpointException("the DL4J file holds a ComputationGraph; this importer reads a "
					+ "MultiLayerNetwork whose first layer is a VariationalAutoencoder");
		}
		checkClasses(root, 0);
		JsonNode confs = root.path("confs");
		if (!confs.isArray() || confs.isEmpty()) {
			throw bad("configuration.json has no layers ('confs')");
		}
		JsonNode layer = confs.get(0).path("layer");
		String kind = layer.path("@class").asText("");
		if (!VAE.equals(kind)) {
			boolean later = false;
			for (JsonNode conf : confs) {
				later |= VAE.equals(conf.path("layer").path("@class").asText(""));
			}
			throw new CheckpointException("the DL4J network is not a VAE: its first layer is " + simple(kind)
					+ (later ? "; a VariationalAutoencoder that is not the first layer is not supported"
							: " and it has no VariationalAutoencoder layer"));
		}
		int nIn = positive(layer, "nin");
		int nOut = positive(layer, "nout");
		List<Integer> encoderSizes = sizes(layer, "encoderLayerSizes");
		List<Integer> decoderSizes = sizes(layer, "decoderLayerSizes");
		Activation hidden = activation(layer.path("activationFn"), "activationFn");
		Activation pzx = activation(layer.path("pzxActivationFn"), "pzxActivationFn");
		if (pzx.function() != Activation.Function.IDENTITY) {
			throw new CheckpointException("the DL4J VAE's pzxActivationFn is " + pzx.kind()
					+ "; only identity (DL4J's default) is supported, as our μ and log σ² heads are linear");
		}
		JsonNode distribution = layer.path("outputDistribution");
		String distributionClass = distribution.path("@class").asText("");
		List<Layer> encoder = new ArrayList<>();
		for (int size : encoderSizes) {
			encoder.add(new Dense(size));
			encoder.add(hidden);
		}
		List<Layer> decoder = new ArrayList<>();
		for (int size : decoderSizes) {
			decoder.add(new Dense(size));
			decoder.add(hidden);
		}
		DecoderHead head;
		switch (distributionClass) {
			case BERNOULLI -> {
				Activation f = activation(distribution.path("activationFn"),
						"the Bernoulli distribution's activationFn");
				if (f.function() != Activation.Function.SIGMOID) {
					throw new CheckpointException("the DL4J VAE's Bernoulli distribution uses " + f.kind()
							+ "; only sigmoid (DL4J's default) is supported");
				}
				decoder.add(new Dense(nIn));
				head = new DecoderHead.Bernoulli();
			}
			case GAUSSIAN -> {
				Activation f = activation(distribution.path("activationFn"),
						"the Gaussian distribution's activationFn");
				decoder.add(new Dense(2 * nIn));
				if (f.function() != Activation.Function.IDENTITY) {
					// DL4J applies f to the means and the log-variances alike
					decoder.add(f);
				}
				head = new DecoderHead.LearnedGaussian(OutputActivation.IDENTITY);
			}
			default -> throw new CheckpointException("the DL4J VAE's reconstruction distribution "
					+ simple(distributionClass)
					+ " is not supported; Bernoulli and Gaussian are (Exponential, Composite and LossFunctionWrapper are not)");
		}
		Architecture architecture;
		try {
			architecture = new Architecture(List.of(nIn), encoder, nOut, decoder, head, 1.0);
		}
		catch (IllegalArgumentException ex) {
			throw bad("its VAE layer cannot be built: " + ex.getMessage());
		}
		return new Vae(architecture, distributionClass, confs.size() > 1);
	}

	/** Refuses any {@code @class} outside the allow-list, anywhere in the tree. */
	private static void checkClasses(JsonNode node, int depth) {
		if (depth > 64) {
			throw bad("configuration.json is nested too deeply");
		}
		if (node.isObject()) {
			for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
				Map.Entry<String, JsonNode> field = it.next();
				if ("@class".equals(field.getKey())) {
					String name = field.getValue().asText("");
					if (ALLOWED_PREFIXES.stream().noneMatch(name::startsWith)
							|| name.substring(name.lastIndexOf('.') + 1).isEmpty()) {
						throw new CheckpointException("the DL4J configuration names class '" + name
								+ "', which is not on this importer's allow-list");
					}
				}
				checkClasses(field.getValue(), depth + 1);
			}
		}
		else if (node.isArray()) {
			for (JsonNode child : node) {
				checkClasses(child, depth + 1);
			}
		}
	}

	private static Activation activation(JsonNode node, String what) {
		String name = node.path("@class").asText("");
		if (!name.startsWith(ACTIVATIONS)) {
			throw bad("its " + what + " is missing");
		}
		return switch (name.substring(ACTIVATIONS.length())) {
			case "ActivationReLU" -> Activation.of(Activation.Function.RELU);
			case "ActivationLReLU" -> Activation.leakyRelu(node.path("alpha").asDouble(0.01));
			case "ActivationTanH" -> Activation.of(Activation.Function.TANH);
			case "ActivationSigmoid" -> Activation.of(Activation.Function.SIGMOID);
			case "ActivationSoftPlus" -> Activation.of(Activation.Function.SOFTPLUS);
			case "ActivationIdentity" -> Activation.of(Activation.Function.IDENTITY);
			case "ActivationELU" -> {
				if (node.path("alpha").asDouble(1.0) != 1.0) {
					throw new CheckpointException("the DL4J VAE's " + what + " is ELU with alpha "
							+ node.path("alpha").asDouble() + "; only alpha 1 is supported");
				}
				yield Activation.of(Activation.Function.ELU);
			}
			default -> throw new CheckpointException("the DL4J VAE's " + what + " is " + simple(name)
					+ ", which is not supported (relu, leaky relu, elu, tanh, sigmoid, softplus, identity are)");
		};
	}

	/** The most bytes of a coefficients.bin header: four short strings and two longs. */
	static final int MAX_HEADER_BYTES = 4096;

	/**
	 * coefficients.bin: ND4J's big-endian serialisation, a shape-info buffer then the
	 * data buffer, each as (allocation mode, length, type, values). Read as a stream with
	 * a running cap: the header is checked against the configuration's {@code count}
	 * before anything is allocated, then exactly {@code count} values are decoded into a
	 * {@code float[count]} and, unless more layers follow the VAE, one byte more must not
	 * exist. A declared or actual size beyond what the configuration implies is refused,
	 * never read.
	 */
	static float[] coefficients(InputStream raw, long count, boolean followed, long maxParameters) {
		DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
		try {
			in.mark(MAX_HEADER_BYTES);
			String mode = in.readUTF();
			long shapeLength = in.readLong();
			String shapeType = in.readUTF();
			if (mode.length() > 64 || shapeLength < 4 || shapeLength > 64 || !"LONG".equals(shapeType)) {
				throw bad("coefficients.bin has a shape header of " + shapeLength + " " + shapeType + " values");
			}
			in.skipNBytes(8 * shapeLength);
			String dataMode = in.readUTF();
			long length = in.readLong();
			String type = in.readUTF();
			if (dataMode.length() > 64) {
				throw bad("coefficients.bin has a malformed data header");
			}
			int size = switch (type) {
				case "FLOAT" -> 4;
				case "DOUBLE" -> 8;
				case "HALF", "BFLOAT16" -> 2;
				default ->
					throw bad("coefficients.bin holds " + type + " values; FLOAT, DOUBLE, HALF, BFLOAT16 are read");
			};
			if (length < count) {
				throw bad("coefficients.bin declares " + length + " values, the VAE layer needs " + count);
			}
			if (length > count && !followed) {
				throw bad("coefficients.bin declares " + length + " values, the configuration's VAE layer has " + count
						+ " (at most " + Math.multiplyExact(count, size) + " bytes of data)");
			}
			if (length > maxParameters) {
				throw bad("coefficients.bin declares " + length + " values (the limit is " + maxParameters + ")");
			}
			int n = Math.toIntExact(count);
			float[] values = new float[n];
			switch (type) {
				case "FLOAT" -> {
					for (int i = 0; i < n; i++) {
						values[i] = in.readFloat();
					}
				}
				case "DOUBLE" -> {
					for (int i = 0; i < n; i++) {
						values[i] = (float) in.readDouble();
					}
				}
				default -> {
					// half precision: ND4J's own reader, on exactly the header and count
					// values
					if (length != count) {
						throw bad("coefficients.bin holds " + type + " values for more layers than the VAE; "
								+ "only FLOAT and DOUBLE are read past the VAE's parameters");
					}
					in.reset();
					byte[] bytes = in.readNBytes(MAX_HEADER_BYTES + Math.multiplyExact(n, 2));
					values = halfPrecision(bytes);
					if (values.length != n) {
						throw bad("coefficients.bin holds " + values.length + " values, the VAE layer has " + count);
					}
				}
			}
			if (!followed && in.read() >= 0) {
				throw bad("coefficients.bin holds more than the " + count + " " + type
						+ " values its configuration implies (" + Math.multiplyExact(count, size) + " bytes of data)");
			}
			return values;
		}
		catch (java.io.EOFException ex) {
			throw bad("coefficients.bin ends early: it holds fewer than the " + count
					+ " values its configuration implies");
		}
		catch (IOException ex) {
			throw bad("coefficients.bin cannot be read (" + ex.getMessage() + ")");
		}
	}

	private static float[] halfPrecision(byte[] bytes) {
		try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
			INDArray array = Nd4j.read(in);
			try (array) {
				return array.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).toFloatVector();
			}
		}
		catch (IOException | RuntimeException ex) {
			throw bad("coefficients.bin cannot be read as an ND4J array");
		}
	}

	private static int positive(JsonNode layer, String key) {
		JsonNode n = layer.path(key);
		if (!n.isInt() || n.intValue() < 1) {
			throw bad("its VAE layer has no positive '" + key + "'");
		}
		return n.intValue();
	}

	private static List<Integer> sizes(JsonNode layer, String key) {
		JsonNode n = layer.path(key);
		if (!n.isArray() || n.size() > 32) {
			throw bad("its VAE layer has no '" + key + "'");
		}
		List<Integer> sizes = new ArrayList<>();
		for (JsonNode s : n) {
			if (!s.isInt() || s.intValue() < 1) {
				throw bad("its VAE layer's '" + key + "' holds " + s);
			}
			sizes.add(s.intValue());
		}
		return sizes;
	}

	private static byte[] entry(ZipFile zip, String name, long max) throws IOException {
		ZipEntry entry = zip.getEntry(name);
		if (entry == null) {
			return null;
		}
		try (InputStream in = zip.getInputStream(entry)) {
			return readAtMost(in, max, name);
		}
	}

	private static byte[] readAtMost(InputStream in, long max, String entry) throws IOException {
		byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 16, max + 1));
		if (bytes.length > max) {
			throw bad(entry + " is larger than " + max + " bytes");
		}
		return bytes;
	}

	private static String simple(String className) {
		return className.isEmpty() ? "missing" : className.substring(className.lastIndexOf('.') + 1);
	}

	private static CheckpointException bad(String why) {
		return new CheckpointException("DL4J file upload is not valid: " + why);
	}

}
