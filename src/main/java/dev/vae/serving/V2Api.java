package dev.vae.serving;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol (KServe V2) REST records, with the protocol's own field
 * names.
 */
final class V2Api {

	private V2Api() {
	}

	record ServerMetadata(String name, String version, List<String> extensions) {
	}

	record Live(boolean live) {
	}

	record Ready(boolean ready) {
	}

	record ModelReady(String name, boolean ready) {
	}

	record TensorMetadata(String name, String datatype, List<Long> shape) {
	}

	record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
			List<TensorMetadata> outputs) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record RequestInput(String name, List<Long> shape, String datatype, Map<String, Object> parameters,
			TensorData data) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record RequestOutput(String name, Map<String, Object> parameters) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record InferenceRequest(String id, Map<String, Object> parameters, List<RequestInput> inputs,
			List<RequestOutput> outputs) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	record ResponseOutput(String name, List<Long> shape, String datatype, Map<String, Object> parameters,
			double[] data) {
	}

	@JsonInclude(JsonInclude.Include.NON_NULL)
	@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
	record InferenceResponse(String modelName, String modelVersion, String id, List<ResponseOutput> outputs) {
	}

	record Error(String error) {
	}

}
