package dev.vae.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;
import dev.vae.model.interop.SafeTensors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.variational.BernoulliReconstructionDistribution;
import org.deeplearning4j.nn.conf.layers.variational.VariationalAutoencoder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POST /models/import and GET /models/{id}/export over real HTTP: the PyTorch fixtures
 * serve what PyTorch computed, a DL4J zip serves what DL4J computes, an export imports
 * back, and every bad file is a 4xx problem that stores nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.storage.max-upload=1MB" })
class ImportIntegrationTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final String STORAGE = TestStorage.newDirectory();

	@LocalServerPort
	int port;

	@TempDir
	Path dir;

	private HttpFixture http;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", () -> STORAGE);
	}

	@BeforeEach
	void connect() {
		this.http = new HttpFixture(this.port);
	}

	@Test
	void pytorchFixturesServeWhatPyTorchComputedAndAreNotActivated() throws IOException {
		for (String stem : List.of("pytorch-examples-vae", "pytorch-vae-vanilla")) {
			JsonNode expected = JSON.readTree(resource(stem + ".json"));
			HttpFixture.Answer created = importFile(resource(stem + ".safetensors"),
					expected.get("manifest").toString(),
					stem.equals("pytorch-vae-vanilla") ? "application/json" : null);
			assertThat(created.status()).as(stem).isEqualTo(201);
			assertThat(created.body().get("source").asText()).isEqualTo("import");
			assertThat(created.body().get("active").asBoolean()).isFalse();
			String id = created.body().get("id").asText();
			assertMatches(id, expected);
		}
	}

	@Test
	void anExportLoadsUnderPyTorchNamesAndImportsBackWithoutAManifest() throws IOException {
		JsonNode expected = JSON.readTree(resource("pytorch-examples-vae.json"));
		String id = importFile(resource("pytorch-examples-vae.safetensors"), expected.get("manifest").toString(), null)
			.body()
			.get("id")
			.asText();
		byte[] export = this.http.bytes("/models/" + id + "/export?format=safetensors");
		Path file = this.dir.resolve("export.safetensors");
		Files.write(file, export);
		try (SafeTensors read = SafeTensors.open(file, "export")) {
			assertThat(read.tensors()).containsKeys("fc1.weight", "fc21.bias", "fc22.weight", "fc3.bias", "fc4.weight");
			assertThat(read.metadata()).containsKey("vae.manifest");
		}
		HttpFixture.Answer again = importFile(export, null, null);
		assertThat(again.status()).isEqualTo(201);
		assertMatches(again.body().get("id").asText(), expected);
		assertThat(this.http.get("/models/" + id + "/export?format=onnx").status()).isEqualTo(400);
		assertThat(this.http.get("/models/m-nonexistent/export").status()).isEqualTo(404);
	}

	@Test
	void aDl4jVaeServesWhatDl4jComputes() throws IOException {
		MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
			.seed(5)
			.list()
			.layer(new VariationalAutoencoder.Builder().nIn(6)
				.nOut(2)
				.encoderLayerSizes(5)
				.decoderLayerSizes(5)
				.activation(Activation.TANH)
				.reconstructionDistribution(new BernoulliReconstructionDistribution(Activation.SIGMOID))
				.build())
			.build());
		net.init();
		double[][] x = { { 0, 1, 1, 0, 0, 1 }, { 1, 1, 0, 0, 1, 0 } };
		net.pretrainLayer(0, Nd4j.create(x).castTo(DataType.FLOAT));
		Path file = this.dir.resolve("vae.zip");
		ModelSerializer.writeModel(net, file.toFile(), true);
		HttpFixture.Answer created = importFile(Files.readAllBytes(file), "{\"name\":\"from dl4j\"}", null);
		assertThat(created.status()).isEqualTo(201);
		assertThat(created.body().get("name").asText()).isEqualTo("from dl4j");
		var layer = (org.deeplearning4j.nn.layers.variational.VariationalAutoencoder) net.getLayer(0);
		double[][] mu = layer.activate(Nd4j.create(x).castTo(DataType.FLOAT), false, LayerWorkspaceMgr.noWorkspaces())
			.castTo(DataType.DOUBLE)
			.toDoubleMatrix();
		JsonNode encoded = this.http.post("/encode", Map.of("inputs", x, "model", created.body().get("id").asText()))
			.body();
		for (int i = 0; i < x.length; i++) {
			for (int k = 0; k < 2; k++) {
				assertThat(encoded.at("/results/" + i + "/mu/" + k).asDouble()).isCloseTo(mu[i][k],
						org.assertj.core.api.Assertions.within(1e-5 * (1 + Math.abs(mu[i][k]))));
			}
		}
		// DL4J's Monte Carlo E_q[log p(x|z)] against /loss's Monte Carlo E_q[−log p(x|z)]
		int samples = 1000;
		double[] logProb = layer.reconstructionLogProbability(Nd4j.create(x).castTo(DataType.FLOAT), samples)
			.castTo(DataType.DOUBLE)
			.toDoubleVector();
		JsonNode loss = this.http
			.post("/loss",
					Map.of("inputs", x, "samples", samples, "seed", 3, "model", created.body().get("id").asText()))
			.body();
		for (int i = 0; i < x.length; i++) {
			JsonNode bce = loss.at("/results/" + i + "/monte_carlo/bce");
			assertThat(-logProb[i]).isCloseTo(bce.get("mean").asDouble(),
					org.assertj.core.api.Assertions.within(4 * Math.sqrt(2) * bce.get("standard_error").asDouble()));
		}
	}

	@Test
	void badFilesAre4xxProblemsAndStoreNothing() throws IOException {
		byte[] examples = resource("pytorch-examples-vae.safetensors");
		String manifest = JSON.readTree(resource("pytorch-examples-vae.json")).get("manifest").toString();
		int models = this.http.get("/models").body().size();
		List<String> files = modelFiles();

		problem(importFile(Arrays.copyOf(examples, examples.length - 10), manifest, null), 422, "not valid");
		byte[] lying = examples.clone();
		lying[0] = (byte) (lying[0] + 8);
		problem(importFile(lying, manifest, null), 422, "not valid");
		problem(importFile(examples, "{\"preset\":\"pytorch-vae-vanilla\",\"imageSize\":8,\"hiddenDims\":[4,8]}", null),
				422, "has no tensor 'encoder.0.0.weight'");
		problem(importFile(examples, "{\"preset\":\"pytorch-examples-vae\",\"inputShape\":[1,8,8]}", null), 422,
				"fc1.weight");
		problem(importFile(examples, "{\"preset\":\"stable-diffusion\"}", null), 400, "unknown preset");
		problem(importFile(examples, "{not json", null), 400, "not valid JSON");
		problem(importFile(examples, null, null), 400, "'manifest' part");
		byte[] pickle = { (byte) 0x80, 0x04, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0, 0, '.' };
		problem(importFile(pickle, manifest, null), 422, "pickles are refused because loading one runs code");
		problem(importFile(zip("archive/data.pkl", new byte[] { (byte) 0x80, 2, '.' }), manifest, null), 422,
				"pickles are refused");
		problem(importFile(notAVae(), null, null), 422, "not a VAE");
		byte[] huge = Arrays.copyOf(examples, 1_200_000);
		assertThat(importFile(huge, manifest, null).status()).isEqualTo(413);

		assertThat(this.http.get("/models").body().size()).isEqualTo(models);
		assertThat(modelFiles()).isEqualTo(files);
	}

	private void assertMatches(String id, JsonNode expected) {
		JsonNode encoded = this.http.post("/encode", Map.of("inputs", expected.get("inputs"), "model", id)).body();
		JsonNode decoded = this.http.post("/decode", Map.of("z", expected.get("z"), "model", id)).body();
		double mu = 0;
		double logvar = 0;
		double mean = 0;
		for (int i = 0; i < expected.get("mu").size(); i++) {
			mu = Math.max(mu, error(encoded.at("/results/" + i + "/mu"), expected.get("mu").get(i)));
			logvar = Math.max(logvar, error(encoded.at("/results/" + i + "/logvar"), expected.get("logvar").get(i)));
			mean = Math.max(mean, error(decoded.at("/results/" + i + "/mean"), expected.get("decoded").get(i)));
		}
		assertThat(mu).as("mu").isLessThan(1e-5);
		assertThat(logvar).as("logvar").isLessThan(1e-5);
		assertThat(mean).as("decoder mean").isLessThan(1e-5);
	}

	/** max |a − b| / max |b| over one row. */
	private static double error(JsonNode actual, JsonNode expected) {
		assertThat(actual.size()).isEqualTo(expected.size());
		double scale = 0;
		double error = 0;
		for (int j = 0; j < expected.size(); j++) {
			scale = Math.max(scale, Math.abs(expected.get(j).asDouble()));
			error = Math.max(error, Math.abs(actual.get(j).asDouble() - expected.get(j).asDouble()));
		}
		return error / scale;
	}

	private static void problem(HttpFixture.Answer answer, int status, String detail) {
		assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(status);
		assertThat(answer.body().get("detail").asText()).contains(detail);
	}

	private HttpFixture.Answer importFile(byte[] file, String manifest, String manifestType) throws IOException {
		String boundary = "----import";
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"model.bin\"\r\n"
				+ "Content-Type: application/octet-stream\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		body.write(file);
		if (manifest != null) {
			body.write(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"manifest\"\r\n"
					+ ((manifestType != null) ? "Content-Type: " + manifestType + "\r\n" : "") + "\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			body.write(manifest.getBytes(StandardCharsets.UTF_8));
		}
		body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		return this.http.postBytes("/models/import", body.toByteArray(), "multipart/form-data; boundary=" + boundary);
	}

	private static byte[] resource(String name) throws IOException {
		try (InputStream in = ImportIntegrationTests.class.getResourceAsStream("/imports/" + name)) {
			return in.readAllBytes();
		}
	}

	private static byte[] zip(String entry, byte[] content) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
			zip.putNextEntry(new ZipEntry(entry));
			zip.write(content);
		}
		return bytes.toByteArray();
	}

	private byte[] notAVae() throws IOException {
		MultiLayerNetwork dense = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
			.layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
			.build());
		dense.init();
		Path file = this.dir.resolve("dense.zip");
		ModelSerializer.writeModel(dense, file.toFile(), false);
		return Files.readAllBytes(file);
	}

	private static List<String> modelFiles() throws IOException {
		try (Stream<Path> files = Files.list(Path.of(STORAGE, "models"))) {
			return files.map((p) -> p.getFileName().toString()).sorted().toList();
		}
	}

}
