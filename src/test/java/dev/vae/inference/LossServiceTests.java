package dev.vae.inference;

import dev.vae.model.checkpoint.FormatOneManifest;
import dev.vae.model.head.Likelihood;
import dev.vae.model.network.ActivationKind;
import dev.vae.model.network.FormatOneArchitecture;
import dev.vae.model.network.Network;
import dev.vae.registry.ServedModel;
import dev.vae.system.InvalidInputException;
import dev.vae.system.TooLargeException;
import dev.vae.system.VaeProperties;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The ELBOs, bits per dimension and checks that {@code /loss} adds to the model core's
 * numbers.
 */
class LossServiceTests {

	// no hidden layers: μ = 0.3·x₁ − 0.5·x₂ + 0.1, log σ² = −0.4·x₁ + 0.2·x₂ − 1, η =
	// z·(1.2, −0.7) + (0.05, 0.3)
	private static final double[] PARAMS = { 0.3, -0.5, 0.1, -0.4, 0.2, -1.0, 1.2, -0.7, 0.05, 0.3 };

	/** The service bound to one model, as the loss endpoints call it. */
	private record Loss(LossService service, Prediction prediction) {

		LossApi.LossResponse loss(LossApi.LossRequest request) {
			return this.service.loss(this.prediction, request);
		}

	}

	private static Loss aService(Likelihood likelihood, double beta) {
		FormatOneArchitecture a = new FormatOneArchitecture(List.of(2), List.of(), List.of(), 1, ActivationKind.TANH,
				likelihood, 0.5, beta);
		Network network = Network.fromFormatOne(a, PARAMS, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
		VaeProperties properties = new VaeProperties(new VaeProperties.Model("unused", 1000),
				new VaeProperties.Limits(8, 100, 10, 10, 50, 300,
						org.springframework.util.unit.DataSize.ofMegabytes(1)),
				1, null, null, new VaeProperties.Batching(false, 32, java.time.Duration.ZERO, 1), null, null);
		ServedModel served = ServedModel.of("tiny", FormatOneManifest.draft("tiny", a, null, null), network);
		Predictor predictor = new Predictor((id) -> served,
				new Batching(properties, new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
		return new Loss(new LossService(properties), predictor.open(null));
	}

	private static LossApi.LossRequest aRequest(double[][] x, Integer samples, Integer k, Double sigma, String terms) {
		return new LossApi.LossRequest(x, samples, k, 7L, sigma, terms, null);
	}

	@Test
	void eachElboIsMinusNllPlusBetaKlAndTheModelsOwnIsMarked() {
		LossApi.LossResponse response = aService(Likelihood.GAUSSIAN, 2.0)
			.loss(aRequest(new double[][] { { 0.2, 0.9 } }, null, null, 0.8, null));
		LossApi.InputLoss r = response.results().get(0);
		LossApi.AtMean m = r.atMean();
		double kl = r.kl().total();
		assertThat(m.elbo().bernoulli()).isEqualTo(-(m.bce() + 2 * kl));
		assertThat(m.elbo().continuousBernoulli()).isEqualTo(-(m.continuousBernoulliNll().value() + 2 * kl));
		assertThat(m.elbo().gaussian()).isEqualTo(-(m.gaussianNll().value() + 2 * kl));
		// the request's σ = 0.8 is for the Gaussian column; the model's own ELBO uses the
		// model's σ = 0.5
		assertThat(m.gaussianNll().sigma()).isEqualTo(0.8);
		double modelNll = m.sse() / (2 * 0.25) + 2 * Math.log(0.5) + Math.log(2 * Math.PI);
		assertThat(m.elbo().model()).isCloseTo(-(modelNll + 2 * kl), within(1e-12));
		assertThat(response.likelihood()).isEqualTo("gaussian");
		// the identity Gaussian NLL = SSE/(2σ²) + constant, visible in the pieces
		assertThat(m.gaussianNll().sseOverTwoSigmaSquared() + m.gaussianNll().constant())
			.isCloseTo(m.gaussianNll().value(), within(1e-12));
		assertThat(m.gaussianNll().constant()).isCloseTo(2 * Math.log(0.8) + Math.log(2 * Math.PI), within(1e-12));
	}

	@Test
	void bitsPerDimUseTheBestEstimateAsked() {
		Loss service = aService(Likelihood.BERNOULLI, 1.0);
		double[][] x = { { 0.2, 0.9 } };
		LossApi.InputLoss mean = service.loss(aRequest(x, null, null, null, null)).results().get(0);
		assertThat(mean.bitsPerDim().basis()).isEqualTo("mean");
		assertThat(mean.bitsPerDim().value()).isCloseTo((mean.atMean().bce() + mean.kl().total()) / (2 * Math.log(2)),
				within(1e-12));
		LossApi.InputLoss iwae = service.loss(aRequest(x, 5, 20, null, null)).results().get(0);
		assertThat(iwae.bitsPerDim().basis()).isEqualTo("iwae");
		assertThat(iwae.bitsPerDim().value()).isCloseTo(-iwae.iwae().logLikelihood() / (2 * Math.log(2)),
				within(1e-12));
		assertThat(iwae.monteCarlo().elbo().model().mean())
			.isCloseTo(-(iwae.monteCarlo().bce().mean() + iwae.kl().total()), within(1e-12));
	}

	@Test
	void inputsOutsideTheUnitIntervalNeedGaussianTermsOnly() {
		Loss service = aService(Likelihood.BERNOULLI, 1.0);
		double[][] x = { { -0.5, 2.0 } };
		assertThatThrownBy(() -> service.loss(aRequest(x, null, null, null, null)))
			.isInstanceOf(InvalidInputException.class)
			.hasMessageContaining("inputs[0][0] is -0.5; values must lie in [0, 1]")
			.hasMessageContaining("\"terms\": \"gaussian\"");
		LossApi.LossResponse response = service.loss(aRequest(x, 3, 4, 2.0, "gaussian"));
		LossApi.InputLoss r = response.results().get(0);
		assertThat(r.atMean().bce()).isNull();
		assertThat(r.atMean().continuousBernoulliNll()).isNull();
		assertThat(r.atMean().elbo().model()).isNull();
		assertThat(r.atMean().sse()).isPositive();
		assertThat(r.iwae().likelihood()).isEqualTo("gaussian");
		assertThat(response.summary().bce()).isNull();
	}

	@Test
	void limitsAreCheckedBeforeAnyWork() {
		Loss service = aService(Likelihood.BERNOULLI, 1.0);
		double[][] x = { { 0.2, 0.9 }, { 0.1, 0.1 }, { 0.5, 0.5 } };
		assertThatThrownBy(() -> service.loss(aRequest(x, 100, 50, null, null))).isInstanceOf(TooLargeException.class)
			.hasMessageContaining("450 latent vectors");
		assertThatThrownBy(() -> service.loss(aRequest(x, null, 51, null, null)))
			.isInstanceOf(InvalidInputException.class)
			.hasMessageContaining("iwae_k must be at most 50");
		assertThatThrownBy(() -> service.loss(aRequest(x, null, null, 0.0, null)))
			.hasMessageContaining("sigma must be a positive finite number");
		assertThatThrownBy(() -> service.loss(aRequest(x, null, null, null, "mse")))
			.hasMessageContaining("terms must be 'all' or 'gaussian'");
	}

	@Test
	void theSameSeedGivesTheSameEstimates() {
		Loss service = aService(Likelihood.CONTINUOUS_BERNOULLI, 1.0);
		double[][] x = { { 0.2, 0.9 } };
		assertThat(service.loss(aRequest(x, 10, 10, null, null))).usingRecursiveComparison()
			.isEqualTo(service.loss(aRequest(x, 10, 10, null, null)));
	}

}
