package dev.vae.model.analysis;

import java.util.Arrays;

/**
 * The scores of a model's held-out normal data, sorted: what makes a raw −log p(x)
 * readable. A score's percentile is the share of the reference at or below it, and the
 * threshold for a false-positive rate α is the reference's (1 − α) quantile, so that at
 * most α of the reference — and, for fresh data from the same distribution, α in
 * expectation up to 1/(n + 1) — lies above it.
 *
 * @param sorted the scores, ascending
 * @param k the importance samples each score used
 */
public record AnomalyReference(double[] sorted, int k) {

	public AnomalyReference {
		if (sorted.length == 0) {
			throw new IllegalArgumentException("a reference needs at least one score");
		}
		for (int i = 0; i < sorted.length; i++) {
			if (!Double.isFinite(sorted[i]) || (i > 0 && sorted[i] < sorted[i - 1])) {
				throw new IllegalArgumentException("a reference holds finite scores in ascending order");
			}
		}
	}

	/** The reference of some scores, in any order. */
	public static AnomalyReference of(double[] scores, int k) {
		double[] sorted = scores.clone();
		Arrays.sort(sorted);
		return new AnomalyReference(sorted, k);
	}

	public int count() {
		return this.sorted.length;
	}

	/** 100 · #{reference ≤ score} / n: the percent of normal data scoring at or below. */
	public double percentile(double score) {
		return 100.0 * atOrBelow(score) / this.sorted.length;
	}

	/**
	 * The p quantile, the smallest reference score t with #{reference ≤ t} ≥ p·n (the
	 * lower empirical quantile, ⌈p·n⌉-th smallest); p in [0, 1].
	 */
	public double quantile(double p) {
		int n = this.sorted.length;
		int rank = (int) Math.ceil(p * n - 1e-9 * n);
		return this.sorted[Math.min(n, Math.max(1, rank)) - 1];
	}

	/**
	 * The threshold for false-positive rate {@code fpr} in (0, 1): scores above it are
	 * anomalous, and at most fpr·n of the reference is.
	 */
	public double threshold(double fpr) {
		if (!(fpr > 0 && fpr < 1)) {
			throw new IllegalArgumentException("fpr must lie in (0, 1), was " + fpr);
		}
		return quantile(1 - fpr);
	}

	/** Whether a score lies above the threshold for {@code fpr}. */
	public boolean anomalous(double score, double fpr) {
		return score > threshold(fpr);
	}

	/** How many reference scores are ≤ score (a binary search). */
	private int atOrBelow(double score) {
		int lo = 0;
		int hi = this.sorted.length;
		while (lo < hi) {
			int mid = (lo + hi) >>> 1;
			if (this.sorted[mid] <= score) {
				lo = mid + 1;
			}
			else {
				hi = mid;
			}
		}
		return lo;
	}

	@Override
	public boolean equals(Object other) {
		return other instanceof AnomalyReference r && r.k == this.k && Arrays.equals(r.sorted, this.sorted);
	}

	@Override
	public int hashCode() {
		return 31 * Arrays.hashCode(this.sorted) + this.k;
	}

	@Override
	public String toString() {
		return "AnomalyReference[" + this.sorted.length + " scores, k=" + this.k + "]";
	}

}
