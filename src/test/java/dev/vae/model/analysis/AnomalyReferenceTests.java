package dev.vae.model.analysis;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/** Percentiles, quantiles and thresholds on references whose answers are known. */
class AnomalyReferenceTests {

	/** The scores 1, 2, …, 100 in a shuffled order. */
	private static AnomalyReference oneToHundred() {
		double[] scores = new double[100];
		for (int i = 0; i < 100; i++) {
			scores[i] = ((i * 37) % 100) + 1;
		}
		return AnomalyReference.of(scores, 100);
	}

	@Test
	void percentilesAreTheShareAtOrBelow() {
		AnomalyReference r = oneToHundred();
		assertThat(r.count()).isEqualTo(100);
		assertThat(r.percentile(0.5)).isEqualTo(0.0);
		assertThat(r.percentile(1)).isEqualTo(1.0);
		assertThat(r.percentile(50)).isEqualTo(50.0);
		assertThat(r.percentile(50.5)).isEqualTo(50.0);
		assertThat(r.percentile(99.99)).isEqualTo(99.0);
		assertThat(r.percentile(100)).isEqualTo(100.0);
		assertThat(r.percentile(1e9)).isEqualTo(100.0);
	}

	@Test
	void quantilesAndThresholdsAreOrderStatistics() {
		AnomalyReference r = oneToHundred();
		assertThat(r.quantile(0.5)).isEqualTo(50.0);
		assertThat(r.quantile(0.0)).isEqualTo(1.0);
		assertThat(r.quantile(1.0)).isEqualTo(100.0);
		assertThat(r.quantile(0.951)).isEqualTo(96.0);
		// exactly 1% of the reference (the score 100) lies above the 1% threshold
		assertThat(r.threshold(0.01)).isEqualTo(99.0);
		assertThat(r.threshold(0.05)).isEqualTo(95.0);
		assertThat(r.anomalous(99.0, 0.01)).isFalse();
		assertThat(r.anomalous(99.5, 0.01)).isTrue();
		// 0.95 · 20 is 19.000000000000004 in floating point; the rank is still 19
		double[] twenty = new double[20];
		for (int i = 0; i < 20; i++) {
			twenty[i] = i;
		}
		assertThat(AnomalyReference.of(twenty, 1).threshold(0.05)).isEqualTo(18.0);
	}

	@Test
	void tiesCountAsAtOrBelow() {
		AnomalyReference r = AnomalyReference.of(new double[] { 1, 2, 2, 2, 3 }, 10);
		assertThat(r.percentile(2)).isEqualTo(80.0);
		assertThat(r.percentile(1.99)).isEqualTo(20.0);
		assertThat(r.threshold(0.2)).isEqualTo(2.0);
		assertThat(r.threshold(0.1)).isEqualTo(3.0);
	}

	@Test
	void badReferencesAndRatesAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> AnomalyReference.of(new double[0], 1));
		assertThatIllegalArgumentException().isThrownBy(() -> new AnomalyReference(new double[] { 2, 1 }, 1));
		assertThatIllegalArgumentException().isThrownBy(() -> AnomalyReference.of(new double[] { Double.NaN }, 1));
		AnomalyReference r = oneToHundred();
		assertThatIllegalArgumentException().isThrownBy(() -> r.threshold(0));
		assertThatIllegalArgumentException().isThrownBy(() -> r.threshold(1));
	}

	@Test
	void aurocIsTheMannWhitneyProbability() {
		// every anomaly above every normal: 1; every one below: 0; identical sets: ½
		assertThat(DetectionQuality.auroc(new double[] { 1, 2, 3 }, new double[] { 4, 5 })).isEqualTo(1.0);
		assertThat(DetectionQuality.auroc(new double[] { 4, 5 }, new double[] { 1, 2, 3 })).isEqualTo(0.0);
		assertThat(DetectionQuality.auroc(new double[] { 1, 2, 3 }, new double[] { 1, 2, 3 })).isEqualTo(0.5);
		// pairs (n, a): 1<2 ✓, 1<4 ✓, 3>2 ✗, 3<4 ✓ → 3/4
		assertThat(DetectionQuality.auroc(new double[] { 1, 3 }, new double[] { 2, 4 })).isCloseTo(0.75, within(1e-15));
		DetectionQuality q = DetectionQuality.of(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 },
				new double[] { 9.5, 11, 0 }, 0.2);
		assertThat(q.threshold()).isEqualTo(8.0);
		assertThat(q.tpr()).isCloseTo(2 / 3.0, within(1e-15));
		assertThat(q.realisedFpr()).isEqualTo(0.2);
	}

}
