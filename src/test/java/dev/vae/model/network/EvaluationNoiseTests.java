package dev.vae.model.network;

import dev.vae.model.Examples;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.SplittableRandom;

import static dev.vae.model.ModelFixtures.aTinyArchitecture;
import static dev.vae.model.ModelFixtures.twoPatterns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The held-out −ELBO with its noise given is the seeded one when given the seed's draws,
 * and a part of a dataset evaluated with its own draws adds up to the whole: what the
 * Spark executors rely on to evaluate their own validation rows.
 */
class EvaluationNoiseTests {

	@Test
	void theSeedsDrawsGiveTheSeededEvaluationAndPartsAddUpToTheWhole() {
		Network network = Network.initialise(Presets.of(aTinyArchitecture()), DataType.FLOAT, 3);
		Examples data = twoPatterns(300, 4);
		int k = network.latentSize();
		double[] noise = new double[data.count() * k];
		SplittableRandom random = new SplittableRandom(17);
		for (int i = 0; i < noise.length; i++) {
			noise[i] = random.nextGaussian();
		}
		Evaluation.Summary seeded = Evaluation.negElbo(network, data, 17);
		Evaluation.Summary given = Evaluation.negElbo(network, data, noise);
		assertThat(given.negElbo()).isEqualTo(seeded.negElbo());
		assertThat(given.kl()).isEqualTo(seeded.kl());

		// rows 0..99 and 100..299, each with its own part of the draws
		Evaluation.Summary first = Evaluation.negElbo(network, data.slice(0, 100),
				java.util.Arrays.copyOfRange(noise, 0, 100 * k));
		Evaluation.Summary rest = Evaluation.negElbo(network, data.slice(100, 300),
				java.util.Arrays.copyOfRange(noise, 100 * k, 300 * k));
		double whole = (first.negElbo() * 100 + rest.negElbo() * 200) / 300;
		assertThat(whole).isCloseTo(seeded.negElbo(), org.assertj.core.data.Percentage.withPercentage(1e-6));
		// other draws, another figure
		Evaluation.Summary other = Evaluation.negElbo(network, data, 18);
		assertThat(other.negElbo()).isNotEqualTo(seeded.negElbo());

		assertThatThrownBy(() -> Evaluation.negElbo(network, data, new double[3]))
			.hasMessageContaining("expected 300 x " + k + " noise values, got 3");
	}

}
