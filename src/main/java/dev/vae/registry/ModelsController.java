package dev.vae.registry;

import dev.vae.model.checkpoint.Manifest;
import dev.vae.system.InvalidInputException;
import dev.vae.system.VaeProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;

import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** The model registry: versions, checkpoints, the active model. */
@RestController
@Tag(name = "Models", description = "Model versions, checkpoint upload and download, activation (hot swap)")
class ModelsController {

	private final ModelRegistry registry;

	private final ActiveModel activeModel;

	private final long maxUpload;

	private final ModelReferences references;

	ModelsController(ModelRegistry registry, ActiveModel activeModel, VaeProperties properties,
			ModelReferences references) {
		this.references = references;
		this.registry = registry;
		this.activeModel = activeModel;
		this.maxUpload = properties.storage().maxUpload().toBytes();
	}

	@GetMapping("/models")
	@Operation(summary = "All model versions")
	List<ModelSummary> list() {
		String active = this.activeModel.get().id();
		return this.registry.list().stream().map((row) -> summary(row, active)).toList();
	}

	@GetMapping("/models/{id}")
	@Operation(summary = "One model version with its manifest")
	ModelDetail get(@PathVariable String id) {
		ModelRow row = this.registry.get(id);
		Manifest m = ModelRegistry.manifest(row);
		return new ModelDetail(summary(row, this.activeModel.get().id()), ModelController.view(m), anomaly(id));
	}

	@GetMapping(path = "/models/{id}/checkpoint", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	@Operation(summary = "Download a model's checkpoint file")
	ResponseEntity<FileSystemResource> checkpoint(@PathVariable String id) {
		this.registry.get(id);
		return ResponseEntity.ok()
			.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + id + ".vae\"")
			.body(new FileSystemResource(this.registry.file(id)));
	}

	@PostMapping(path = "/models", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(summary = "Upload a checkpoint", description = "A checkpoint file as written by this service (a zip of "
			+ "manifest.json and parameters.f32). It is validated — format, architecture, size, checksum — before it is stored.")
	ResponseEntity<ModelSummary> upload(@RequestPart("file") MultipartFile file) throws IOException {
		if (file.isEmpty()) {
			throw new InvalidInputException("file", "the uploaded checkpoint is empty");
		}
		try (InputStream in = file.getInputStream()) {
			return created(this.registry.upload(in, this.maxUpload));
		}
	}

	@PostMapping(path = "/models", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	@Operation(summary = "Upload a checkpoint as the raw request body")
	ResponseEntity<ModelSummary> uploadRaw(InputStream body) throws IOException {
		return created(this.registry.upload(body, this.maxUpload));
	}

	@DeleteMapping("/models/{id}")
	@Operation(summary = "Delete a model version that is not active")
	ResponseEntity<Void> delete(@PathVariable String id) throws IOException {
		this.registry.delete(id);
		return ResponseEntity.noContent().build();
	}

	@PutMapping(path = "/models/active", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Swap the served model",
			description = "Loads and warms the model first, then swaps atomically: requests in flight finish on the old model.")
	ModelSummary setActive(@RequestBody ActivateRequest request) {
		if (request == null || request.id() == null || request.id().isBlank()) {
			throw new InvalidInputException("id", "id must name a model version");
		}
		return activate(request.id());
	}

	@PostMapping("/models/{id}/activate")
	@Operation(summary = "Swap the served model to this version")
	ModelSummary activate(@PathVariable String id) {
		this.registry.activate(id);
		return summary(this.registry.get(id), id);
	}

	private ResponseEntity<ModelSummary> created(ModelRow row) {
		return ResponseEntity.created(URI.create("/models/" + row.id()))
			.body(summary(row, this.activeModel.get().id()));
	}

	static ModelSummary summary(ModelRow row, String active) {
		return new ModelSummary(row.id(), row.name(), row.source(), row.jobId(), row.sizeBytes(), row.createdAt(),
				row.id().equals(active), row.sha256());
	}

	record ActivateRequest(@Schema(description = "the model version to serve", example = "default") String id) {
	}

	record ModelSummary(String id, String name, @Schema(description = "builtin, job, upload or import") String source,
			String jobId, long sizeBytes, Instant createdAt, boolean active,
			@Schema(description = "SHA-256 of the checkpoint (hex), checked before every load") String sha256) {
	}

	private AnomalyView anomaly(String id) {
		return this.references.find(id)
			.map((s) -> new AnomalyView(true, s.reference().count(), s.reference().k(), s.source(), s.seed(),
					s.createdAt(), ModelReferences.quantiles(s.reference()), null))
			.orElseGet(() -> new AnomalyView(false, null, null, null, null, null, null,
					"no reference distribution of −log p(x): /score answers raw scores without percentiles until "
							+ "the model is calibrated (POST /models/" + id + "/calibrate with a dataset of normal "
							+ "data; a training job calibrates its model on its held-out split)"));
	}

	record ModelDetail(ModelSummary model, ModelController.ModelResponse manifest, @Schema(
			description = "the reference distribution of anomaly scores /score reads percentiles against") AnomalyView anomaly) {
	}

	/**
	 * A model's reference distribution of −log p(x), summarised.
	 *
	 * @param calibrated whether it has one
	 * @param count scores in it
	 * @param k importance samples per score
	 * @param source what was scored
	 * @param seed seed of the importance samples
	 * @param createdAt when it was stored
	 * @param quantiles min, p01 … p999, max of the scores (nats)
	 * @param detail what is missing, when not calibrated
	 */
	record AnomalyView(boolean calibrated, Integer count, Integer k, String source, Long seed, Instant createdAt,
			java.util.Map<String, Double> quantiles, String detail) {
	}

}
