package dev.vae.inference;

import dev.vae.model.checkpoint.FormatOneManifest;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.head.Likelihood;
import dev.vae.model.network.ActivationKind;
import dev.vae.model.network.Encoding;
import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.Passes;
import dev.vae.registry.ServedModel;

import java.time.Duration;
import java.util.List;

/**
 * A model for web-layer tests that needs no native library: it answers instantly with
 * values a test can predict (μ = the first K inputs, log σ² = 0; η = z repeated to the
 * input length), sleeps first, or throws — in the spirit of djl-serving's EchoTranslator.
 */
public final class FakeModel implements Passes {

	public enum Behaviour {

		ECHO, SLEEP, THROW

	}

	private final int latent;

	private final int length;

	private final Behaviour behaviour;

	private final Duration sleep;

	private FakeModel(int latent, int length, Behaviour behaviour, Duration sleep) {
		this.latent = latent;
		this.length = length;
		this.behaviour = behaviour;
		this.sleep = sleep;
	}

	/**
	 * A served fake of a Bernoulli model of C×H×W inputs (given as height, width,
	 * channels).
	 */
	public static ServedModel aFakeModel(String id, List<Integer> hwc, int latent, Behaviour behaviour) {
		FormatOneArchitecture a = FormatOneArchitecture.mirrored(hwc, List.of(4), latent, ActivationKind.TANH,
				Likelihood.BERNOULLI, 1, 1);
		return new ServedModel(id, Manifest.of(FormatOneManifest.draft(id, a, null, null)),
				new FakeModel(latent, a.inputLength(), behaviour, Duration.ofMillis(200)));
	}

	@Override
	public Encoding encode(double[][] inputs) {
		act();
		double[][] mu = new double[inputs.length][this.latent];
		double[][] logvar = new double[inputs.length][this.latent];
		for (int i = 0; i < inputs.length; i++) {
			System.arraycopy(inputs[i], 0, mu[i], 0, Math.min(this.latent, inputs[i].length));
		}
		return new Encoding(mu, logvar);
	}

	@Override
	public double[][] decodeLogits(double[][] z) {
		act();
		double[][] eta = new double[z.length][this.length];
		for (int i = 0; i < z.length; i++) {
			for (int j = 0; j < this.length; j++) {
				eta[i][j] = z[i][j % z[i].length];
			}
		}
		return eta;
	}

	private void act() {
		switch (this.behaviour) {
			case ECHO -> {
			}
			case SLEEP -> {
				try {
					Thread.sleep(this.sleep.toMillis());
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			case THROW -> throw new IllegalStateException("the fake model fails as asked: java.lang.Boom");
		}
	}

}
