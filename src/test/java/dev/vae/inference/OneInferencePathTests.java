package dev.vae.inference;

import dev.vae.registry.ModelResolver;
import dev.vae.registry.ServedModel;
import dev.vae.system.VaeProperties;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.RequestBuilder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Every entry point takes the one path: the model is resolved once per request, even when
 * the request encodes and decodes, draws pictures or is an image. The resolver here swaps
 * the active model on every call, as a hot swap between two steps of a request would; a
 * second resolution would answer part of the request with the other model.
 */
@WebMvcTest({ ScoreController.class, InferenceController.class, PicturesController.class, LossController.class,
		ImageInputController.class, BinaryTensorController.class })
@Import({ InferenceService.class, LossService.class, ScoreService.class, Batching.class, Predictor.class,
		OneInferencePathTests.Swapping.class, dev.vae.system.SecurityConfiguration.class })
@TestPropertySource(properties = { "vae.batching.enabled=true", "spring.mvc.problemdetails.enabled=true" })
class OneInferencePathTests {

	@Autowired
	MockMvc mvc;

	@Autowired
	Swapping swapping;

	@org.springframework.test.context.bean.override.mockito.MockitoBean
	dev.vae.registry.ModelReferences references;

	@org.springframework.test.context.bean.override.mockito.MockitoBean
	dev.vae.data.DatasetService datasets;

	@TestConfiguration
	@EnableConfigurationProperties({ VaeProperties.class, dev.vae.system.AnomalySettings.class })
	static class Swapping {

		final AtomicInteger resolutions = new AtomicInteger();

		@Bean
		io.micrometer.core.instrument.MeterRegistry meters() {
			return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
		}

		@Bean
		ModelResolver models() {
			// two 1×2×2 models with a 2-dimensional latent space, active in turn
			ServedModel a = FakeModel.aFakeModel("a", List.of(2, 2, 1), 2, FakeModel.Behaviour.ECHO);
			ServedModel b = FakeModel.aFakeModel("b", List.of(2, 2, 1), 2, FakeModel.Behaviour.ECHO);
			return (id) -> {
				int n = this.resolutions.incrementAndGet();
				return (id != null) ? (id.equals("a") ? a : b) : ((n % 2 == 1) ? a : b);
			};
		}

	}

	@BeforeEach
	void reset() {
		this.swapping.resolutions.set(0);
	}

	private void resolvedOnce(RequestBuilder request) throws Exception {
		this.mvc.perform(request).andExpect(status().isOk());
		assertThat(this.swapping.resolutions.get()).as("model resolutions for one request").isEqualTo(1);
		reset();
	}

	private static RequestBuilder json(String path, String body) {
		return post(path).contentType(MediaType.APPLICATION_JSON).content(body);
	}

	@Test
	void jsonEntryPointsResolveTheModelOnce() throws Exception {
		String inputs = "{\"inputs\": [[0.1, 0.2, 0.3, 0.4]]}";
		resolvedOnce(json("/encode", inputs));
		resolvedOnce(json("/decode", "{\"z\": [[0.5, -0.5]]}"));
		resolvedOnce(json("/decode?format=png", "{\"z\": [[0.5, -0.5]]}"));
		resolvedOnce(json("/reconstruct", inputs));
		resolvedOnce(json("/reconstruct?format=png", inputs));
		resolvedOnce(json("/sample?format=png", "{\"n\": 2, \"seed\": 1}"));
		resolvedOnce(json("/loss", "{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"samples\": 2, \"iwae_k\": 3}"));
		resolvedOnce(json("/score", "{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"k\": 3}"));
		resolvedOnce(json("/score?format=png", "{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"k\": 3}"));
	}

	@Test
	void picturesResolveTheModelOnceForEncoderAndDecoder() throws Exception {
		resolvedOnce(json("/interpolate", "{\"inputs\": [[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]], \"steps\": 3}"));
		resolvedOnce(json("/traverse?format=json", "{\"input\": [0.1, 0.2, 0.3, 0.4], \"steps\": 3}"));
		resolvedOnce(get("/manifold?n=3"));
	}

	@Test
	void imageAndBinaryEntryPointsResolveTheModelOnce() throws Exception {
		BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
		ByteArrayOutputStream png = new ByteArrayOutputStream();
		ImageIO.write(image, "png", png);
		resolvedOnce(post("/encode").contentType(MediaType.IMAGE_PNG).content(png.toByteArray()));
		resolvedOnce(post("/reconstruct?format=png").contentType(MediaType.IMAGE_PNG).content(png.toByteArray()));
		resolvedOnce(post("/loss").contentType(MediaType.IMAGE_PNG).content(png.toByteArray()));
		resolvedOnce(post("/score?k=3").contentType(MediaType.IMAGE_PNG).content(png.toByteArray()));
		byte[] rows = ByteBuffer.allocate(4 * 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).array();
		resolvedOnce(post("/encode").contentType(MediaType.APPLICATION_OCTET_STREAM).content(rows));
		resolvedOnce(post("/score?k=3").contentType(MediaType.APPLICATION_OCTET_STREAM).content(rows));
		byte[] z = ByteBuffer.allocate(2 * 4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).array();
		resolvedOnce(post("/decode").contentType(MediaType.APPLICATION_OCTET_STREAM).content(z));
	}

	@Test
	void theAnswerNamesTheModelThatProducedIt() throws Exception {
		// the encoder's μ (the fake echoes the first inputs) arrives from the named model
		this.mvc.perform(json("/encode?model=b", "{\"inputs\": [[0.25, 0.75, 0, 0]]}"))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.model").value("b"))
			.andExpect(jsonPath("$.results[0].mu[1]").value(0.75));
	}

}
