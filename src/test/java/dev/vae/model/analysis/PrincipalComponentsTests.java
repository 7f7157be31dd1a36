package dev.vae.model.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class PrincipalComponentsTests {

	/**
	 * Orthonormal u and v in 4 dimensions, each with a single largest entry, which is
	 * positive.
	 */
	private static final double[] U = { 0.8, 0.6, 0, 0 };

	private static final double[] V = { 0, 0, -0.6, 0.8 };

	@Test
	void fourPointsOnTwoKnownAxes() {
		// ±3u and ±1v around c: the covariance is (2·9 uuᵀ + 2·1 vvᵀ)/3, eigenvalues 6
		// and 2/3
		double[] c = { 1, -2, 0.5, 4 };
		double[][] rows = { plus(c, 3, U), plus(c, -3, U), plus(c, 1, V), plus(c, -1, V) };
		PrincipalComponents pca = PrincipalComponents.of(rows, 2);
		assertThat(pca.mean()).containsExactly(c, within(1e-12));
		assertThat(pca.variances()[0]).isCloseTo(6, within(1e-12));
		assertThat(pca.variances()[1]).isCloseTo(2.0 / 3, within(1e-12));
		assertThat(pca.totalVariance()).isCloseTo(6 + 2.0 / 3, within(1e-12));
		assertThat(pca.explained()[0]).isCloseTo(6 / (6 + 2.0 / 3), within(1e-12));
		// signed so that the largest-magnitude entry is positive
		assertThat(pca.axes()[0]).containsExactly(U, within(1e-12));
		assertThat(pca.axes()[1]).containsExactly(V, within(1e-12));
		assertThat(pca.project(rows[0])).containsExactly(new double[] { 3, 0 }, within(1e-12));
		assertThat(pca.project(rows[3])).containsExactly(new double[] { 0, -1 }, within(1e-12));
	}

	@Test
	void axesAreOrthonormalEigenvectorsOfTheCovarianceInDecreasingOrder() {
		SplittableRandom random = new SplittableRandom(7);
		int n = 300;
		int k = 7;
		double[][] rows = new double[n][k];
		for (double[] row : rows) {
			for (int j = 0; j < k; j++) {
				// correlated dimensions with different spreads
				row[j] = random.nextGaussian() * (j + 1) + ((j > 0) ? 0.8 * row[j - 1] : 0);
			}
		}
		PrincipalComponents pca = PrincipalComponents.of(rows, k);
		double[][] cov = covariance(rows);
		for (int a = 0; a < k; a++) {
			double[] ca = multiply(cov, pca.axes()[a]);
			for (int j = 0; j < k; j++) {
				assertThat(ca[j]).isCloseTo(pca.variances()[a] * pca.axes()[a][j], within(1e-9 * pca.variances()[0]));
			}
			for (int b = 0; b < k; b++) {
				assertThat(dot(pca.axes()[a], pca.axes()[b])).isCloseTo((a == b) ? 1 : 0, within(1e-12));
			}
			if (a > 0) {
				assertThat(pca.variances()[a]).isLessThanOrEqualTo(pca.variances()[a - 1]);
			}
		}
		double sum = 0;
		for (double e : pca.explained()) {
			sum += e;
		}
		assertThat(sum).isCloseTo(1, within(1e-12));
	}

	@Test
	void refusesTooFewPointsOrAxes() {
		assertThatIllegalArgumentException().isThrownBy(() -> PrincipalComponents.of(new double[][] { U }, 1))
			.withMessageContaining("at least 2 points");
		assertThatIllegalArgumentException().isThrownBy(() -> PrincipalComponents.of(new double[][] { U, V }, 5))
			.withMessageContaining("count must lie in 1..4");
	}

	private static double[] plus(double[] c, double s, double[] d) {
		double[] out = c.clone();
		for (int j = 0; j < out.length; j++) {
			out[j] += s * d[j];
		}
		return out;
	}

	private static double[][] covariance(double[][] rows) {
		int n = rows.length;
		int k = rows[0].length;
		double[] mean = new double[k];
		for (double[] row : rows) {
			for (int j = 0; j < k; j++) {
				mean[j] += row[j] / n;
			}
		}
		double[][] c = new double[k][k];
		for (double[] row : rows) {
			for (int a = 0; a < k; a++) {
				for (int b = 0; b < k; b++) {
					c[a][b] += (row[a] - mean[a]) * (row[b] - mean[b]) / (n - 1);
				}
			}
		}
		return c;
	}

	private static double[] multiply(double[][] m, double[] v) {
		double[] out = new double[v.length];
		for (int i = 0; i < v.length; i++) {
			out[i] = dot(m[i], v);
		}
		return out;
	}

	private static double dot(double[] a, double[] b) {
		double s = 0;
		for (int i = 0; i < a.length; i++) {
			s += a[i] * b[i];
		}
		return s;
	}

}
