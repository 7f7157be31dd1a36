package dev.vae.inference;

import dev.vae.registry.ModelResolver;
import dev.vae.registry.ServedModel;
import dev.vae.system.VaeProperties;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.imageio.ImageIO;

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

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The image and binary entry points over a fake model: no native library, answers a test
 * can predict, and a model that fails.
 */
@WebMvcTest({ ImageInputController.class, BinaryTensorController.class })
@Import({ InferenceService.class, LossService.class, ScoreService.class, Batching.class, Predictor.class,
		ImageAndBinaryControllerTests.Fakes.class, dev.vae.system.SecurityConfiguration.class })
@TestPropertySource(properties = { "vae.batching.enabled=false", "spring.mvc.problemdetails.enabled=true" })
class ImageAndBinaryControllerTests {

	@Autowired
	MockMvc mvc;

	@org.springframework.test.context.bean.override.mockito.MockitoBean
	dev.vae.registry.ModelReferences references;

	@org.springframework.test.context.bean.override.mockito.MockitoBean
	dev.vae.data.DatasetService datasets;

	@TestConfiguration
	@EnableConfigurationProperties({ VaeProperties.class, dev.vae.system.AnomalySettings.class })
	static class Fakes {

		@Bean
		io.micrometer.core.instrument.MeterRegistry meters() {
			return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
		}

		@Bean
		ModelResolver models() {
			Map<String, ServedModel> models = new ConcurrentHashMap<>();
			models.put("echo", FakeModel.aFakeModel("echo", List.of(2, 2, 3), 3, FakeModel.Behaviour.ECHO));
			models.put("broken", FakeModel.aFakeModel("broken", List.of(2, 2, 3), 3, FakeModel.Behaviour.THROW));
			return (id) -> models.get((id == null) ? "echo" : id);
		}

	}

	@Test
	void anRgbImageBecomesTheChannelsFirstVector() throws Exception {
		// R plane first: μ = the first three inputs = the red of pixels (0,0), (0,1),
		// (1,0)
		BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
		image.setRGB(0, 0, 0xff0000);
		image.setRGB(1, 0, 0x000000);
		image.setRGB(0, 1, 0x330000);
		image.setRGB(1, 1, 0x00ff00);
		ByteArrayOutputStream png = new ByteArrayOutputStream();
		ImageIO.write(image, "png", png);
		this.mvc.perform(post("/encode").contentType(MediaType.IMAGE_PNG).content(png.toByteArray()))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.results[0].mu[0]").value(1.0))
			.andExpect(jsonPath("$.results[0].mu[1]").value(0.0))
			.andExpect(jsonPath("$.results[0].mu[2]").value((double) (0x33 / 255f)));
	}

	@Test
	void binaryRowsArriveAsTheyWereSent() throws Exception {
		ByteBuffer body = ByteBuffer.allocate(2 * 12 * 4).order(ByteOrder.LITTLE_ENDIAN);
		for (int i = 0; i < 24; i++) {
			body.putFloat(i / 32f);
		}
		this.mvc
			.perform(post("/encode").contentType(MediaType.APPLICATION_OCTET_STREAM)
				.header("X-Tensor-Shape", "2,12")
				.content(body.array()))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.results[1].mu[0]").value(12 / 32.0))
			.andExpect(jsonPath("$.results[1].mu[2]").value(14 / 32.0));
	}

	@Test
	void aFailingModelIsA500ProblemWithoutItsInternals() throws Exception {
		ByteBuffer body = ByteBuffer.allocate(12 * 4).order(ByteOrder.LITTLE_ENDIAN);
		this.mvc
			.perform(post("/encode?model=broken").contentType(MediaType.APPLICATION_OCTET_STREAM).content(body.array()))
			.andExpect(status().isInternalServerError())
			.andExpect(jsonPath("$.type").value("/problems/internal-error"))
			.andExpect(jsonPath("$.detail").value(not(containsString("java."))));
	}

}
