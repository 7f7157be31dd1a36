package dev.vae.storage;

import java.io.IOException;

/** A stored object whose bytes do not match the SHA-256 recorded when it was written. */
public class CorruptObjectException extends IOException {

	public CorruptObjectException(String key, String expected, String actual) {
		super("stored object " + key + " does not match its recorded SHA-256 (expected " + expected + ", found "
				+ actual + "); it was not used");
	}

}
