package dev.vae.model.analysis;

import java.util.Arrays;

/**
 * How well a score separates known anomalies from normal data: the area under the ROC
 * curve and the true-positive rate at a chosen false-positive rate, with the threshold
 * taken from the normal scores exactly as {@link AnomalyReference} takes it.
 *
 * @param auroc P(anomaly's score > normal's) + ½ P(equal): 1 separates perfectly, ½ is
 * chance
 * @param fpr the false-positive rate asked for
 * @param threshold the normal scores' (1 − fpr) quantile
 * @param tpr the share of anomalies scoring above it
 * @param realisedFpr the share of the normal scores above it (≤ fpr)
 * @param normals how many normal scores
 * @param anomalies how many anomaly scores
 */
public record DetectionQuality(double auroc, double fpr, double threshold, double tpr, double realisedFpr, int normals,
		int anomalies) {

	/** The quality of a score given its values on normal data and on anomalies. */
	public static DetectionQuality of(double[] normal, double[] anomalous, double fpr) {
		if (normal.length == 0 || anomalous.length == 0) {
			throw new IllegalArgumentException("detection quality needs normal and anomalous scores");
		}
		AnomalyReference reference = AnomalyReference.of(normal, 0);
		double threshold = reference.threshold(fpr);
		int above = 0;
		for (double s : anomalous) {
			if (s > threshold) {
				above++;
			}
		}
		int falseAlarms = 0;
		for (double s : normal) {
			if (s > threshold) {
				falseAlarms++;
			}
		}
		return new DetectionQuality(auroc(normal, anomalous), fpr, threshold, (double) above / anomalous.length,
				(double) falseAlarms / normal.length, normal.length, anomalous.length);
	}

	/**
	 * The Mann–Whitney statistic U / (n₀ n₁) = P(a > n) + ½ P(a = n), by ranks of the
	 * pooled scores (ties get their mean rank).
	 */
	static double auroc(double[] normal, double[] anomalous) {
		int n0 = normal.length;
		int n1 = anomalous.length;
		double[][] pooled = new double[n0 + n1][];
		for (int i = 0; i < n0; i++) {
			pooled[i] = new double[] { normal[i], 0 };
		}
		for (int i = 0; i < n1; i++) {
			pooled[n0 + i] = new double[] { anomalous[i], 1 };
		}
		Arrays.sort(pooled, (a, b) -> Double.compare(a[0], b[0]));
		double rankSum = 0;
		int i = 0;
		while (i < pooled.length) {
			int j = i;
			while (j + 1 < pooled.length && pooled[j + 1][0] == pooled[i][0]) {
				j++;
			}
			// ranks i+1 … j+1 share their mean
			double rank = (i + j + 2) / 2.0;
			for (int t = i; t <= j; t++) {
				if (pooled[t][1] == 1) {
					rankSum += rank;
				}
			}
			i = j + 1;
		}
		// U₁ = R₁ − n₁(n₁ + 1)/2
		return (rankSum - n1 * (n1 + 1) / 2.0) / ((double) n0 * n1);
	}

}
