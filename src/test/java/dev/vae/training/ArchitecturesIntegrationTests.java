package dev.vae.training;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;
import dev.vae.data.Shapes;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static dev.vae.HttpFixture.doubles;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any architecture through HTTP: a conv VAE on colour shapes trained by a job, activated
 * and served by every endpoint in colour; a layer list that does not fit is refused with
 * the layer and the shape named.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
class ArchitecturesIntegrationTests {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	@Test
	void aConvVaeOnColourShapesIsTrainedActivatedAndServedInColour() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		JsonNode dataset = http.post("/datasets/shapes", Map.of("count", 256, "seed", 3, "channels", 3, "size", 16))
			.body();
		assertThat(dataset.get("channels").asInt()).isEqualTo(3);
		HttpFixture.Answer job = http.post("/jobs",
				Map.of("dataset", dataset.get("id").asText(), "architecture", "conv", "widths", List.of(8, 16),
						"latentSize", 4, "epochs", 2, "batchSize", 32, "name", "colour-conv"));
		assertThat(job.status()).as(String.valueOf(job.body())).isEqualTo(202);
		JsonNode done = await(http, job.body().get("id").asText());
		assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
		String model = done.get("model").asText();

		JsonNode manifest = http.get("/models/" + model).body().get("manifest");
		assertThat(manifest.get("formatVersion").asInt()).isEqualTo(2);
		assertThat(manifest.at("/architecture/inputShape").toString()).isEqualTo("[3,16,16]");
		assertThat(manifest.at("/architecture/encoder/0/type").asText()).isEqualTo("conv2d");
		assertThat(manifest.at("/architecture/encoder/1/type").asText()).isEqualTo("batch-norm");
		assertThat(manifest.get("bufferCount").asLong()).isPositive();
		assertThat(http.post("/models/" + model + "/activate", "").status()).isEqualTo(200);
		assertThat(http.get("/model").body().get("id").asText()).isEqualTo(model);

		double[] x = Shapes.generate(3, 900, 1, 16, 3).examples().row(0);
		JsonNode encoded = http.post("/encode", Map.of("inputs", new double[][] { x })).body();
		assertThat(encoded.at("/results/0/mu")).hasSize(4);
		double[] z = { 0.5, -1, 0.25, 1 };
		JsonNode decoded = http.post("/decode", Map.of("z", new double[][] { z })).body();
		double[] mean = doubles(decoded.at("/results/0/mean"));
		assertThat(mean).hasSize(768);
		BufferedImage tile = png(http, "/decode?format=png&scale=1", Map.of("z", new double[][] { z }));
		assertThat(tile.getRaster().getNumBands()).isEqualTo(3);
		for (int band = 0; band < 3; band++) {
			for (int r = 0; r < 16; r += 5) {
				for (int c = 0; c < 16; c += 5) {
					assertThat(tile.getRaster().getSample(c, r, band))
						.isEqualTo((int) Math.round(255 * mean[band * 256 + r * 16 + c]));
				}
			}
		}
		BufferedImage samples = png(http, "/sample?format=png&scale=1&columns=4", Map.of("n", 4, "seed", 1));
		assertThat(samples.getWidth()).isEqualTo(4 * 16 + 3);
		assertThat(samples.getRaster().getNumBands()).isEqualTo(3);
		JsonNode loss = http.post("/loss", Map.of("inputs", new double[][] { x }, "samples", 4, "seed", 1)).body();
		assertThat(loss.get("likelihood").asText()).isEqualTo("bernoulli");
		assertThat(loss.at("/results/0/at_mean/bce").asDouble()).isPositive();
		BufferedImage pairs = png(http, "/reconstruct?format=png&scale=1", Map.of("inputs", new double[][] { x }));
		assertThat(pairs.getWidth()).isEqualTo(2 * 16 + 1);
		assertThat(http.post("/models/default/activate", "").status()).isEqualTo(200);
	}

	@Test
	void aLearnedVarianceDecoderIsServedAndItsLossUsesItsOwnLikelihood() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = http.post("/datasets/shapes", Map.of("count", 200, "seed", 4)).body().get("id").asText();
		HttpFixture.Answer job = http.post("/jobs", Map.of("dataset", dataset, "hidden", List.of(32), "latentSize", 2,
				"epochs", 1, "likelihood", "gaussian-learned-variance", "outputActivation", "sigmoid"));
		assertThat(job.status()).as(String.valueOf(job.body())).isEqualTo(202);
		JsonNode done = await(http, job.body().get("id").asText());
		assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
		String model = done.get("model").asText();
		double[] x = Shapes.generate(4, 900, 1).examples().row(0);
		JsonNode loss = http
			.post("/loss", Map.of("inputs", new double[][] { x }, "samples", 3, "iwae_k", 5, "seed", 2, "model", model))
			.body();
		assertThat(loss.get("likelihood").asText()).isEqualTo("gaussian-learned-variance");
		JsonNode atMean = loss.at("/results/0/at_mean");
		assertThat(atMean.has("bce")).isFalse();
		double kl = loss.at("/results/0/kl/total").asDouble();
		assertThat(atMean.at("/elbo/model").asDouble()).isEqualTo(-(atMean.get("model_nll").asDouble() + kl));
		assertThat(loss.at("/results/0/iwae/likelihood").asText()).isEqualTo("gaussian-learned-variance");
		assertThat(loss.at("/results/0/iwae/k").asInt()).isEqualTo(5);
		assertThat(loss.at("/results/0/monte_carlo/samples").asInt()).isEqualTo(3);
		JsonNode decoded = http
			.post("/decode", Map.of("z", new double[][] { { 0.1, -0.2 } }, "sample", true, "seed", 3, "model", model))
			.body();
		assertThat(decoded.at("/results/0/mean")).hasSize(784);
		assertThat(decoded.at("/results/0/sample")).hasSize(784);
		assertThat(decoded.get("likelihood").asText()).isEqualTo("gaussian-learned-variance");
	}

	@Test
	void aLayerListThatDoesNotFitIsRefusedNamingTheLayerAndShape() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		String dataset = http.post("/datasets/shapes", Map.of("count", 20, "seed", 1)).body().get("id").asText();
		Map<String, Object> architecture = Map.of("encoder", List.of(Map.of("type", "dense", "out", 8)), "decoder",
				List.of(Map.of("type", "dense", "out", 784)));
		HttpFixture.Answer refused = http.post("/jobs", Map.of("dataset", dataset, "architecture", architecture));
		assertThat(refused.status()).isEqualTo(400);
		assertThat(refused.body().get("field").asText()).isEqualTo("architecture");
		assertThat(refused.body().get("detail").asText()).contains("encoder layer 0", "1×28×28", "flatten");
		// the README's own layer list, with batch norm at PyTorch's defaults, trains
		String layers = "{\"dataset\": \"" + dataset + "\", \"latentSize\": 2, \"epochs\": 1, \"batchSize\": 10, "
				+ "\"architecture\": {\"encoder\": [{\"type\": \"conv2d\", \"out\": 4, \"kernel\": 3, \"stride\": 2, "
				+ "\"padding\": 1}, {\"type\": \"batch-norm\"}, {\"type\": \"activation\", \"function\": \"relu\"}, "
				+ "{\"type\": \"flatten\"}], \"decoder\": [{\"type\": \"dense\", \"out\": 784}, {\"type\": \"reshape\", "
				+ "\"shape\": [4, 14, 14]}, {\"type\": \"activation\", \"function\": \"leaky-relu\"}, "
				+ "{\"type\": \"conv-transpose2d\", \"out\": 1, \"kernel\": 3, \"stride\": 2, \"padding\": 1, "
				+ "\"outputPadding\": 1}]}}";
		HttpFixture.Answer custom = http.post("/jobs", layers);
		assertThat(custom.status()).as(String.valueOf(custom.body())).isEqualTo(202);
		JsonNode trained = await(http, custom.body().get("id").asText());
		assertThat(trained.get("status").asText()).as(trained.toString()).isEqualTo("SUCCEEDED");
		JsonNode encoder = http.get("/models/" + trained.get("model").asText())
			.body()
			.at("/manifest/architecture/encoder");
		assertThat(encoder.at("/1/eps").asDouble()).isEqualTo(1e-5);
		assertThat(encoder.at("/1/momentum").asDouble()).isEqualTo(0.1);
		HttpFixture.Answer unknown = http.post("/jobs", Map.of("dataset", dataset, "architecture", "resnet"));
		assertThat(unknown.status()).isEqualTo(400);
		assertThat(unknown.body().get("detail").asText()).contains("\"mlp\"", "\"conv\"");
	}

	private static JsonNode await(HttpFixture http, String job) throws InterruptedException {
		for (int i = 0; i < 1200; i++) {
			JsonNode view = http.get("/jobs/" + job).body();
			String status = view.get("status").asText();
			if (!status.equals("QUEUED") && !status.equals("RUNNING")) {
				return view;
			}
			Thread.sleep(100);
		}
		throw new AssertionError("job " + job + " did not finish in 2 minutes");
	}

	private BufferedImage png(HttpFixture http, String path, Object body) throws Exception {
		HttpResponse<byte[]> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers
					.ofString(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(body)))
				.build(), HttpResponse.BodyHandlers.ofByteArray());
		assertThat(response.statusCode()).as(new String(response.body())).isEqualTo(200);
		return ImageIO.read(new ByteArrayInputStream(response.body()));
	}

}
