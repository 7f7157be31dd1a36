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

import java.util.LinkedHashMap;
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
		for (PathItem item : openApi.getPaths().values()) {
			for (Map.Entry<PathItem.HttpMethod, Operation> entry : item.readOperationsMap().entrySet()) {
				Operation operation = entry.getValue();
				jsonFirst(operation);
				documentErrors(operation, entry.getKey());
			}
		}
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

	private static void documentErrors(Operation operation, PathItem.HttpMethod method) {
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
		errors.put("500", "An unexpected failure, logged by the service");
		errors.put("503", "No model is loaded yet");
		errors.forEach((status, description) -> {
			if (!responses.containsKey(status)) {
				responses.addApiResponse(status,
						new ApiResponse().description(description)
							.content(new Content().addMediaType(
									org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
									new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM)))));
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
