package dev.vae.system;

import java.io.IOException;

/**
 * A request body that grew past its limit while it was being read (one sent without a
 * Content-Length, or one that lied about it). It is an {@link IOException} because it
 * surfaces from the body stream, wherever that is read; the problem handler finds it in
 * any cause chain and answers 413.
 */
public class BodyTooLargeException extends IOException {

	private final long limit;

	private final String setting;

	public BodyTooLargeException(long limit, String setting) {
		super("the request body is larger than " + limit + " bytes, the limit (" + setting + ")");
		this.limit = limit;
		this.setting = setting;
	}

	public long limit() {
		return this.limit;
	}

	public String setting() {
		return this.setting;
	}

}
