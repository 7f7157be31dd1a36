package dev.vae.model.network;

/**
 * An input that drives the network out of float range: its outputs hold NaN or
 * infinities, so there is no answer to give. The input is at fault, not the service.
 */
public class OutOfRangeException extends RuntimeException {

	public OutOfRangeException(String message) {
		super(message);
	}

}
