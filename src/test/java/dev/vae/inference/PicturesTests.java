package dev.vae.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.HttpFixture;
import dev.vae.TestStorage;
import dev.vae.data.Shapes;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static dev.vae.HttpFixture.doubles;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * PNG out and in: sizes, grid layout, and pixels equal to the JSON values of the same
 * request.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "server.address=127.0.0.1", "vae.batching.enabled=false" })
class PicturesTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	@LocalServerPort
	int port;

	private final HttpClient client = HttpClient.newHttpClient();

	@DynamicPropertySource
	static void storage(DynamicPropertyRegistry registry) {
		registry.add("vae.storage.dir", TestStorage::newDirectory);
	}

	private HttpResponse<byte[]> send(String method, String path, String contentType, byte[] body, String accept)
			throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
		if (accept != null) {
			request.header("Accept", accept);
		}
		if (body == null) {
			request.GET();
		}
		else {
			request.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(body));
		}
		return this.client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
	}

	private static BufferedImage png(HttpResponse<byte[]> response) throws Exception {
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).contains("image/png");
		return ImageIO.read(new ByteArrayInputStream(response.body()));
	}

	private static int pixel(BufferedImage image, int tile, int columns, int scale, int row, int col) {
		int x = (tile % columns) * (28 * scale + scale) + col * scale;
		int y = (tile / columns) * (28 * scale + scale) + row * scale;
		return image.getRaster().getSample(x, y, 0);
	}

	@Test
	void aSampleGridShowsExactlyTheJsonMeans() throws Exception {
		byte[] request = JSON.writeValueAsBytes(Map.of("n", 5, "seed", 11));
		BufferedImage image = png(
				send("POST", "/sample?format=png&columns=3&scale=2", "application/json", request, null));
		assertThat(image.getWidth()).isEqualTo(3 * 56 + 2 * 2);
		assertThat(image.getHeight()).isEqualTo(2 * 56 + 2);
		JsonNode json = JSON.readTree(send("POST", "/sample", "application/json", request, null).body());
		for (int t = 0; t < 5; t++) {
			double[] mean = doubles(json.at("/results/" + t + "/mean"));
			for (int r = 0; r < 28; r += 3) {
				for (int c = 0; c < 28; c += 3) {
					assertThat(pixel(image, t, 3, 2, r, c)).as("tile %d (%d, %d)", t, r, c)
						.isEqualTo(Images.grey(mean[r * 28 + c]));
				}
			}
		}
		// the sixth cell of the 3 × 2 grid is empty: separator grey
		assertThat(pixel(image, 5, 3, 2, 14, 14)).isEqualTo(Images.SEPARATOR);
	}

	@Test
	void reconstructionsSitBesideTheirOriginals() throws Exception {
		double[][] x = { Shapes.generate(1, 22_000, 1).examples().row(0),
				Shapes.generate(1, 22_001, 1).examples().row(0) };
		byte[] request = JSON.writeValueAsBytes(Map.of("inputs", x));
		BufferedImage image = png(send("POST", "/reconstruct?scale=1", "application/json", request, "image/png"));
		assertThat(image.getWidth()).isEqualTo(4 * 28 + 3);
		JsonNode json = JSON.readTree(send("POST", "/reconstruct", "application/json", request, null).body());
		for (int i = 0; i < 2; i++) {
			double[] r = doubles(json.at("/results/" + i + "/reconstruction"));
			for (int p = 0; p < 784; p += 7) {
				assertThat(pixel(image, 2 * i, 8, 1, p / 28, p % 28)).isEqualTo(Images.grey(x[i][p]));
				assertThat(pixel(image, 2 * i + 1, 8, 1, p / 28, p % 28)).isEqualTo(Images.grey(r[p]));
			}
		}
	}

	@Test
	void anUploadedPngEncodesLikeItsVector() throws Exception {
		float[] shape = Shapes.render(new Shapes.Factors(Shapes.Shape.HEART, 0.8, 0.2, 0.4, 0.6));
		BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
		double[] vector = new double[784];
		for (int p = 0; p < 784; p++) {
			int grey = Images.grey(shape[p]);
			image.getRaster().setSample(p % 28, p / 28, 0, grey);
			vector[p] = grey / 255.0;
		}
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		ImageIO.write(image, "png", bytes);
		JsonNode fromImage = JSON.readTree(send("POST", "/encode", "image/png", bytes.toByteArray(), null).body());
		JsonNode fromVector = JSON.readTree(send("POST", "/encode", "application/json",
				JSON.writeValueAsBytes(Map.of("inputs", new double[][] { vector })), null)
			.body());
		double[] a = doubles(fromImage.at("/results/0/mu"));
		double[] b = doubles(fromVector.at("/results/0/mu"));
		for (int k = 0; k < a.length; k++) {
			assertThat(a[k]).isCloseTo(b[k], within(1e-6));
		}
		HttpResponse<byte[]> bad = send("POST", "/encode", "image/png", "not an image".getBytes(), null);
		assertThat(bad.statusCode()).isEqualTo(400);
		assertThat(new String(bad.body())).contains("is not an image");
	}

	@Test
	void traversalsInterpolationsAndTheManifold() throws Exception {
		BufferedImage traversal = png(send("GET", "/traverse?dims=0,3,5&steps=7&scale=1", null, null, null));
		assertThat(traversal.getWidth()).isEqualTo(7 * 28 + 6);
		assertThat(traversal.getHeight()).isEqualTo(3 * 28 + 2);
		JsonNode json = JSON.readTree(send("GET", "/traverse?dims=0,3,5&steps=7&format=json", null, null, null).body());
		assertThat(json.get("rows")).hasSize(3);
		assertThat(json.get("values").get(0).asDouble()).isEqualTo(-3.0);
		assertThat(pixel(traversal, 7 + 2, 7, 1, 14, 14))
			.isEqualTo(Images.grey(json.at("/rows/1/2").get(14 * 28 + 14).asDouble()));

		HttpFixture http = new HttpFixture(this.port);
		double[] a = new double[20];
		double[] b = new double[20];
		a[0] = 2;
		b[1] = 2;
		JsonNode linear = http.post("/interpolate", Map.of("z", new double[][] { a, b }, "steps", 3)).body();
		assertThat(doubles(linear.at("/z/1"))[0]).isEqualTo(1.0);
		JsonNode spherical = http
			.post("/interpolate", Map.of("z", new double[][] { a, b }, "steps", 3, "method", "spherical"))
			.body();
		double[] middle = doubles(spherical.at("/z/1"));
		assertThat(Math.hypot(middle[0], middle[1])).isCloseTo(2.0, within(1e-12));
		assertThat(http.get("/manifold").status()).isEqualTo(409);

		// a model with a 2-D latent space has a manifold
		dev.vae.model.network.FormatOneArchitecture twoD = dev.vae.model.network.FormatOneArchitecture.mirrored(
				java.util.List.of(28, 28, 1), java.util.List.of(16), 2, dev.vae.model.network.ActivationKind.TANH,
				dev.vae.model.head.Likelihood.BERNOULLI, 1, 1);
		java.nio.file.Path file = java.nio.file.Files.createTempFile("two-d", ".vae");
		dev.vae.model.checkpoint.FormatOneFixtures.writeFormatOne(file,
				dev.vae.model.checkpoint.FormatOneManifest.draft("two-d", twoD, null, null), 4);
		String id = http.postBytes("/models", java.nio.file.Files.readAllBytes(file), "application/octet-stream")
			.body()
			.get("id")
			.asText();
		BufferedImage manifold = png(send("GET", "/manifold?n=5&scale=1&model=" + id, null, null, null));
		assertThat(manifold.getWidth()).isEqualTo(5 * 28 + 4);
		assertThat(manifold.getHeight()).isEqualTo(5 * 28 + 4);
		assertThat(http.get("/traverse?dims=99").status()).isEqualTo(400);
	}

	@Test
	void aColourModelAnswersInRgbBothWays() throws Exception {
		HttpFixture http = new HttpFixture(this.port);
		dev.vae.model.network.FormatOneArchitecture colour = dev.vae.model.network.FormatOneArchitecture.mirrored(
				java.util.List.of(6, 5, 3), java.util.List.of(16), 3, dev.vae.model.network.ActivationKind.TANH,
				dev.vae.model.head.Likelihood.BERNOULLI, 1, 1);
		java.nio.file.Path file = java.nio.file.Files.createTempFile("colour", ".vae");
		dev.vae.model.checkpoint.FormatOneFixtures.writeFormatOne(file,
				dev.vae.model.checkpoint.FormatOneManifest.draft("colour", colour, null, null), 5);
		String id = http.postBytes("/models", java.nio.file.Files.readAllBytes(file), "application/octet-stream")
			.body()
			.get("id")
			.asText();
		// out: a tile per z, RGB, each band the JSON mean of its channel plane
		byte[] request = JSON.writeValueAsBytes(Map.of("z", new double[][] { { 1, -1, 0.5 } }, "model", id));
		JsonNode json = JSON.readTree(send("POST", "/decode", "application/json", request, null).body());
		double[] mean = doubles(json.at("/results/0/mean"));
		BufferedImage tile = png(send("POST", "/decode?format=png&scale=1", "application/json", request, null));
		assertThat(tile.getWidth()).isEqualTo(5);
		assertThat(tile.getHeight()).isEqualTo(6);
		for (int band = 0; band < 3; band++) {
			for (int r = 0; r < 6; r++) {
				for (int c = 0; c < 5; c++) {
					assertThat(tile.getRaster().getSample(c, r, band))
						.isEqualTo((int) Math.round(255 * mean[band * 30 + r * 5 + c]));
				}
			}
		}
		// in: an RGB picture encodes like its channels-first vector
		BufferedImage picture = new BufferedImage(5, 6, BufferedImage.TYPE_INT_RGB);
		double[] x = new double[90];
		for (int r = 0; r < 6; r++) {
			for (int c = 0; c < 5; c++) {
				int red = 40 * r;
				int green = 50 * c;
				int blue = 255 - 20 * (r + c);
				picture.setRGB(c, r, (red << 16) | (green << 8) | blue);
				x[r * 5 + c] = red / 255.0;
				x[30 + r * 5 + c] = green / 255.0;
				x[60 + r * 5 + c] = blue / 255.0;
			}
		}
		java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
		ImageIO.write(picture, "png", bytes);
		double[] fromPicture = doubles(
				JSON.readTree(send("POST", "/encode?model=" + id, "image/png", bytes.toByteArray(), null).body())
					.at("/results/0/mu"));
		double[] fromVector = doubles(
				http.post("/encode", Map.of("inputs", new double[][] { x }, "model", id)).body().at("/results/0/mu"));
		for (int k = 0; k < 3; k++) {
			assertThat(fromPicture[k]).isCloseTo(fromVector[k], within(1e-6));
		}
	}

}
