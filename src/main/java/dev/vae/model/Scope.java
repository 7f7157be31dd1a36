package dev.vae.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arrays of one call, released together when the call ends. ND4J arrays live off the
 * Java heap; freeing them at once keeps a busy server's native memory flat instead of
 * waiting for the garbage collector.
 */
public final class Scope implements AutoCloseable {

	private final Map<INDArray, Boolean> seen = new IdentityHashMap<>();

	private final List<INDArray> arrays = new ArrayList<>();

	/** Registers an array to be closed with this scope; returns it. */
	public <T extends INDArray> T add(T array) {
		if (this.seen.put(array, Boolean.TRUE) == null) {
			this.arrays.add(array);
		}
		return array;
	}

	@Override
	public void close() {
		for (INDArray array : this.arrays) {
			if (array.closeable()) {
				array.close();
			}
		}
	}

}
