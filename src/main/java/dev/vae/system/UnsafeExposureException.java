package dev.vae.system;

/**
 * Startup refused: the service was told to listen on a non-loopback address with no API
 * key configured, which would let anyone who reaches it train, upload, activate and
 * delete.
 */
public class UnsafeExposureException extends RuntimeException {

	private final String address;

	public UnsafeExposureException(String address) {
		super("server.address=" + address + " would accept requests from other hosts, and no API key is configured");
		this.address = address;
	}

	public String address() {
		return this.address;
	}

}
