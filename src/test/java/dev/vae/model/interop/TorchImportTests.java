package dev.vae.model.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.model.checkpoint.CheckpointException;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.head.OutputActivation;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The PyTorch presets against fixtures made by real PyTorch
 * ({@code scripts/make_import_fixtures.py}): μ, log σ² and the decoder mean agree to 1e-5
 * relative (to each array's largest magnitude).
 */
class TorchImportTests {

	static final ObjectMapper JSON = new ObjectMapper();

	static final double TOLERANCE = 1e-5;

	@TempDir
	Path dir;

	@Test
	void pytorchExamplesVaeMatchesPyTorch() throws IOException {
		double error = compare("pytorch-examples-vae");
		assertThat(error).isLessThan(TOLERANCE);
	}

	@Test
	void vanillaVaeWithMovedBatchNormStatisticsMatchesPyTorch() throws IOException {
		double error = compare("pytorch-vae-vanilla");
		assertThat(error).isLessThan(TOLERANCE);
	}

	@Test
	void theExamplesPresetIsAnMlpWithSourceNames() throws IOException {
		Imported imported = load("pytorch-examples-vae");
		Map<String, List<Integer>> shapes = imported.network().tensorShapes();
		assertThat(shapes).containsEntry("encoder.1.weight", List.of(16, 64))
			.containsEntry("mu.weight", List.of(4, 16))
			.containsEntry("decoder.2.weight", List.of(64, 16));
		assertThat(TorchImport.names(TorchPresets.EXAMPLES, imported.manifest().architecture()))
			.containsEntry("encoder.1.weight", "fc1.weight")
			.containsEntry("mu.bias", "fc21.bias")
			.containsEntry("logvar.weight", "fc22.weight")
			.containsEntry("decoder.0.weight", "fc3.weight")
			.containsEntry("decoder.2.bias", "fc4.bias");
		assertThat(imported.manifest().architecture().head()).isEqualTo(new DecoderHead.Bernoulli());
		assertThat(TorchPresets.recognise(imported.manifest().architecture())).contains(TorchPresets.EXAMPLES);
	}

	@Test
	void theVanillaPresetUsesTheSourcesModuleNames() throws IOException {
		Imported imported = load("pytorch-vae-vanilla");
		Map<String, String> names = TorchImport.names(TorchPresets.VANILLA, imported.manifest().architecture());
		assertThat(names).containsEntry("encoder.0.weight", "encoder.0.0.weight")
			.containsEntry("encoder.4.running_var", "encoder.1.1.running_var")
			.containsEntry("mu.weight", "fc_mu.weight")
			.containsEntry("logvar.bias", "fc_var.bias")
			.containsEntry("decoder.0.weight", "decoder_input.weight")
			.containsEntry("decoder.2.weight", "decoder.0.0.weight")
			.containsEntry("decoder.6.running_mean", "final_layer.1.running_mean")
			.containsEntry("decoder.8.weight", "final_layer.3.weight");
		assertThat(imported.manifest().architecture().head())
			.isEqualTo(new DecoderHead.FixedGaussian(dev.vae.model.head.OutputActivation.TANH, 0.5));
		assertThat(TorchPresets.recognise(imported.manifest().architecture())).isEmpty();
	}

	@Test
	void theFullSizeVanillaPresetIsTheSourcesModel() {
		var architecture = TorchPresets.vanilla(64, List.of(32, 64, 128, 256, 512), 128,
				new DecoderHead.FixedGaussian(dev.vae.model.head.OutputActivation.TANH, 1));
		assertThat(architecture.slots()
			.stream()
			.filter((s) -> s.name().equals("mu"))
			.findFirst()
			.orElseThrow()
			.in()
			.dims()).isEqualTo(List.of(512 * 4));
		assertThatThrownBy(
				() -> TorchPresets.vanilla(32, List.of(32, 64, 128, 256, 512), 128, new DecoderHead.Bernoulli()))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("imageSize 64");
	}

	@Test
	void sizesThatDoNotFitThePresetAreRefusedNamingTheTensor() throws IOException {
		JsonNode manifest = JSON.readTree("{\"preset\":\"pytorch-examples-vae\",\"inputShape\":[64],\"hidden\":16}");
		assertThatThrownBy(() -> TorchImport.read(fixture("pytorch-examples-vae.safetensors"), manifest, 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("fc21.weight")
			.hasMessageContaining("[4, 16] in the file");
	}

	@Test
	void anotherModelsFileIsRefused() throws IOException {
		JsonNode manifest = fixtureManifest("pytorch-examples-vae");
		assertThatThrownBy(() -> TorchImport.read(fixture("pytorch-vae-vanilla.safetensors"), manifest, 1_000_000))
			.isInstanceOf(CheckpointException.class)
			.hasMessageContaining("has no tensor 'fc1.weight'");
	}

	@Test
	void anUnknownPresetOrSettingIsAManifestError() throws IOException {
		Path file = fixture("pytorch-examples-vae.safetensors");
		assertThatThrownBy(() -> TorchImport.read(file, JSON.readTree("{\"preset\":\"resnet\"}"), 1_000_000))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("unknown preset 'resnet'");
		assertThatThrownBy(() -> TorchImport.read(file,
				JSON.readTree("{\"preset\":\"pytorch-examples-vae\",\"depth\":3}"), 1_000_000))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("'depth'");
		assertThatThrownBy(() -> TorchImport.read(file, null, 1_000_000)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("'manifest' part");
	}

	@Test
	void aLayersManifestMapsTensorNamesOntoOurLayers() throws IOException {
		String architecture = "{\"inputShape\":[64],\"encoder\":[{\"type\":\"dense\",\"out\":16},"
				+ "{\"type\":\"activation\",\"function\":\"relu\"}],\"latentSize\":4,"
				+ "\"decoder\":[{\"type\":\"dense\",\"out\":16},{\"type\":\"activation\",\"function\":\"relu\"},"
				+ "{\"type\":\"dense\",\"out\":64}],\"head\":{\"likelihood\":\"bernoulli\"},\"beta\":1}";
		String tensors = "{\"encoder.0.weight\":\"fc1.weight\",\"encoder.0.bias\":\"fc1.bias\",\"mu.weight\":\"fc21.weight\","
				+ "\"mu.bias\":\"fc21.bias\",\"logvar.weight\":\"fc22.weight\",\"logvar.bias\":\"fc22.bias\","
				+ "\"decoder.0.weight\":\"fc3.weight\",\"decoder.0.bias\":\"fc3.bias\",\"decoder.2.weight\":\"fc4.weight\","
				+ "\"decoder.2.bias\":\"fc4.bias\"}";
		JsonNode manifest = JSON.readTree("{\"preset\":\"layers\",\"name\":\"mapped\",\"architecture\":" + architecture
				+ ",\"tensors\":" + tensors + "}");
		Imported mapped = TorchImport.read(fixture("pytorch-examples-vae.safetensors"), manifest, 1_000_000);
		Imported preset = load("pytorch-examples-vae");
		assertThat(mapped.network().parametersAsFloats()).containsExactly(preset.network().parametersAsFloats());
		assertThat(mapped.manifest().name()).isEqualTo("mapped");
	}

	@Test
	void anExportImportsAgainWithoutAManifest() throws IOException {
		for (String stem : List.of("pytorch-examples-vae", "pytorch-vae-vanilla")) {
			Imported imported = load(stem);
			Path export = this.dir.resolve(stem + "-export.safetensors");
			try (OutputStream out = Files.newOutputStream(export)) {
				SafeTensorsExport.write(out, imported.manifest(), imported.network());
			}
			Imported again = TorchImport.read(export, null, 1_000_000);
			assertThat(again.manifest().architecture()).isEqualTo(imported.manifest().architecture());
			assertThat(again.network().parametersAsFloats()).containsExactly(imported.network().parametersAsFloats());
			assertThat(again.network().buffersAsFloats()).containsExactly(imported.network().buffersAsFloats());
			try (SafeTensors read = SafeTensors.open(export, "export")) {
				assertThat(read.metadata()).containsKeys(TorchImport.IMPORT_METADATA,
						SafeTensorsExport.MANIFEST_METADATA);
				if (stem.equals("pytorch-examples-vae")) {
					assertThat(read.tensors()).containsOnlyKeys("fc1.weight", "fc1.bias", "fc21.weight", "fc21.bias",
							"fc22.weight", "fc22.bias", "fc3.weight", "fc3.bias", "fc4.weight", "fc4.bias");
				}
				else {
					assertThat(read.tensors()).containsKey("encoder.0.weight").doesNotContainKey("fc_mu.weight");
				}
			}
		}
	}

	/** Imports a fixture and returns the largest relative error of μ, log σ², x̂. */
	private double compare(String stem) throws IOException {
		JsonNode expected = JSON.readTree(Files.readString(fixture(stem + ".json")));
		Network network = load(stem).network();
		Encoding encoding = network.encode(matrix(expected.get("inputs")));
		double mu = relativeError(encoding.mu(), matrix(expected.get("mu")));
		double logvar = relativeError(encoding.logvar(), matrix(expected.get("logvar")));
		double decoded = relativeError(network.decodeMean(matrix(expected.get("z"))), matrix(expected.get("decoded")));
		System.out.printf("%s: max relative error mu %.2e, logvar %.2e, decoder mean %.2e%n", stem, mu, logvar,
				decoded);
		return Math.max(mu, Math.max(logvar, decoded));
	}

	/** max |a − b| / max |b|. */
	static double relativeError(double[][] actual, double[][] expected) {
		assertThat(actual.length).isEqualTo(expected.length);
		double scale = 0;
		double error = 0;
		for (int i = 0; i < expected.length; i++) {
			assertThat(actual[i]).hasSameSizeAs(expected[i]);
			for (int j = 0; j < expected[i].length; j++) {
				scale = Math.max(scale, Math.abs(expected[i][j]));
				error = Math.max(error, Math.abs(actual[i][j] - expected[i][j]));
			}
		}
		return error / scale;
	}

	static double[][] matrix(JsonNode rows) {
		double[][] m = new double[rows.size()][];
		for (int i = 0; i < m.length; i++) {
			m[i] = new double[rows.get(i).size()];
			for (int j = 0; j < m[i].length; j++) {
				m[i][j] = rows.get(i).get(j).doubleValue();
			}
		}
		return m;
	}

	private Imported load(String stem) throws IOException {
		return TorchImport.read(fixture(stem + ".safetensors"), fixtureManifest(stem), 1_000_000);
	}

	private JsonNode fixtureManifest(String stem) throws IOException {
		return JSON.readTree(Files.readString(fixture(stem + ".json"))).get("manifest");
	}

	/** A fixture copied to a file, as the service receives uploads. */
	Path fixture(String name) throws IOException {
		Path file = this.dir.resolve(name);
		if (!Files.exists(file)) {
			try (InputStream in = TorchImportTests.class.getResourceAsStream("/imports/" + name)) {
				Files.copy(in, file);
			}
		}
		return file;
	}

}
