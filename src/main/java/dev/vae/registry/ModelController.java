package dev.vae.registry;

import dev.vae.model.Architecture;
import dev.vae.model.Manifest;
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
		return new ModelResponse(id, m.formatVersion(), m.createdAt(),
				new ArchitectureView(a.inputShape(), a.inputLength(), a.encoderHidden(), a.decoderHidden(),
						a.latentSize(), a.activation().wireName(), a.likelihood().wireName(), a.gaussianSigma(),
						a.beta()),
				m.parameterCount(), m.parametersSha256(), m.training(), m.metrics());
	}

	record ModelResponse(String id, int formatVersion, Instant createdAt, ArchitectureView architecture,
			long parameterCount, String parametersSha256, Manifest.TrainingInfo training, Manifest.Metrics metrics) {
	}

	record ArchitectureView(List<Integer> inputShape, int inputLength, List<Integer> encoderHidden,
			List<Integer> decoderHidden, int latentSize, String activation, String likelihood, double gaussianSigma,
			double beta) {
	}

}
