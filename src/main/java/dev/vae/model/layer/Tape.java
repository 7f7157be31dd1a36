package dev.vae.model.layer;

import dev.vae.model.Scope;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One pass through a network: whether it trains (batch statistics, saving what the
 * backward pass needs) and the scope that frees its arrays. The layers save onto a stack
 * in the forward pass and take back off it, in reverse, in the backward pass.
 */
public final class Tape {

	private final Scope scope;

	private final boolean training;

	private final Deque<INDArray> saved = new ArrayDeque<>();

	private Tape(Scope scope, boolean training) {
		this.scope = scope;
		this.training = training;
	}

	/** A training pass: batch statistics, records for backward. */
	public static Tape training(Scope scope) {
		return new Tape(scope, true);
	}

	/** An inference pass: running statistics, nothing recorded. */
	public static Tape inference(Scope scope) {
		return new Tape(scope, false);
	}

	public boolean training() {
		return this.training;
	}

	/** Registers an array to be freed with the pass; returns it. */
	public <T extends INDArray> T add(T array) {
		return this.scope.add(array);
	}

	void save(INDArray array) {
		if (this.training) {
			this.saved.push(array);
		}
	}

	INDArray restore() {
		INDArray array = this.saved.poll();
		if (array == null) {
			throw new IllegalStateException("backward pass without a matching training forward pass");
		}
		return array;
	}

}
