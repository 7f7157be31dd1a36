package dev.vae.inference;

import dev.vae.model.checkpoint.FormatOneManifest;
import dev.vae.model.head.Likelihood;
import dev.vae.model.network.ActivationKind;
import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.registry.ActiveModel;
import dev.vae.registry.ServedModel;
import dev.vae.system.VaeProperties;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.autoconfigure.web.servlet.WebMvcTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;

import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * The web edge over a tiny 4-pixel, 2-latent model: shapes of answers and every kind of
 * bad input.
 */
@WebMvcTest(InferenceController.class)
@Import({ InferenceService.class, Batching.class, Predictor.class, InferenceControllerTests.TinyModel.class,
		dev.vae.system.SecurityConfiguration.class })
@TestPropertySource(properties = { "vae.limits.max-batch=3", "vae.limits.max-samples=5",
		"spring.jackson.deserialization.fail-on-unknown-properties=true",
		"spring.jackson.deserialization.fail-on-null-for-primitives=true", "spring.mvc.problemdetails.enabled=true" })
class InferenceControllerTests {

	@Autowired
	MockMvc mvc;

	@TestConfiguration
	@EnableConfigurationProperties(VaeProperties.class)
	static class TinyModel {

		@Bean
		io.micrometer.core.instrument.MeterRegistry meters() {
			return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
		}

		@Bean
		dev.vae.registry.ModelResolver models(ActiveModel active) {
			return (id) -> active.get();
		}

		@Bean
		ActiveModel activeModel() {
			FormatOneArchitecture a = FormatOneArchitecture.mirrored(List.of(2, 2, 1), List.of(3), 2,
					ActivationKind.TANH, Likelihood.BERNOULLI, 1.0, 1.0);
			return new ActiveModel(ServedModel.of("tiny", FormatOneManifest.draft("tiny", a, null, null),
					Network.initialise(Presets.of(a), DataType.FLOAT, 1)));
		}

	}

	private org.springframework.test.web.servlet.ResultActions postJson(String path, String body) throws Exception {
		return this.mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(body));
	}

	@Test
	void encodeAnswersMuSigmaAndLogvarOfTheLatentSize() throws Exception {
		postJson("/encode", "{\"inputs\":[[0,0.5,1,0.25],[1,1,1,1]],\"samples\":3,\"seed\":4}")
			.andExpect(status().isOk())
			.andExpect(jsonPath("$.model").value("tiny"))
			.andExpect(jsonPath("$.results", hasSize(2)))
			.andExpect(jsonPath("$.results[0].mu", hasSize(2)))
			.andExpect(jsonPath("$.results[0].sigma", hasSize(2)))
			.andExpect(jsonPath("$.results[0].logvar", hasSize(2)))
			.andExpect(jsonPath("$.results[1].z", hasSize(3)))
			.andExpect(jsonPath("$.seed").value(4));
	}

	@Test
	void decodeGivesProbabilitiesAndOptionalDraws() throws Exception {
		postJson("/decode", "{\"z\":[[0.1,-2]],\"sample\":true,\"seed\":1}").andExpect(status().isOk())
			.andExpect(jsonPath("$.likelihood").value("bernoulli"))
			.andExpect(jsonPath("$.results[0].mean", hasSize(4)))
			.andExpect(jsonPath("$.results[0].sample", hasSize(4)));
	}

	@Test
	void aVectorOfTheWrongLengthIsNamed() throws Exception {
		postJson("/encode", "{\"inputs\":[[0,0.5,1,0.25],[0.5,0.5,0.5]]}").andExpect(status().isBadRequest())
			.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
			.andExpect(jsonPath("$.type").value("/problems/invalid-input"))
			.andExpect(jsonPath("$.field").value("inputs[1]"))
			.andExpect(jsonPath("$.detail").value("inputs[1] has 3 values; the model expects 4 (1×2×2)"));
	}

	@Test
	void valuesOutsideTheUnitIntervalAreRefusedForBernoulli() throws Exception {
		postJson("/reconstruct", "{\"inputs\":[[0,0.5,1.5,0.25]]}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("inputs[0][2]"))
			.andExpect(jsonPath("$.detail").value(containsString("must lie in [0, 1]")));
	}

	@Test
	void nanAndInfinityAreNamed() throws Exception {
		postJson("/encode", "{\"inputs\":[[0,NaN,1,0.25]]}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("inputs[0][1]"))
			.andExpect(jsonPath("$.detail").value(containsString("NaN or Infinity")));
		postJson("/decode", "{\"z\":[[1e999,0]]}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("z[0][0]"))
			.andExpect(jsonPath("$.detail").value("z[0][0] is Infinity; values must be finite numbers"));
	}

	@Test
	void countsAndBatchesOutsideTheirLimitsAreRefused() throws Exception {
		postJson("/encode", "{\"inputs\":[[0,0,0,0]],\"samples\":0}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("samples"));
		postJson("/encode", "{\"inputs\":[[0,0,0,0]],\"samples\":6}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.detail").value(containsString("at most 5")));
		postJson("/decode", "{\"z\":[[0,0],[0,0],[0,0],[0,0]]}").andExpect(status().isPayloadTooLarge())
			.andExpect(jsonPath("$.type").value("/problems/too-large"));
		postJson("/sample", "{\"n\":2,\"temperature\":-1}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("temperature"));
	}

	@Test
	void malformedBodiesGetAProblemWithoutJavaNames() throws Exception {
		for (String body : new String[] { "{\"inputs\":[[0,0,", "{\"inputs\":\"x\"}", "{\"inputz\":[]}", "",
				"{\"inputs\":[[0,null,0,0]]}", "[]" }) {
			postJson("/encode", body).andExpect(status().isBadRequest())
				.andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
				.andExpect(jsonPath("$.detail").value(not(containsString("java"))))
				.andExpect(jsonPath("$.detail").value(not(containsString("double"))));
		}
		postJson("/encode", "{}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.detail").value("inputs must hold at least one vector"));
	}

	@Test
	void wrongContentTypeIs415() throws Exception {
		this.mvc.perform(post("/encode").contentType(MediaType.TEXT_PLAIN).content("hello"))
			.andExpect(status().isUnsupportedMediaType())
			.andExpect(jsonPath("$.type").value("/problems/unsupported-media-type"));
	}

	@Test
	void reconstructRejectsAnUnknownLatentMode() throws Exception {
		postJson("/reconstruct", "{\"inputs\":[[0,0,0,0]],\"latent\":\"median\"}").andExpect(status().isBadRequest())
			.andExpect(jsonPath("$.field").value("latent"));
	}

}
