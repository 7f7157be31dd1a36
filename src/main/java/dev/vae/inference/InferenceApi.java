package dev.vae.inference;

import io.swagger.v3.oas.annotations.media.Schema;

import java.util.List;

/** The request and response records of the inference endpoints. */
final class InferenceApi {

	private InferenceApi() {
	}

	@Schema(description = "Inputs to encode into q(z|x) = N(μ, diag σ²).")
	record EncodeRequest(@Schema(
			description = "Batch of input vectors, each of the model's input length (784 = 28×28×1 for the default model), "
					+ "values in [0, 1] for Bernoulli and continuous-Bernoulli models.",
			requiredMode = Schema.RequiredMode.REQUIRED) double[][] inputs,
			@Schema(description = "L: how many z ~ q(z|x) to draw per input by z = μ + σ ⊙ ε, ε ~ N(0, I). Omit for none.",
					minimum = "1") Integer samples,
			@Schema(description = "Seed of the ε draws; the same seed gives the same z. A fresh one is chosen and returned when omitted.") Long seed,
			@Schema(description = "The model version to use (see GET /models); the active model when omitted.") String model) {
	}

	@Schema(description = "One input's posterior.")
	record Encoded(@Schema(description = "μ, the posterior mean") double[] mu,
			@Schema(description = "σ = exp(logvar / 2)") double[] sigma,
			@Schema(description = "log σ², what the encoder outputs") double[] logvar,
			@Schema(description = "L draws z = μ + σ ⊙ ε, present when samples was given") double[][] z) {
	}

	record EncodeResponse(@Schema(description = "the model that answered") String model,
			@Schema(description = "dimension of z") int latentSize,
			@Schema(description = "the seed of the draws, when there were any") Long seed, List<Encoded> results) {
	}

	@Schema(description = "Latent vectors to decode.")
	record DecodeRequest(
			@Schema(description = "Batch of latent vectors z, each of the model's latent size.",
					requiredMode = Schema.RequiredMode.REQUIRED) double[][] z,
			@Schema(description = "Also draw x ~ p(x|z): 0/1 for Bernoulli, x̂ + σ·N(0,1) for Gaussian, the inverse CDF for "
					+ "continuous Bernoulli.") Boolean sample,
			@Schema(description = "Seed of the x draws.") Long seed,
			@Schema(description = "The model version to use (see GET /models); the active model when omitted.") String model) {
	}

	record Decoded(@Schema(
			description = "the decoder mean x̂ = sigmoid(η): per-pixel probabilities for Bernoulli, means for Gaussian, "
					+ "λ for continuous Bernoulli") double[] mean,
			@Schema(description = "a draw x ~ p(x|z), present when sample was true") double[] sample) {
	}

	record DecodeResponse(String model, @Schema(description = "the decoder's likelihood") String likelihood, Long seed,
			List<Decoded> results) {
	}

	@Schema(description = "Inputs to send through the encoder and back through the decoder.")
	record ReconstructRequest(
			@Schema(description = "Batch of input vectors, as for /encode.",
					requiredMode = Schema.RequiredMode.REQUIRED) double[][] inputs,
			@Schema(description = "Which z to decode: 'mean' (z = μ, the default) or 'sample' (z ~ q(z|x)).",
					allowableValues = {
							"mean", "sample" }) String latent,
			@Schema(description = "Seed of the z draw when latent is 'sample'.") Long seed,
			@Schema(description = "The model version to use (see GET /models); the active model when omitted.") String model){
	}

	record Reconstructed(@Schema(description = "the z that was decoded") double[] z,
			@Schema(description = "the decoder mean x̂ for that z") double[] reconstruction) {
	}

	record ReconstructResponse(String model, @Schema(description = "'mean' or 'sample'") String latent, Long seed,
			List<Reconstructed> results) {
	}

	@Schema(description = "Draws from the prior, decoded.")
	record SampleRequest(@Schema(description = "How many z ~ N(0, T²I) to draw; default 1.", minimum = "1") Integer n,
			@Schema(description = "Seed of the draws; the same seed gives the same samples.") Long seed,
			@Schema(description = "T, the standard deviation of the prior draws; default 1.") Double temperature,
			@Schema(description = "Also draw x ~ p(x|z) for each z.") Boolean sampleOutputs,
			@Schema(description = "The model version to use (see GET /models); the active model when omitted.") String model) {
	}

	record Sampled(double[] z, @Schema(description = "the decoder mean x̂ for z") double[] mean,
			@Schema(description = "a draw x ~ p(x|z), present when sampleOutputs was true") double[] sample) {
	}

	record SampleResponse(String model, long seed, double temperature, List<Sampled> results) {
	}

}
