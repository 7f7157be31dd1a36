package dev.vae.serving;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Errors of the V2 endpoints in the protocol's form, {"error": "..."}, instead of problem
 * documents, for the failures the protocol describes (bad requests, unknown or unready
 * models). Everything else (body limits, media types, unexpected failures) falls through
 * to the service's problem handler.
 */
@RestControllerAdvice(assignableTypes = V2Controller.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class V2Errors {

	@ExceptionHandler(V2Exception.class)
	ResponseEntity<V2Api.Error> protocol(V2Exception ex) {
		return ResponseEntity.status(ex.status()).body(new V2Api.Error(ex.getMessage()));
	}

	@ExceptionHandler(HttpMessageNotReadableException.class)
	ResponseEntity<V2Api.Error> unreadable(HttpMessageNotReadableException ex) {
		return ResponseEntity.badRequest()
			.body(new V2Api.Error("the request body is not a valid inference request (JSON with 'inputs')"));
	}

	@ExceptionHandler(dev.vae.model.checkpoint.CheckpointException.class)
	ResponseEntity<V2Api.Error> checkpoint(dev.vae.model.checkpoint.CheckpointException ex) {
		return ResponseEntity.status(HttpStatus.UNPROCESSABLE_ENTITY).body(new V2Api.Error(ex.getMessage()));
	}

	@ExceptionHandler(dev.vae.registry.NoModelLoadedException.class)
	ResponseEntity<V2Api.Error> noModel(dev.vae.registry.NoModelLoadedException ex) {
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(new V2Api.Error(ex.getMessage()));
	}

	@ExceptionHandler(dev.vae.model.network.OutOfRangeException.class)
	ResponseEntity<V2Api.Error> outOfRange(dev.vae.model.network.OutOfRangeException ex) {
		return ResponseEntity.badRequest().body(new V2Api.Error(ex.getMessage()));
	}

}
