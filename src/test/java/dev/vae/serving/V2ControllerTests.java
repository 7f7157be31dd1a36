package dev.vae.serving;

import dev.vae.inference.FakeModel;
import dev.vae.registry.ActiveModel;
import dev.vae.registry.ModelRegistry;
import dev.vae.registry.ServedModel;
import dev.vae.system.VaeProperties;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The KServe V2 endpoints as a slice over a fake model: the tensors arrive row-major and
 * leave as the protocol's outputs, in JSON and in the binary extension, through the same
 * predictor as every other entry point (one resolution per request), and a failing model
 * is a 500 without its internals.
 */
@WebMvcTest(V2Controller.class)
@Import({ V2ControllerTests.Fakes.class, dev.vae.system.SecurityConfiguration.class })
@ComponentScan(basePackages = "dev.vae.inference", useDefaultFilters = false,
		includeFilters = @ComponentScan.Filter(type = FilterType.REGEX,
				pattern = "dev\\.vae\\.inference\\.(Predictor|Batching)"))
@TestPropertySource(properties = { "vae.batching.enabled=true", "spring.mvc.problemdetails.enabled=true" })
class V2ControllerTests {

	@Autowired
	MockMvc mvc;

	@MockitoBean
	ModelRegistry registry;

	@org.springframework.test.context.bean.override.mockito.MockitoBean
	dev.vae.registry.ModelReferences references;

	@TestConfiguration
	@EnableConfigurationProperties({ VaeProperties.class, dev.vae.system.AnomalySettings.class })
	static class Fakes {

		@Bean
		io.micrometer.core.instrument.MeterRegistry meters() {
			return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
		}

		@Bean
		ActiveModel activeModel() {
			return new ActiveModel(echo());
		}

	}

	static ServedModel echo() {
		return FakeModel.aFakeModel("echo", List.of(2, 2, 1), 2, FakeModel.Behaviour.ECHO);
	}

	private static final String TWO_ROWS = """
			{"id": "r1", "inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32",
			  "data": [0.25, 0.5, 0, 0, 0.75, 1, 0, 0]}], "outputs": [{"name": "mu"}, {"name": "kl"}]}""";

	@Test
	void jsonTensorsGoThroughTheModelRowMajor() throws Exception {
		given(this.registry.resolve(any())).willReturn(echo());
		this.mvc.perform(post("/v2/models/vae/infer").contentType(MediaType.APPLICATION_JSON).content(TWO_ROWS))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.id").value("r1"))
			.andExpect(jsonPath("$.model_version").value("echo"))
			.andExpect(jsonPath("$.outputs[0].name").value("mu"))
			.andExpect(jsonPath("$.outputs[0].shape[0]").value(2))
			.andExpect(jsonPath("$.outputs[0].data[2]").value(0.75))
			.andExpect(jsonPath("$.outputs[0].data[3]").value(1.0))
			// KL of N(μ, I) against N(0, I) is |μ|²/2
			.andExpect(jsonPath("$.outputs[1].data[1]").value((0.75 * 0.75 + 1) / 2));
		verify(this.registry, times(1)).resolve(any());
	}

	@Test
	void nestedDataIsReadRowMajorAndAValueThatIsNoNumberIsTheProtocolsError() throws Exception {
		given(this.registry.resolve(any())).willReturn(echo());
		this.mvc.perform(post("/v2/models/vae/infer").contentType(MediaType.APPLICATION_JSON).content("""
				{"inputs": [{"name": "x", "shape": [2, 4], "datatype": "FP32",
				  "data": [[0.25, 0.5, 0, 0], [0.75, 1, 0, 0]]}], "outputs": [{"name": "mu"}]}"""))
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.outputs[0].data[2]").value(0.75));
		this.mvc.perform(post("/v2/models/vae/infer").contentType(MediaType.APPLICATION_JSON).content("""
				{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32",
				  "data": [0.25, "0.5", 0, 0]}]}"""))
			.andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.error").value("input 'x': value 1 is not a finite number"));
	}

	@Test
	void theBinaryExtensionCarriesTheSameTensors() throws Exception {
		given(this.registry.resolve(any())).willReturn(echo());
		byte[] header = """
				{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "parameters": {"binary_data_size": 16}}],
				 "outputs": [{"name": "mu", "parameters": {"binary_data": true}}]}""".getBytes(StandardCharsets.UTF_8);
		ByteBuffer body = ByteBuffer.allocate(header.length + 16).order(ByteOrder.LITTLE_ENDIAN);
		body.put(header).putFloat(0.125f).putFloat(0.875f).putFloat(0).putFloat(0);
		MvcResult result = this.mvc
			.perform(post("/v2/models/vae/infer").contentType(MediaType.APPLICATION_OCTET_STREAM)
				.header("Inference-Header-Content-Length", header.length)
				.content(body.array()))
			.andExpect(status().isOk())
			.andReturn();
		byte[] answer = result.getResponse().getContentAsByteArray();
		int length = Integer.parseInt(result.getResponse().getHeader("Inference-Header-Content-Length"));
		ByteBuffer tensor = ByteBuffer.wrap(answer, length, answer.length - length).order(ByteOrder.LITTLE_ENDIAN);
		assertThat(tensor.getFloat()).isEqualTo(0.125f);
		assertThat(tensor.getFloat()).isEqualTo(0.875f);
	}

	@Test
	void aFailingModelIsA500WithoutItsInternals() throws Exception {
		given(this.registry.resolve(any()))
			.willReturn(FakeModel.aFakeModel("broken", List.of(2, 2, 1), 2, FakeModel.Behaviour.THROW));
		MvcResult result = this.mvc
			.perform(post("/v2/models/vae/infer").contentType(MediaType.APPLICATION_JSON).content(TWO_ROWS))
			.andExpect(status().isInternalServerError())
			.andReturn();
		assertThat(result.getResponse().getContentAsString()).doesNotContain("java.");
	}

}
