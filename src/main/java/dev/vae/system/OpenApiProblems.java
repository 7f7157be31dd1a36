package dev.vae.system;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.tags.Tag;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.stereotype.Component;

/**
 * Two things every operation in the OpenAPI document gets: JSON as its first (default)
 * request media type, so that Swagger UI's Execute sends JSON rather than an empty
 * multipart form, and its error responses, each an RFC 9457 problem document.
 */
@Component
class OpenApiProblems implements OpenApiCustomizer {

	private static final String PROBLEM = "Problem";

	@Override
	public void customise(OpenAPI openApi) {
		openApi.getComponents().addSchemas(PROBLEM, problemSchema());
		if (openApi.getPaths() == null) {
			return;
		}
		for (Map.Entry<String, PathItem> path : openApi.getPaths().entrySet()) {
			for (Map.Entry<PathItem.HttpMethod, Operation> entry : path.getValue().readOperationsMap().entrySet()) {
				Operation operation = entry.getValue();
				jsonFirst(operation);
				documentErrors(operation, entry.getKey(), path.getKey());
				jsonNotAnything(operation);
			}
		}
		orderTags(openApi);
	}

	/** Sections in the order a reader uses them: inference first, administration last. */
	static final List<String> TAG_ORDER = List.of("Inference", "Loss", "Pictures", "Model",
			"Open Inference Protocol (KServe V2)", "Datasets", "Jobs", "Models");

	private static void orderTags(OpenAPI openApi) {
		Map<String, Tag> known = new LinkedHashMap<>();
		if (openApi.getTags() != null) {
			openApi.getTags().forEach((tag) -> known.put(tag.getName(), tag));
		}
		List<Tag> ordered = new ArrayList<>();
		for (String name : TAG_ORDER) {
			ordered.add(known.containsKey(name) ? known.remove(name) : new Tag().name(name));
		}
		ordered.addAll(known.values());
		openApi.setTags(ordered);
	}

	/**
	 * A response springdoc could not type (a method returning an object without
	 * {@code produces}) is listed as any media type, {@code *}/{@code *}; the service
	 * answers JSON there.
	 */
	private static void jsonNotAnything(Operation operation) {
		if (operation.getResponses() == null) {
			return;
		}
		for (ApiResponse response : operation.getResponses().values()) {
			Content content = response.getContent();
			if (content == null || !content.containsKey(ANY)) {
				continue;
			}
			Content fixed = new Content();
			content.forEach((type, media) -> fixed.addMediaType(
					type.equals(ANY) ? org.springframework.http.MediaType.APPLICATION_JSON_VALUE : type, media));
			response.setContent(fixed);
		}
	}

	private static final String ANY = "*/*";

	/** A realistic problem for each status, so each response shows its own example. */
	private static Map<String, Object> example(String status, String path) {
		Map<String, Object> problem = new LinkedHashMap<>();
		String[] p = switch (status) {
			case "400" -> badRequest(path);
			case "401" -> new String[] { "/problems/unauthorized", "Unauthorized",
					"this operation needs an API key: send Authorization: Bearer <key>", null };
			case "404" -> new String[] { "/problems/not-found", "Not found",
					path.startsWith("/jobs") ? "no job with id j-0123456789ab" : path.startsWith("/datasets")
							? "no dataset with id d-0123456789ab" : "no model with id m-0123456789ab",
					null };
			case "409" -> new String[] { "/problems/conflict", "Conflict", path.startsWith("/datasets")
					? "there are 100 datasets, the configured maximum (vae.storage.max-datasets); delete one first"
					: path.startsWith("/jobs")
							? "job 'j-0123456789ab' is SUCCEEDED; only queued or running jobs can be " + "cancelled"
							: "there are 100 models, the configured maximum (vae.storage.max-models); delete one first",
					null };
			case "413" -> new String[] { "/problems/too-large", "Request too large",
					"the request body is larger than 4194304 bytes (vae.limits.max-request-body)", null };
			case "415" -> new String[] { "/problems/unsupported-media-type", "Unsupported Media Type",
					"Content-Type 'text/plain' is not supported", null };
			case "422" -> path.startsWith("/jobs") ? new String[] { "/problems/insufficient-memory",
					"Insufficient memory",
					"this job needs an estimated 806 MB of native memory, more than the 640 MB this service can give it "
							+ "(native limit 768 MB less 128 MB kept for serving (vae.memory.native-reserve))",
					"architecture" }
					: new String[] { "/problems/invalid-checkpoint", "Invalid checkpoint",
							"DL4J file upload is not valid: coefficients.bin holds more than the 8282 FLOAT values its "
									+ "configuration implies (33128 bytes of data)",
							null };
			case "429" -> new String[] { "/problems/busy", "Busy",
					"the configured number of uploads (vae.intake.uploads) is already being served; try again after "
							+ "the Retry-After delay",
					null };
			case "503" -> new String[] { "/problems/no-model", "No model loaded", "no model is loaded yet", null };
			default -> new String[] { "/problems/internal-error", "Internal error",
					"the service failed unexpectedly; the failure has been logged", null };
		};
		problem.put("type", p[0]);
		problem.put("title", p[1]);
		problem.put("status", Integer.parseInt(status));
		problem.put("detail", p[2]);
		problem.put("instance", path);
		if (p[3] != null) {
			problem.put("field", p[3]);
		}
		return problem;
	}

	private static String[] badRequest(String path) {
		if (path.equals("/decode") || path.equals("/interpolate")) {
			return new String[] { "/problems/invalid-input", "Invalid input",
					"z[0] has 2 values; the model expects 20 (latent size)", "z[0]" };
		}
		if (path.equals("/encode") || path.equals("/reconstruct") || path.equals("/loss")) {
			return new String[] { "/problems/invalid-input", "Invalid input",
					"inputs[0] has 3 values; the model expects 784 (1×28×28)", "inputs[0]" };
		}
		if (path.startsWith("/jobs")) {
			return new String[] { "/problems/invalid-input", "Invalid input",
					"epochs must lie in 1..1000 (vae.jobs.max-epochs), was 0", "epochs" };
		}
		if (path.startsWith("/datasets")) {
			return new String[] { "/problems/invalid-input", "Invalid input",
					"name has 100000 characters; at most 200 are stored", "name" };
		}
		return new String[] { "/problems/malformed-request", "Malformed request",
				"the request body is not valid JSON (line 1, column 2)", null };
	}

	private static void jsonFirst(Operation operation) {
		if (operation.getRequestBody() == null || operation.getRequestBody().getContent() == null) {
			return;
		}
		Content content = operation.getRequestBody().getContent();
		MediaType json = content.get(org.springframework.http.MediaType.APPLICATION_JSON_VALUE);
		if (json == null || content.keySet()
			.iterator()
			.next()
			.equals(org.springframework.http.MediaType.APPLICATION_JSON_VALUE)) {
			return;
		}
		Content ordered = new Content();
		ordered.addMediaType(org.springframework.http.MediaType.APPLICATION_JSON_VALUE, json);
		content.forEach((type, media) -> ordered.putIfAbsent(type, media));
		operation.getRequestBody().setContent(ordered);
	}

	private static void documentErrors(Operation operation, PathItem.HttpMethod method, String path) {
		ApiResponses responses = (operation.getResponses() != null) ? operation.getResponses() : new ApiResponses();
		Map<String, String> errors = new LinkedHashMap<>();
		errors.put("400", "Malformed request or invalid input: the detail names the field and what is wrong");
		errors.put("401", "A bearer API key is needed (when vae.security.api-keys is set)");
		errors.put("404", "No such path, model, dataset or job");
		if (operation.getRequestBody() != null) {
			errors.put("413", "The body, an image or an upload is over its configured limit");
			errors.put("415", "A content type this operation does not take");
			errors.put("429",
					"Busy: too many large requests or uploads at once, or the job queue is full; " + "see Retry-After");
		}
		if (method != PathItem.HttpMethod.GET
				&& (path.startsWith("/datasets") || path.startsWith("/models") || path.startsWith("/jobs/"))) {
			errors.put("409", "A limit is reached, or the resource is in a state that does not allow this");
		}
		if (path.equals("/jobs") || path.startsWith("/models") && method == PathItem.HttpMethod.POST) {
			errors.put("422", path.equals("/jobs")
					? "The job's estimated memory is more than this service can ever give it (the detail names both)"
					: "The uploaded model is not valid, or larger than its own header implies");
		}
		errors.put("500", "An unexpected failure, logged by the service");
		errors.put("503", "No model is loaded yet");
		errors.forEach((status, description) -> {
			if (!responses.containsKey(status)) {
				responses.addApiResponse(status,
						new ApiResponse().description(description)
							.content(new Content().addMediaType(
									org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
									new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))
										.example(example(status, path)))));
			}
		});
		operation.setResponses(responses);
	}

	private static Schema<?> problemSchema() {
		return new ObjectSchema().description("An RFC 9457 problem document")
			.addProperty("type",
					new StringSchema().description("a stable URI per kind of problem")
						.example("/problems/invalid-input"))
			.addProperty("title", new StringSchema().example("Invalid input"))
			.addProperty("status", new IntegerSchema().example(400))
			.addProperty("detail",
					new StringSchema().description("what was wrong, at most a few hundred characters")
						.example("inputs[0] has 3 values; the model expects 784 (1×28×28)"))
			.addProperty("instance", new StringSchema().example("/encode"))
			.addProperty("field", new StringSchema().description("the request field at fault, where there is one")
				.example("inputs[0]"));
	}

}
