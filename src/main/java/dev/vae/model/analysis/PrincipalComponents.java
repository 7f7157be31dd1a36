package dev.vae.model.analysis;

/**
 * The leading principal components of a set of points (rows), to draw a K-dimensional
 * latent space in two dimensions. The covariance C = (1/(n−1)) Σᵢ (xᵢ − x̄)(xᵢ − x̄)ᵀ is
 * diagonalised by cyclic Jacobi rotations (exact to rounding for the small K of a latent
 * space); each axis is signed so that its largest-magnitude entry is positive, so the
 * same points always give the same picture.
 *
 * @param mean x̄, the centre the points are projected around
 * @param axes the unit eigenvectors of C with the largest eigenvalues, largest first
 * @param variances their eigenvalues: the variance of the points along each axis
 * @param totalVariance trace(C): the variance of the points in all dimensions
 */
public record PrincipalComponents(double[] mean, double[][] axes, double[] variances, double totalVariance) {

	private static final int MAX_SWEEPS = 100;

	/** The first {@code count} principal components of {@code rows} (n ≥ 2 rows of K). */
	public static PrincipalComponents of(double[][] rows, int count) {
		int n = rows.length;
		if (n < 2) {
			throw new IllegalArgumentException("principal components need at least 2 points, got " + n);
		}
		int k = rows[0].length;
		if (count < 1 || count > k) {
			throw new IllegalArgumentException("count must lie in 1.." + k + ", was " + count);
		}
		double[] mean = new double[k];
		for (double[] row : rows) {
			for (int j = 0; j < k; j++) {
				mean[j] += row[j] / n;
			}
		}
		double[][] c = new double[k][k];
		for (double[] row : rows) {
			for (int a = 0; a < k; a++) {
				double da = row[a] - mean[a];
				for (int b = a; b < k; b++) {
					c[a][b] += da * (row[b] - mean[b]) / (n - 1);
				}
			}
		}
		double trace = 0;
		for (int a = 0; a < k; a++) {
			trace += c[a][a];
			for (int b = 0; b < a; b++) {
				c[a][b] = c[b][a];
			}
		}
		double[][] v = jacobi(c);
		Integer[] order = new Integer[k];
		for (int i = 0; i < k; i++) {
			order[i] = i;
		}
		java.util.Arrays.sort(order, (p, q) -> Double.compare(c[q][q], c[p][p]));
		double[][] axes = new double[count][k];
		double[] variances = new double[count];
		for (int i = 0; i < count; i++) {
			int col = order[i];
			variances[i] = Math.max(0, c[col][col]);
			int largest = 0;
			for (int j = 0; j < k; j++) {
				axes[i][j] = v[j][col];
				if (Math.abs(axes[i][j]) > Math.abs(axes[i][largest])) {
					largest = j;
				}
			}
			if (axes[i][largest] < 0) {
				for (int j = 0; j < k; j++) {
					axes[i][j] = -axes[i][j];
				}
			}
		}
		return new PrincipalComponents(mean, axes, variances, trace);
	}

	/** The coordinates of a point along the axes: aᵢ · (x − x̄). */
	public double[] project(double[] x) {
		double[] out = new double[this.axes.length];
		for (int i = 0; i < out.length; i++) {
			for (int j = 0; j < x.length; j++) {
				out[i] += this.axes[i][j] * (x[j] - this.mean[j]);
			}
		}
		return out;
	}

	/** The share of the total variance along each axis. */
	public double[] explained() {
		double[] out = new double[this.variances.length];
		for (int i = 0; i < out.length; i++) {
			out[i] = (this.totalVariance > 0) ? this.variances[i] / this.totalVariance : 0;
		}
		return out;
	}

	/**
	 * Cyclic Jacobi: rotates the symmetric {@code a} in place until its off-diagonal part
	 * vanishes (its diagonal then holds the eigenvalues) and returns V with A = V diag
	 * Vᵀ, eigenvectors in columns.
	 */
	private static double[][] jacobi(double[][] a) {
		int k = a.length;
		double[][] v = new double[k][k];
		for (int i = 0; i < k; i++) {
			v[i][i] = 1;
		}
		for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
			double off = 0;
			double scale = 0;
			for (int p = 0; p < k; p++) {
				scale += a[p][p] * a[p][p];
				for (int q = p + 1; q < k; q++) {
					off += a[p][q] * a[p][q];
				}
			}
			if (off <= 1e-30 * Math.max(scale, Double.MIN_NORMAL)) {
				break;
			}
			for (int p = 0; p < k - 1; p++) {
				for (int q = p + 1; q < k; q++) {
					if (a[p][q] == 0) {
						continue;
					}
					// the angle that zeroes a[p][q]: tan 2θ = 2 a_pq / (a_qq − a_pp)
					double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
					double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
					if (theta == 0) {
						t = 1;
					}
					double cos = 1 / Math.sqrt(t * t + 1);
					double sin = t * cos;
					rotate(a, v, p, q, cos, sin);
				}
			}
		}
		return v;
	}

	/** A ← Jᵀ A J and V ← V J for the rotation J in the (p, q) plane. */
	private static void rotate(double[][] a, double[][] v, int p, int q, double cos, double sin) {
		int k = a.length;
		for (int r = 0; r < k; r++) {
			double arp = a[r][p];
			double arq = a[r][q];
			a[r][p] = cos * arp - sin * arq;
			a[r][q] = sin * arp + cos * arq;
		}
		for (int r = 0; r < k; r++) {
			double apr = a[p][r];
			double aqr = a[q][r];
			a[p][r] = cos * apr - sin * aqr;
			a[q][r] = sin * apr + cos * aqr;
		}
		for (int r = 0; r < k; r++) {
			double vrp = v[r][p];
			double vrq = v[r][q];
			v[r][p] = cos * vrp - sin * vrq;
			v[r][q] = sin * vrp + cos * vrq;
		}
	}

}
