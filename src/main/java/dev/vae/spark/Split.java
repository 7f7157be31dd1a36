package dev.vae.spark;

import dev.vae.training.TrainingSpec;

import java.io.Serializable;

/**
 * Which stored row is which training or validation example: the job's split
 * ({@link TrainingSpec#split}: a seeded shuffle of all rows, the last {@code held} for
 * validation) as a permutation each executor computes for itself from the seed and the
 * row count, so that training sees the rows exactly as the local trainer does without the
 * driver reading one. Without a seed the rows are in order: the first {@code rows - held}
 * train.
 */
final class Split implements Serializable {

	private static final long serialVersionUID = 1L;

	private final int rows;

	private final int held;

	private final Long seed;

	private Split(int rows, int held, Long seed) {
		if (held < 0 || held >= rows) {
			throw new IllegalArgumentException("cannot hold out " + held + " of " + rows + " rows");
		}
		this.rows = rows;
		this.held = held;
		this.seed = seed;
	}

	/** The job's own split of {@code rows} stored rows. */
	static Split of(TrainingSpec spec, int rows) {
		return new Split(rows, spec.heldOut(rows), spec.seed());
	}

	/** Rows already split: {@code train} training rows, then the validation rows. */
	static Split inOrder(int train, int validation) {
		return new Split(train + validation, validation, null);
	}

	int rows() {
		return this.rows;
	}

	int train() {
		return this.rows - this.held;
	}

	int validation() {
		return this.held;
	}

	/**
	 * For each stored row, its place in the split order: below {@link #train()} a
	 * training example's index, from there on {@link #train()} + a validation example's
	 * index.
	 */
	int[] places() {
		int[] places = new int[this.rows];
		if (this.seed == null) {
			for (int i = 0; i < this.rows; i++) {
				places[i] = i;
			}
			return places;
		}
		int[] order = TrainingSpec.splitOrder(this.seed, this.rows);
		for (int i = 0; i < this.rows; i++) {
			places[order[i]] = i;
		}
		return places;
	}

}
