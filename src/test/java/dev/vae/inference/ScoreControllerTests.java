package dev.vae.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.data.DatasetService;
import dev.vae.model.analysis.AnomalyReference;
import dev.vae.model.analysis.AnomalyScore;
import dev.vae.model.Examples;
import dev.vae.registry.ModelReferences;
import dev.vae.registry.ModelResolver;
import dev.vae.registry.ServedModel;
import dev.vae.system.AnomalySettings;
import dev.vae.system.NotFoundException;
import dev.vae.system.VaeProperties;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.reset;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * {@code /score} and {@code /models/{id}/calibrate} over a fake model (μ = the first two
 * inputs, η = z repeated): the scores are AnomalyScore's through the request's
 * prediction, percentiles and thresholds are the stored reference's, and every bad input
 * is a 4xx problem that stores nothing.
 */
@WebMvcTest({ ScoreController.class, ImageInputController.class, BinaryTensorController.class })
@Import({ InferenceService.class, LossService.class, ScoreService.class, Batching.class, Predictor.class,
		ScoreControllerTests.Fakes.class, dev.vae.system.SecurityConfiguration.class })
@TestPropertySource(properties = { "vae.batching.enabled=true", "spring.mvc.problemdetails.enabled=true" })
class ScoreControllerTests {

	private static final ObjectMapper JSON = new ObjectMapper();

	private static final double[] X = { 0.1, 0.2, 0.3, 0.4 };

	@Autowired
	MockMvc mvc;

	@MockitoBean
	ModelReferences references;

	@MockitoBean
	DatasetService datasets;

	@TestConfiguration
	@EnableConfigurationProperties({ VaeProperties.class, AnomalySettings.class })
	static class Fakes {

		@Bean
		io.micrometer.core.instrument.MeterRegistry meters() {
			return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
		}

		@Bean
		ModelResolver models() {
			ServedModel echo = echo();
			return (id) -> {
				if (id != null && !id.equals("echo")) {
					throw new NotFoundException("model", id);
				}
				return echo;
			};
		}

	}

	static ServedModel echo() {
		return FakeModel.aFakeModel("echo", List.of(2, 2, 1), 2, FakeModel.Behaviour.ECHO);
	}

	/** What AnomalyScore gives for X with k draws from seed, on the same fake. */
	private static AnomalyScore.Score expected(int k, long seed) {
		ServedModel m = echo();
		return AnomalyScore.score(m.network(), m.head(), 2, new double[][] { X }, k, seed, true).get(0);
	}

	@BeforeEach
	void clear() {
		reset(this.references, this.datasets);
	}

	private JsonNode score(String body) throws Exception {
		MvcResult r = this.mvc.perform(post("/score").contentType(MediaType.APPLICATION_JSON).content(body))
			.andExpect(status().isOk())
			.andReturn();
		return JSON.readTree(r.getResponse().getContentAsString());
	}

	@Test
	void withoutAReferenceTheRawScoresComeWithTheReasonThereIsNoPercentile() throws Exception {
		JsonNode answer = score(
				"{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"k\": 10, \"seed\": 7, \"pixels\": \"numbers\"}");
		AnomalyScore.Score s = expected(10, 7);
		JsonNode r = answer.get("results").get(0);
		assertThat(r.get("score").get("value").asDouble()).isEqualTo(s.negLogLikelihood());
		assertThat(r.get("score").get("standard_error").asDouble()).isEqualTo(s.standardError());
		assertThat(r.get("score").get("k").asInt()).isEqualTo(10);
		assertThat(r.get("elbo").asDouble()).isEqualTo(s.elbo());
		assertThat(r.get("reconstruction_mse").asDouble()).isEqualTo(s.reconstructionMse());
		assertThat(r.get("pixel_nll")).hasSize(4);
		assertThat(r.has("percentile")).isFalse();
		assertThat(r.has("anomalous")).isFalse();
		assertThat(answer.has("threshold")).isFalse();
		assertThat(answer.get("fpr").asDouble()).isEqualTo(0.01);
		assertThat(answer.get("calibration").get("calibrated").asBoolean()).isFalse();
		assertThat(answer.get("calibration").get("detail").asText()).contains("raw scores")
			.contains("POST /models/echo/calibrate");
	}

	@Test
	void percentilesAndThresholdsAreThoseOfTheStoredReference() throws Exception {
		double s = expected(8, 3).negLogLikelihood();
		AnomalyReference reference = AnomalyReference.of(new double[] { s - 1, s - 0.5, s + 1, s + 2 }, 8);
		when(this.references.find("echo"))
			.thenReturn(Optional.of(new ModelReferences.Stored(reference, "test", 1, Instant.EPOCH)));
		JsonNode strict = score("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"k\": 8, \"seed\": 3, \"fpr\": 0.3}");
		JsonNode r = strict.get("results").get(0);
		assertThat(r.get("percentile").asDouble()).isEqualTo(50.0);
		// the 0.7 quantile of four scores is the third, s + 1: not above it
		assertThat(strict.get("threshold").asDouble()).isCloseTo(s + 1, within(1e-12));
		assertThat(r.get("anomalous").asBoolean()).isFalse();
		assertThat(strict.get("calibration").get("count").asInt()).isEqualTo(4);
		JsonNode loose = score("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"k\": 8, \"seed\": 3, \"fpr\": 0.5}");
		assertThat(loose.get("threshold").asDouble()).isCloseTo(s - 0.5, within(1e-12));
		assertThat(loose.get("results").get(0).get("anomalous").asBoolean()).isTrue();
	}

	@Test
	void binaryAndImageBodiesScoreLikeJson() throws Exception {
		byte[] rows = ByteBuffer.allocate(16)
			.order(ByteOrder.LITTLE_ENDIAN)
			.putFloat(0.1f)
			.putFloat(0.2f)
			.putFloat(0.3f)
			.putFloat(0.4f)
			.array();
		MvcResult binary = this.mvc
			.perform(post("/score?k=6&seed=2").contentType(MediaType.APPLICATION_OCTET_STREAM).content(rows))
			.andExpect(status().isOk())
			.andReturn();
		ServedModel m = echo();
		double[] x = { 0.1f, 0.2f, 0.3f, 0.4f };
		double expected = AnomalyScore.score(m.network(), m.head(), 2, new double[][] { x }, 6, 2, false)
			.get(0)
			.negLogLikelihood();
		assertThat(JSON.readTree(binary.getResponse().getContentAsString()).at("/results/0/score/value").asDouble())
			.isEqualTo(expected);
		BufferedImage image = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
		java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
		ImageIO.write(image, "png", png);
		this.mvc.perform(post("/score?k=4").contentType(MediaType.IMAGE_PNG).content(png.toByteArray()))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.results[0].score.k").value(4));
	}

	@Test
	void aHeatMapIsEachInputBesideItsPixelNll() throws Exception {
		MvcResult r = this.mvc
			.perform(post("/score?format=png&scale=3").contentType(MediaType.APPLICATION_JSON)
				.content("{\"inputs\": [[0.1, 0.2, 0.3, 0.4], [1, 0, 0, 1]], \"k\": 4, \"seed\": 1}"))
			.andExpect(status().isOk())
			.andExpect(content().contentType(MediaType.IMAGE_PNG))
			.andReturn();
		BufferedImage png = ImageIO.read(new ByteArrayInputStream(r.getResponse().getContentAsByteArray()));
		// two 2×2 tiles at scale 3 with a 3-pixel gap, two rows
		assertThat(png.getWidth()).isEqualTo(2 * 6 + 3);
		assertThat(png.getHeight()).isEqualTo(2 * 6 + 3);
		double low = Double.parseDouble(r.getResponse().getHeader(HeatMaps.LOW));
		double high = Double.parseDouble(r.getResponse().getHeader(HeatMaps.HIGH));
		assertThat(low).isLessThan(high);
		// the input tile of row 2 is the input: pixel (0, 0) white, (0, 1) black
		assertThat(png.getRGB(0, 9) & 0xFFFFFF).isEqualTo(0xFFFFFF);
		assertThat(png.getRGB(3, 9) & 0xFFFFFF).isEqualTo(0);
	}

	private void refused(String body, int status, String field) throws Exception {
		this.mvc.perform(post("/score").contentType(MediaType.APPLICATION_JSON).content(body))
			.andExpect(status().is(status))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value(field));
	}

	@Test
	void badScoreRequestsAreProblems() throws Exception {
		refused("{\"inputs\": [[0.1, 0.2, 0.3]]}", 400, "inputs[0]");
		refused("{\"inputs\": [[0.1, 0.2, 0.3, 1.5]]}", 400, "inputs[0][3]");
		refused("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"k\": 1001}", 400, "k");
		refused("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"k\": 1}", 400, "k");
		refused("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"fpr\": 0}", 400, "fpr");
		refused("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"fpr\": 1}", 400, "fpr");
		refused("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"fpr\": -0.5}", 400, "fpr");
		refused("{\"inputs\": [[0.1, 0.2, 0.3, 0.4]], \"pixels\": \"png\"}", 400, "pixels");
		StringBuilder many = new StringBuilder("{\"k\": 1000, \"inputs\": [");
		for (int i = 0; i < 101; i++) {
			many.append((i > 0) ? "," : "").append("[0.1, 0.2, 0.3, 0.4]");
		}
		refused(many + "]}", 413, "inputs");
		verify(this.references, never()).save(anyString(), any(), anyString(), anyLong());
	}

	private static Examples examples(int n, int d, float value) {
		float[] values = new float[n * d];
		for (int i = 0; i < values.length; i++) {
			values[i] = (i % 7) / 7f;
		}
		values[values.length - 1] = value;
		return new Examples(values, n, d);
	}

	@Test
	void calibrationStoresTheSortedScoresOfTheDataset() throws Exception {
		when(this.datasets.examples("d-1")).thenReturn(examples(50, 4, 0.5f));
		MvcResult r = this.mvc
			.perform(post("/models/echo/calibrate").contentType(MediaType.APPLICATION_JSON)
				.content("{\"dataset\": \"d-1\", \"k\": 5, \"seed\": 9, \"limit\": 40}"))
			.andExpect(status().isOk())
			.andReturn();
		JsonNode answer = JSON.readTree(r.getResponse().getContentAsString());
		assertThat(answer.get("count").asInt()).isEqualTo(40);
		ArgumentCaptor<AnomalyReference> stored = ArgumentCaptor.forClass(AnomalyReference.class);
		verify(this.references).save(eq("echo"), stored.capture(), anyString(), eq(9L));
		ServedModel m = echo();
		double[] scores = AnomalyScore.scoreExamples(m.network(), m.head(), 2, examples(50, 4, 0.5f), 40, 5, 9)
			.stream()
			.mapToDouble(AnomalyScore.Score::negLogLikelihood)
			.toArray();
		assertThat(stored.getValue()).isEqualTo(AnomalyReference.of(scores, 5));
		assertThat(answer.get("quantiles").get("p50").asDouble()).isEqualTo(stored.getValue().quantile(0.5));
		assertThat(answer.get("quantiles").get("max").asDouble()).isEqualTo(stored.getValue().sorted()[39]);
	}

	private void calibrationRefused(String body, int status, String field) throws Exception {
		this.mvc.perform(post("/models/echo/calibrate").contentType(MediaType.APPLICATION_JSON).content(body))
			.andExpect(status().is(status))
			.andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.field").value(field));
	}

	@Test
	void badCalibrationsAreProblemsAndStoreNothing() throws Exception {
		when(this.datasets.get("d-missing")).thenThrow(new NotFoundException("dataset", "d-missing"));
		when(this.datasets.examples("d-wide")).thenReturn(examples(10, 5, 0.5f));
		when(this.datasets.examples("d-out")).thenReturn(examples(10, 4, 1.5f));
		when(this.datasets.examples("d-ok")).thenReturn(examples(10, 4, 0.5f));
		calibrationRefused("{}", 400, "dataset");
		calibrationRefused("{\"dataset\": \"d-missing\"}", 400, "dataset");
		calibrationRefused("{\"dataset\": \"d-wide\"}", 400, "dataset");
		calibrationRefused("{\"dataset\": \"d-out\"}", 400, "dataset");
		calibrationRefused("{\"dataset\": \"d-ok\", \"k\": 5000}", 400, "k");
		calibrationRefused("{\"dataset\": \"d-ok\", \"k\": 1}", 400, "k");
		calibrationRefused("{\"dataset\": \"d-ok\", \"limit\": 0}", 400, "limit");
		calibrationRefused("{\"dataset\": \"d-ok\", \"limit\": 10001}", 400, "limit");
		this.mvc
			.perform(post("/models/m-nope/calibrate").contentType(MediaType.APPLICATION_JSON)
				.content("{\"dataset\": \"d-ok\"}"))
			.andExpect(status().isNotFound());
		verify(this.references, never()).save(anyString(), any(), anyString(), anyLong());
	}

}
