package dev.vae.registry;

import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.layer.Layer;
import dev.vae.model.network.Architecture;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** What is being served. */
@RestController
@Tag(name = "Model", description = "The served model's manifest")
class ModelController {

	private final ActiveModel activeModel;

	ModelController(ActiveModel activeModel) {
		this.activeModel = activeModel;
	}

	@GetMapping("/model")
	@Operation(summary = "The active model's manifest",
			description = "Architecture, likelihood, β, training data and final metrics of the model answering requests.")
	ModelResponse model() {
		ServedModel model = this.activeModel.get();
		return view(model.id(), model.manifest());
	}

	static ModelResponse view(Manifest m) {
		return view(m.name(), m);
	}

	static ModelResponse view(String id, Manifest m) {
		Architecture a = m.architecture();
		DecoderHead head = a.head();
		Double sigma = (head instanceof DecoderHead.FixedGaussian fixed) ? fixed.sigma() : null;
		return new ModelResponse(id, m.formatVersion(), m.createdAt(),
				new ArchitectureView(a.inputShape(), a.inputLength(), a.latentSize(), head.wireName(),
						head.activation().name().toLowerCase(java.util.Locale.ROOT), sigma, a.beta(), a.encoder(),
						a.decoder()),
				m.parameterCount(), m.parametersSha256(), m.bufferCount(), m.training(), m.metrics());
	}

	record ModelResponse(String id, int formatVersion, Instant createdAt, ArchitectureView architecture,
			long parameterCount, String parametersSha256,
			@Schema(description = "values that are not trained by gradient: batch-norm running statistics") long bufferCount,
			Manifest.TrainingInfo training, Manifest.Metrics metrics) {
	}

	record ArchitectureView(
			@Schema(description = "one input: C×H×W channels first, or a length") List<Integer> inputShape,
			int inputLength, int latentSize,
			@Schema(description = "bernoulli, continuous-bernoulli, gaussian (fixed σ), gaussian-learned-variance, gaussian-calibrated") String likelihood,
			@Schema(description = "the decoder mean's activation: sigmoid, tanh or identity") String outputActivation,
			@Schema(description = "σ of a fixed-σ Gaussian decoder") Double gaussianSigma, double beta,
			@Schema(description = "encoder layers, input side first, ending where the μ and log σ² heads begin") List<Layer> encoder,
			@Schema(description = "decoder layers, latent side first, ending in the output head") List<Layer> decoder) {
	}

}
