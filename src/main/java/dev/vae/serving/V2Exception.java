package dev.vae.serving;

import org.springframework.http.HttpStatus;

/** A protocol error: answered as {"error": message} with its status. */
class V2Exception extends RuntimeException {

	private final HttpStatus status;

	V2Exception(HttpStatus status, String message) {
		super(message);
		this.status = status;
	}

	HttpStatus status() {
		return this.status;
	}

}
