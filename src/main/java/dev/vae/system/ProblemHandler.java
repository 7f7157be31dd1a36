package dev.vae.system;

import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageConversionException;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.converter.HttpMessageNotWritableException;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Maps every failure to an RFC 9457 problem response: a stable {@code type} per kind (see
 * {@link Problems}), a {@code detail} a person can act on, and never a Java class name or
 * stack trace. Status codes are chosen here and nowhere else.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

	private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);

	@ExceptionHandler(InvalidInputException.class)
	ProblemDetail invalidInput(InvalidInputException ex) {
		return problem(HttpStatus.BAD_REQUEST, Problems.INVALID_INPUT, "Invalid input", ex.getMessage(), ex.field());
	}

	@ExceptionHandler(TooLargeException.class)
	ProblemDetail tooLarge(TooLargeException ex) {
		return problem(HttpStatus.PAYLOAD_TOO_LARGE, Problems.TOO_LARGE, "Request too large", ex.getMessage(),
				ex.field());
	}

	@ExceptionHandler(NotFoundException.class)
	ProblemDetail notFound(NotFoundException ex) {
		return problem(HttpStatus.NOT_FOUND, Problems.NOT_FOUND, "Not found", ex.getMessage(), null);
	}

	@ExceptionHandler(ConflictException.class)
	ProblemDetail conflict(ConflictException ex) {
		return problem(HttpStatus.CONFLICT, Problems.CONFLICT, "Conflict", ex.getMessage(), null);
	}

	@ExceptionHandler(QueueFullException.class)
	ResponseEntity<ProblemDetail> queueFull(QueueFullException ex) {
		return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
			.header(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, ex.retryAfter().toSeconds())))
			.body(problem(HttpStatus.TOO_MANY_REQUESTS, Problems.QUEUE_FULL, "Queue full", ex.getMessage(), null));
	}

	@ExceptionHandler(dev.vae.model.checkpoint.CheckpointException.class)
	ProblemDetail badCheckpoint(dev.vae.model.checkpoint.CheckpointException ex) {
		return problem(HttpStatus.UNPROCESSABLE_ENTITY, Problems.INVALID_CHECKPOINT, "Invalid checkpoint",
				ex.getMessage(), null);
	}

	@ExceptionHandler(InsufficientMemoryException.class)
	ProblemDetail insufficientMemory(InsufficientMemoryException ex) {
		return problem(HttpStatus.UNPROCESSABLE_ENTITY, Problems.INSUFFICIENT_MEMORY, "Insufficient memory",
				ex.getMessage(), ex.field());
	}

	@ExceptionHandler(InvalidDataException.class)
	ProblemDetail badDataset(InvalidDataException ex) {
		return problem(HttpStatus.BAD_REQUEST, Problems.INVALID_DATASET, "Invalid dataset", ex.getMessage(), null);
	}

	@ExceptionHandler(dev.vae.model.network.OutOfRangeException.class)
	ProblemDetail outOfRange(dev.vae.model.network.OutOfRangeException ex) {
		return problem(HttpStatus.BAD_REQUEST, Problems.OUT_OF_RANGE, "Out of range", ex.getMessage(), null);
	}

	@ExceptionHandler(UnavailableException.class)
	ProblemDetail noModel(UnavailableException ex) {
		return problem(HttpStatus.SERVICE_UNAVAILABLE, Problems.NO_MODEL, "No model loaded", ex.getMessage(), null);
	}

	/**
	 * Jackson reports some shape mismatches (a string where a nested array belongs) as
	 * type-definition errors, which Spring wraps as a conversion failure rather than an
	 * unreadable message. For a request body it is the client's input that is wrong.
	 */
	@ExceptionHandler(HttpMessageConversionException.class)
	ProblemDetail conversion(HttpMessageConversionException ex) {
		if (ex instanceof HttpMessageNotWritableException) {
			log.error("Unexpected failure", ex);
			return problem(HttpStatus.INTERNAL_SERVER_ERROR, Problems.INTERNAL, "Internal error",
					"the service failed unexpectedly; the failure has been logged", null);
		}
		JsonMappingException mapping = find(ex, JsonMappingException.class);
		String field = (mapping != null && !mapping.getPath().isEmpty()) ? path(mapping) : null;
		String detail = (field != null) ? "field '" + field + "' does not have the expected shape"
				: "the request body does not have the expected shape";
		return problem(HttpStatus.BAD_REQUEST, Problems.MALFORMED_REQUEST, "Malformed request", detail, field);
	}

	/**
	 * A multipart body that cannot be parsed (no boundary, cut short, a part over the
	 * limit) is the client's error.
	 */
	@ExceptionHandler(MultipartException.class)
	ResponseEntity<Object> multipart(MultipartException ex) {
		BodyTooLargeException large = find(ex, BodyTooLargeException.class);
		if (large != null) {
			return tooLarge(large);
		}
		if (find(ex, org.apache.tomcat.util.http.fileupload.impl.SizeException.class) != null) {
			return uploadTooLarge();
		}
		log.debug("Unparseable multipart request", ex);
		return ResponseEntity.badRequest()
			.body(problem(HttpStatus.BAD_REQUEST, Problems.MALFORMED_REQUEST, "Malformed request",
					"the multipart/form-data body cannot be parsed: it needs a boundary parameter in its "
							+ "Content-Type and parts separated by that boundary",
					null));
	}

	/** A body stream that failed because it passed its limit. */
	@ExceptionHandler(BodyTooLargeException.class)
	ResponseEntity<Object> bodyTooLarge(BodyTooLargeException ex) {
		return tooLarge(ex);
	}

	@ExceptionHandler(Exception.class)
	ResponseEntity<Object> unexpected(Exception ex) {
		BodyTooLargeException large = find(ex, BodyTooLargeException.class);
		if (large != null) {
			return tooLarge(large);
		}
		if (find(ex, java.io.EOFException.class) != null || find(ex, java.net.SocketTimeoutException.class) != null) {
			return ResponseEntity.status(HttpStatus.BAD_REQUEST)
				.body(problem(HttpStatus.BAD_REQUEST, Problems.MALFORMED_REQUEST, "Malformed request",
						"the request body ended early or stalled before it was complete", null));
		}
		log.error("Unexpected failure", ex);
		return ResponseEntity.internalServerError()
			.body(problem(HttpStatus.INTERNAL_SERVER_ERROR, Problems.INTERNAL, "Internal error",
					"the service failed unexpectedly; the failure has been logged", null));
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		Throwable cause = ex.getCause();
		String field = null;
		String detail;
		log.debug("Unreadable request", ex);
		BodyTooLargeException large = find(ex, BodyTooLargeException.class);
		if (large != null) {
			return tooLarge(large);
		}
		StreamReadException parse = find(cause, StreamReadException.class);
		String original = (parse != null) ? String.valueOf(parse.getOriginalMessage()) : "";
		if (parse instanceof InputCoercionException coercion) {
			field = fieldOf(cause);
			detail = ((field != null) ? "field '" + field + "'" : "a number") + " is out of range: "
					+ range(coercion.getTargetType());
		}
		else if (parse != null && original.startsWith("Duplicate field")) {
			field = fieldOf(cause);
			String name = original.replaceAll("^Duplicate field '(.*)'$", "$1");
			detail = "field '" + Problems.quote(name, 100) + "' appears more than once in one object; "
					+ "each field may be given once";
		}
		else if (parse != null) {
			if (cause instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
				field = path(mapping);
			}
			String where = (parse.getLocation() != null) ? " (line " + parse.getLocation().getLineNr() + ", column "
					+ parse.getLocation().getColumnNr() + ")" : "";
			boolean nonNumeric = String.valueOf(parse.getOriginalMessage()).startsWith("Non-standard token");
			detail = nonNumeric
					? ((field != null) ? "field '" + field + "' " : "a value ")
							+ "is NaN or Infinity, which JSON does not allow; values must be finite numbers" + where
					: "the request body is not valid JSON" + where;
		}
		else if (cause instanceof UnrecognizedPropertyException unknown) {
			field = path(unknown);
			detail = "unknown field '" + unknown.getPropertyName() + "'";
		}
		else if (cause instanceof MismatchedInputException trailing
				&& String.valueOf(trailing.getOriginalMessage()).startsWith("Trailing token")) {
			detail = "the request body holds more after its JSON value; send exactly one JSON object";
		}
		else if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
			field = path(mismatch);
			Class<?> target = mismatch.getTargetType();
			List<JsonMappingException.Reference> refs = mismatch.getPath();
			if (target != null && target.isArray() && refs.get(refs.size() - 1).getIndex() >= 0) {
				target = target.getComponentType();
			}
			detail = "field '" + field + "' has the wrong type: " + expectation(target);
		}
		else if (cause instanceof JsonMappingException mapping
				&& mapping.getCause() instanceof IllegalArgumentException arg) {
			field = path(mapping);
			detail = arg.getMessage();
		}
		else if (cause == null) {
			detail = "the request body is missing";
		}
		else {
			detail = "the request body could not be read as the expected JSON object";
		}
		return ResponseEntity.badRequest()
			.body(problem(HttpStatus.BAD_REQUEST, Problems.MALFORMED_REQUEST, "Malformed request", detail, field));
	}

	@Override
	protected ResponseEntity<Object> handleMaxUploadSizeExceededException(
			org.springframework.web.multipart.MaxUploadSizeExceededException ex, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		return uploadTooLarge();
	}

	private static ResponseEntity<Object> uploadTooLarge() {
		return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE)
			.body(problem(HttpStatus.PAYLOAD_TOO_LARGE, Problems.TOO_LARGE, "Upload too large",
					"the upload is larger than the configured limit (vae.storage.max-upload)", null));
	}

	@Override
	protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Map<String, String>> errors = ex.getBindingResult()
			.getFieldErrors()
			.stream()
			.map((e) -> Map.of("field", e.getField(), "detail", e.getField() + " " + e.getDefaultMessage()))
			.toList();
		Map<String, String> first = errors.isEmpty() ? Map.of("field", "", "detail", "the request is invalid")
				: errors.get(0);
		ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, Problems.INVALID_INPUT, "Invalid input",
				first.get("detail"), first.get("field"));
		problem.setProperty("errors", errors);
		return ResponseEntity.badRequest().body(problem);
	}

	/**
	 * Gives the framework's own problems (404, 405, 415, 406 …) a type of ours; their
	 * detail is already clean.
	 */
	@Override
	protected ResponseEntity<Object> createResponseEntity(@Nullable Object body, HttpHeaders headers,
			HttpStatusCode statusCode, WebRequest request) {
		if (body instanceof ProblemDetail problem) {
			if (problem.getType().equals(URI.create("about:blank"))) {
				problem.setType(Problems.forStatus(statusCode.value()));
			}
			problem.setDetail(Problems.bound(problem.getDetail()));
		}
		return super.createResponseEntity(body, headers, statusCode, request);
	}

	private static ProblemDetail problem(HttpStatus status, URI type, String title, String detail, String field) {
		ProblemDetail problem = Problems.of(status, type, title, detail);
		if (field != null) {
			problem.setProperty("field", Problems.quote(field, 200));
		}
		return problem;
	}

	private static ResponseEntity<Object> tooLarge(BodyTooLargeException ex) {
		return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE)
			.body(problem(HttpStatus.PAYLOAD_TOO_LARGE, Problems.TOO_LARGE, "Request too large", ex.getMessage(),
					null));
	}

	private static <T extends Throwable> T find(Throwable ex, Class<T> type) {
		for (Throwable t = ex; t != null; t = t.getCause()) {
			if (type.isInstance(t)) {
				return type.cast(t);
			}
		}
		return null;
	}

	/**
	 * The JSON path of a mapping failure as the client wrote it: {@code inputs[0][3]}.
	 */
	private static String path(JsonMappingException ex) {
		StringBuilder path = new StringBuilder();
		for (JsonMappingException.Reference ref : ex.getPath()) {
			if (ref.getFieldName() != null) {
				path.append((path.length() > 0) ? "." : "").append(ref.getFieldName());
			}
			else if (ref.getIndex() >= 0) {
				path.append('[').append(ref.getIndex()).append(']');
			}
		}
		return path.toString();
	}

	private static String fieldOf(Throwable cause) {
		return (cause instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) ? path(mapping) : null;
	}

	private static String range(Class<?> type) {
		if (type == Integer.class || type == int.class) {
			return "expected a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE;
		}
		if (type == Long.class || type == long.class) {
			return "expected a whole number from " + Long.MIN_VALUE + " to " + Long.MAX_VALUE;
		}
		return "it does not fit the expected type";
	}

	private static String expectation(Class<?> type) {
		if (type == null) {
			return "unexpected value";
		}
		if (type.isArray()) {
			return "expected an array";
		}
		if (type == Integer.class || type == int.class || type == Long.class || type == long.class
				|| type == Short.class || type == short.class) {
			return "expected a whole number (written without a fraction or exponent, not in quotes)";
		}
		if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
			return "expected a number (not in quotes)";
		}
		if (type == Boolean.class || type == boolean.class) {
			return "expected true or false";
		}
		if (type == String.class) {
			return "expected a string";
		}
		if (List.class.isAssignableFrom(type)) {
			return "expected an array";
		}
		return "expected an object";
	}

}
