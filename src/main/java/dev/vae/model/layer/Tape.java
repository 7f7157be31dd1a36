package dev.vae.model.layer;

import dev.vae.model.Scope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * One pass through a network: whether it trains (batch statistics, saving what the
 * backward pass needs) and where its arrays come from. The layers save onto a stack in
 * the forward pass and take back off it, in reverse, in the backward pass.
 * <p>
 * A training pass draws its arrays from an {@link Arena} that outlives it: the n-th array
 * a step asks for is the n-th array of the step before whenever the shape is the same, so
 * a run of equal minibatches allocates once (native allocation and release were a visible
 * share of a small network's step). An inference pass allocates in its scope and frees
 * everything when it ends, so concurrent calls share nothing.
 */
public final class Tape {

	private final Scope scope;

	private final boolean training;

	private final Arena arena;

	private final Deque<INDArray> saved = new ArrayDeque<>();

	private Tape(Scope scope, boolean training, Arena arena) {
		this.scope = scope;
		this.training = training;
		this.arena = arena;
		if (arena != null) {
			arena.rewind();
		}
	}

	/**
	 * A training pass: batch statistics, records for backward, arrays from {@code arena}
	 * (rewound: the previous pass's arrays are handed out again).
	 */
	public static Tape training(Scope scope, Arena arena) {
		return new Tape(scope, true, arena);
	}

	/** A training pass whose arrays are freed with {@code scope}. */
	public static Tape training(Scope scope) {
		return new Tape(scope, true, null);
	}

	/** An inference pass: running statistics, nothing recorded, arrays in the scope. */
	public static Tape inference(Scope scope) {
		return new Tape(scope, false, null);
	}

	public boolean training() {
		return this.training;
	}

	/** Registers an array to be freed with the pass; returns it. */
	public <T extends INDArray> T add(T array) {
		return this.scope.add(array);
	}

	/**
	 * An array of the given shape whose contents are undefined, owned by the pass (the
	 * arena's when training).
	 */
	public INDArray uninitialized(DataType type, long... shape) {
		return (this.arena != null) ? this.arena.next(type, shape)
				: this.scope.add(Nd4j.createUninitialized(type, shape));
	}

	/** A column of {@code n} ones [n, 1], for bias sums and broadcasts as GEMMs. */
	public INDArray ones(DataType type, long n) {
		if (this.arena != null) {
			return this.arena.ones(type, n);
		}
		return this.scope.add(Nd4j.ones(type, n, 1));
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

	/**
	 * The arrays of a run of training passes, handed out in request order and kept until
	 * {@link #close()}. Owned by one training thread.
	 */
	public static final class Arena implements AutoCloseable {

		private final List<INDArray> arrays = new ArrayList<>();

		private INDArray ones;

		private int cursor;

		void rewind() {
			this.cursor = 0;
		}

		INDArray next(DataType type, long[] shape) {
			if (this.cursor < this.arrays.size()) {
				INDArray kept = this.arrays.get(this.cursor);
				if (kept.dataType() == type && Arrays.equals(kept.shape(), shape)) {
					this.cursor++;
					return kept;
				}
				kept.close();
				INDArray fresh = Nd4j.createUninitialized(type, shape);
				this.arrays.set(this.cursor++, fresh);
				return fresh;
			}
			INDArray fresh = Nd4j.createUninitialized(type, shape);
			this.arrays.add(fresh);
			this.cursor++;
			return fresh;
		}

		INDArray ones(DataType type, long n) {
			if (this.ones == null || this.ones.dataType() != type || this.ones.length() != n) {
				if (this.ones != null) {
					this.ones.close();
				}
				this.ones = Nd4j.ones(type, n, 1);
			}
			return this.ones;
		}

		@Override
		public void close() {
			for (INDArray array : this.arrays) {
				array.close();
			}
			this.arrays.clear();
			if (this.ones != null) {
				this.ones.close();
				this.ones = null;
			}
		}

	}

}
