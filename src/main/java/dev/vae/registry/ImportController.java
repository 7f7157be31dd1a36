package dev.vae.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.system.Columns;
import dev.vae.system.InvalidInputException;
import dev.vae.system.VaeProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Models from other frameworks in, and back out: PyTorch state dicts as safetensors with
 * an import manifest, Deeplearning4j VAE zips; an export as safetensors.
 */
@RestController
@Tag(name = "Models")
class ImportController {

	private static final ObjectMapper JSON = new ObjectMapper();

	private final ModelRegistry registry;

	private final ActiveModel activeModel;

	private final long maxUpload;

	ImportController(ModelRegistry registry, ActiveModel activeModel, VaeProperties properties) {
		this.registry = registry;
		this.activeModel = activeModel;
		this.maxUpload = properties.storage().maxUpload().toBytes();
	}

	@PostMapping(path = "/models/import", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(summary = "Import a PyTorch (safetensors) or Deeplearning4j model",
			description = "Part 'file': a safetensors state dict, or a DL4J ModelSerializer zip with a "
					+ "VariationalAutoencoder layer. Part 'manifest' (JSON), needed for safetensors: "
					+ "{\"preset\": \"pytorch-examples-vae\" | \"pytorch-vae-vanilla\" | \"layers\", \"name\": …, "
					+ "sizes}. The model is stored as a new version, not activated. Pickles (.pt) are refused.")
	ResponseEntity<ModelsController.ModelSummary> importModel(@RequestPart("file") MultipartFile file,
			@RequestPart(name = "manifest", required = false) String manifest) throws IOException {
		if (file.isEmpty()) {
			throw new InvalidInputException("file", "the uploaded file is empty");
		}
		JsonNode spec = parse(manifest);
		if (spec != null && spec.path("name").isTextual()) {
			Columns.require("manifest.name", spec.get("name").textValue(), Columns.NAME);
		}
		try (InputStream in = file.getInputStream()) {
			ModelRow row = this.registry.importModel(in, this.maxUpload, spec);
			return ResponseEntity.created(URI.create("/models/" + row.id()))
				.body(ModelsController.summary(row, this.activeModel.get().id()));
		}
	}

	@GetMapping(path = "/models/{id}/export", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	@Operation(summary = "Export a model's weights as safetensors",
			description = "Under pytorch/examples' names (fc1, fc21, …) when the model is that VAE, else under "
					+ "state-dict names (encoder.0.weight, mu.bias, …); __metadata__ holds the manifest and the "
					+ "import manifest that reads the file back.")
	ResponseEntity<StreamingResponseBody> export(@PathVariable String id,
			@RequestParam(defaultValue = "safetensors") String format) {
		if (!"safetensors".equals(format)) {
			throw new InvalidInputException("format", "format must be safetensors, was '" + format + "'");
		}
		StreamingResponseBody body = this.registry.export(id);
		return ResponseEntity.ok()
			.contentType(MediaType.APPLICATION_OCTET_STREAM)
			.header(HttpHeaders.CONTENT_DISPOSITION,
					ContentDisposition.attachment().filename(id + ".safetensors").build().toString())
			.body(body);
	}

	private static JsonNode parse(String manifest) {
		if (manifest == null || manifest.isBlank()) {
			return null;
		}
		if (manifest.length() > 1 << 20) {
			throw new InvalidInputException("manifest", "the manifest is longer than 1 MiB");
		}
		try {
			JsonNode node = JSON.readTree(manifest);
			if (node == null || !node.isObject()) {
				throw new InvalidInputException("manifest", "the manifest must be a JSON object");
			}
			return node;
		}
		catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
			throw new InvalidInputException("manifest", "the manifest is not valid JSON: " + ex.getOriginalMessage());
		}
	}

}
