package dev.vae.inference;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The model's four passes over HTTP; every call takes a batch. */
@RestController
@Tag(name = "Inference", description = "Encode, decode, reconstruct and sample with the served VAE")
class InferenceController {

	private final InferenceService inference;

	InferenceController(InferenceService inference) {
		this.inference = inference;
	}

	@PostMapping(path = "/encode", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Encode inputs to q(z|x)",
			description = "Returns μ, σ and log σ² of the Gaussian posterior for each input, and optionally L reparameterised "
					+ "draws z = μ + σ ⊙ ε from a seeded generator.")
	InferenceApi.EncodeResponse encode(@RequestBody InferenceApi.EncodeRequest request) {
		return this.inference.encode(request);
	}

	@PostMapping(path = "/decode", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Decode latent vectors",
			description = "Returns the decoder mean x̂ = sigmoid(η) for each z (probabilities for a Bernoulli decoder), and "
					+ "optionally a draw x ~ p(x|z).")
	InferenceApi.DecodeResponse decode(@RequestBody InferenceApi.DecodeRequest request) {
		return this.inference.decode(request);
	}

	@PostMapping(path = "/reconstruct", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Reconstruct inputs",
			description = "Encodes each input, takes z = μ (default) or z ~ q(z|x), and decodes it back to x̂.")
	InferenceApi.ReconstructResponse reconstruct(@RequestBody InferenceApi.ReconstructRequest request) {
		return this.inference.reconstruct(request);
	}

	@PostMapping(path = "/sample", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Sample from the model",
			description = "Draws n latent vectors z ~ N(0, T²I) from a seeded generator and decodes them.")
	InferenceApi.SampleResponse sample(@RequestBody InferenceApi.SampleRequest request) {
		return this.inference.sample(request);
	}

}
