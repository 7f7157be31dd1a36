package dev.vae.model.network;

/**
 * The encoder's q(z|x) = N(μ, diag(e^logvar)) for a batch, one row per input.
 *
 * @param mu the means
 * @param logvar the log-variances log σ²
 */
public record Encoding(double[][] mu, double[][] logvar) {

	/** σ = e^(logvar/2). */
	public double[][] sigma() {
		double[][] sigma = new double[this.logvar.length][];
		for (int i = 0; i < sigma.length; i++) {
			sigma[i] = new double[this.logvar[i].length];
			for (int k = 0; k < sigma[i].length; k++) {
				sigma[i][k] = Math.exp(0.5 * this.logvar[i][k]);
			}
		}
		return sigma;
	}

	/** z = μ + σ ⊙ ε for row i, given ε. */
	public double[] reparameterise(int i, double[] eps) {
		double[] z = new double[eps.length];
		for (int k = 0; k < z.length; k++) {
			z[k] = this.mu[i][k] + Math.exp(0.5 * this.logvar[i][k]) * eps[k];
		}
		return z;
	}

	/** Each row's μ and log σ² side by side, 2k values. */
	public double[][] joined() {
		double[][] rows = new double[this.mu.length][];
		for (int i = 0; i < rows.length; i++) {
			int k = this.mu[i].length;
			rows[i] = java.util.Arrays.copyOf(this.mu[i], 2 * k);
			System.arraycopy(this.logvar[i], 0, rows[i], k, k);
		}
		return rows;
	}

	/** The encoding of rows of μ and log σ² side by side ({@link #joined}). */
	public static Encoding split(double[][] rows, int k) {
		double[][] mu = new double[rows.length][];
		double[][] logvar = new double[rows.length][];
		for (int i = 0; i < rows.length; i++) {
			mu[i] = java.util.Arrays.copyOfRange(rows[i], 0, k);
			logvar[i] = java.util.Arrays.copyOfRange(rows[i], k, 2 * k);
		}
		return new Encoding(mu, logvar);
	}

}
