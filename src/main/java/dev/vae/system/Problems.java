package dev.vae.system;

import java.net.URI;

/**
 * The stable {@code type} URIs of the service's problem responses (RFC 9457), one per
 * kind of failure.
 */
public final class Problems {

	public static final URI INVALID_INPUT = URI.create("/problems/invalid-input");

	public static final URI MALFORMED_REQUEST = URI.create("/problems/malformed-request");

	public static final URI TOO_LARGE = URI.create("/problems/too-large");

	public static final URI UNSUPPORTED_MEDIA_TYPE = URI.create("/problems/unsupported-media-type");

	public static final URI NOT_FOUND = URI.create("/problems/not-found");

	public static final URI METHOD_NOT_ALLOWED = URI.create("/problems/method-not-allowed");

	public static final URI NOT_ACCEPTABLE = URI.create("/problems/not-acceptable");

	public static final URI NO_MODEL = URI.create("/problems/no-model");

	public static final URI UNAUTHORIZED = URI.create("/problems/unauthorized");

	public static final URI CONFLICT = URI.create("/problems/conflict");

	public static final URI QUEUE_FULL = URI.create("/problems/queue-full");

	public static final URI INVALID_CHECKPOINT = URI.create("/problems/invalid-checkpoint");

	public static final URI INVALID_DATASET = URI.create("/problems/invalid-dataset");

	public static final URI INTERNAL = URI.create("/problems/internal-error");

	private Problems() {
	}

}
