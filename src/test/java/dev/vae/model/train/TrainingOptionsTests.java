package dev.vae.model.train;

import dev.vae.model.Examples;
import dev.vae.model.ModelFixtures;
import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Evaluation;
import dev.vae.model.network.Network;
import dev.vae.model.network.Presets;
import dev.vae.model.train.TrainingOptions.LearningRateSchedule;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The training options' numeric parts by closed form: schedules, the β and free-bits
 * gradient of one step, clipping inside Adam, and active units of a constructed encoder.
 */
class TrainingOptionsTests {

	/** Reads and writes the JSON the tests rewrite; any mapper reads it alike. */
	private static final ObjectMapper JSON = new ObjectMapper();

	@Test
	void learningRateSchedulesFollowTheirClosedForms() {
		int perEpoch = 10;
		long total = 50;
		LearningRateSchedule constant = new LearningRateSchedule.Constant();
		LearningRateSchedule step = new LearningRateSchedule.StepDecay(2, 0.5);
		LearningRateSchedule cosine = new LearningRateSchedule.Cosine(1e-4);
		for (long t = 0; t < total; t++) {
			assertThat(constant.at(0.01, t, perEpoch, total)).isEqualTo(0.01);
			// epochs 0-1: lr, 2-3: lr/2, 4: lr/4
			double expected = 0.01 * Math.pow(0.5, (int) (t / 20));
			assertThat(step.at(0.01, t, perEpoch, total)).as("step %d", t).isCloseTo(expected, within(1e-15));
			double c = 1e-4 + 0.5 * (0.01 - 1e-4) * (1 + Math.cos(Math.PI * t / total));
			assertThat(cosine.at(0.01, t, perEpoch, total)).isCloseTo(c, within(1e-15));
		}
		assertThat(step.at(0.01, 19, perEpoch, total)).isEqualTo(0.01);
		assertThat(step.at(0.01, 20, perEpoch, total)).isEqualTo(0.005);
		assertThat(step.at(0.01, 40, perEpoch, total)).isEqualTo(0.0025);
		assertThat(cosine.at(0.01, 0, perEpoch, total)).isEqualTo(0.01);
		// half way: the mean of the two ends
		assertThat(cosine.at(0.01, 25, perEpoch, total)).isCloseTo((0.01 + 1e-4) / 2, within(1e-15));
		assertThat(cosine.at(0.01, total, perEpoch, total)).isCloseTo(1e-4, within(1e-15));
	}

	@Test
	void klWarmupRisesLinearlyFromZeroOverEpochsOrSteps() {
		TrainingOptions epochs = options(new TrainingOptions.Warmup(2, 0), 0, 0, 0);
		TrainingOptions steps = options(new TrainingOptions.Warmup(0, 8), 0, 0, 0);
		for (long t = 0; t < 30; t++) {
			assertThat(epochs.betaFactor(t, 5)).as("step %d", t).isEqualTo(Math.min(1, t / 10.0));
			assertThat(steps.betaFactor(t, 5)).isEqualTo(Math.min(1, t / 8.0));
			assertThat(TrainingOptions.NONE.betaFactor(t, 5)).isEqualTo(1);
		}
		assertThatThrownBy(() -> new TrainingOptions.Warmup(2, 3)).isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("not both");
		assertThatThrownBy(() -> new TrainingOptions.Warmup(0, 0)).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void theStepGradientIsLinearInBetaAndFreeBitsZeroesTheKlGradientOfDimensionsUnderTheFloor() {
		Network network = Network.initialise(Presets.mlp(List.of(1, 2, 3), List.of(7), 3,
				dev.vae.model.layer.Activation.of(dev.vae.model.layer.Activation.Function.TANH),
				new DecoderHead.Bernoulli(), 1.0), DataType.DOUBLE, 4);
		double[] x = doubles(ModelFixtures.twoPatterns(5, 1));
		SplittableRandom random = new SplittableRandom(2);
		double[] eps = new double[5 * 3];
		for (int i = 0; i < eps.length; i++) {
			eps[i] = random.nextGaussian();
		}
		double[] g0 = gradient(network, x, eps, new Network.KlTerm(0, 0, null));
		double[] g1 = gradient(network, x, eps, new Network.KlTerm(1, 0, null));
		double[] gHalf = gradient(network, x, eps, new Network.KlTerm(0.3, 0, null));
		assertThat(maxDifference(g0, g1)).isGreaterThan(1e-3);
		for (int i = 0; i < g0.length; i++) {
			// ∇(NLL + β KL) = ∇NLL + β ∇KL
			assertThat(gHalf[i]).isCloseTo(g0[i] + 0.3 * (g1[i] - g0[i]), within(1e-12));
		}
		// the default step is β = the architecture's
		assertThat(gradient(network, x, eps, null)).containsExactly(g1);

		// a floor above every dimension's KL: no KL gradient at all; a floor of 0: all
		double[] kl = network.klSums(Nd4j.createFromArray(x).reshape(5, 6));
		double max = 0;
		for (double v : kl) {
			max = Math.max(max, v / 5);
		}
		assertThat(maxDifference(gradient(network, x, eps, new Network.KlTerm(1, max + 1e-9, null)), g0))
			.isLessThan(1e-15);
		// a floor between the dimensions' KLs: the KL gradient of those above it only,
		// the same whether the batch's KL is measured here or handed in
		double[] sorted = kl.clone();
		java.util.Arrays.sort(sorted);
		double floor = (sorted[0] + sorted[1]) / 2 / 5;
		double[] floored = gradient(network, x, eps, new Network.KlTerm(1, floor, null));
		double[] means = kl.clone();
		for (int j = 0; j < 3; j++) {
			means[j] /= 5;
		}
		assertThat(gradient(network, x, eps, new Network.KlTerm(1, floor, means))).containsExactly(floored);
		assertThat(maxDifference(floored, g0)).isGreaterThan(1e-4);
		assertThat(maxDifference(floored, g1)).isGreaterThan(1e-4);
		// the decoder's gradient does not see the KL term: the same in all three
		int decoderFrom = (int) (network.parameters().length() - (3 * 7 + 7 + 7 * 6 + 6));
		for (int i = decoderFrom; i < g0.length; i++) {
			assertThat(floored[i]).isCloseTo(g0[i], within(1e-15));
		}
	}

	@Test
	void clippingBoundsTheNormAndKeepsTheDirection() {
		float[] g = { 3, -4, 0, 12 };
		double norm = AdamOptimizer.clip(g, 6.5);
		assertThat(norm).isEqualTo(13);
		assertThat(g).containsExactly(new float[] { 1.5f, -2f, 0f, 6f }, org.assertj.core.data.Offset.offset(1e-6f));
		float[] small = { 0.3f, -0.4f };
		assertThat(AdamOptimizer.clip(small, 0.5)).isCloseTo(0.5, within(1e-7));
		assertThat(small).containsExactly(0.3f, -0.4f);
	}

	@Test
	void adamWithClipNormStepsOnTheClippedGradientAndUnclippedBelowTheBound() {
		double[] start = { 0.5, -1.25, 3.0 };
		double[][] gradients = { { 30, -40, 0 }, { 0.1, 0.2, -0.2 }, { -6, 8, 0 }, { 0.5, 0.5, 0.5 } };
		INDArray clipped = Nd4j.createFromArray(start);
		INDArray loose = Nd4j.createFromArray(start);
		INDArray plain = Nd4j.createFromArray(start);
		INDArray reference = Nd4j.createFromArray(start);
		AdamOptimizer withClip = new AdamOptimizer(clipped, 0.01, 1.0);
		AdamOptimizer withLooseClip = new AdamOptimizer(loose, 0.01, 100);
		AdamOptimizer without = new AdamOptimizer(plain, 0.01);
		GradientUpdater<?> nd4j = new Adam(0.01).instantiate(Nd4j.zeros(DataType.DOUBLE, 6), true);
		for (int step = 0; step < gradients.length; step++) {
			withClip.step(clipped, Nd4j.createFromArray(gradients[step]));
			withLooseClip.step(loose, Nd4j.createFromArray(gradients[step]));
			without.step(plain, Nd4j.createFromArray(gradients[step]));
			double[] g = gradients[step].clone();
			AdamOptimizer.clip(g, 1.0);
			INDArray update = Nd4j.createFromArray(g);
			nd4j.applyUpdater(update, step, 0);
			reference.subi(update);
		}
		// every gradient's norm is below 100: the loose bound changes nothing
		assertThat(loose.toDoubleVector()).containsExactly(plain.toDoubleVector());
		for (int i = 0; i < start.length; i++) {
			assertThat(clipped.getDouble(i)).isCloseTo(reference.getDouble(i), within(1e-12));
		}
		// and the bound of 1 changed the run (Adam is not scale-free once the gradients'
		// sizes differ)
		assertThat(maxDifference(clipped.toDoubleVector(), plain.toDoubleVector())).isGreaterThan(1e-4);
	}

	@Test
	void adamTakesEachStepsLearningRate() {
		INDArray a = Nd4j.createFromArray(new double[] { 1.0 });
		INDArray b = Nd4j.createFromArray(new double[] { 1.0 });
		AdamOptimizer fixed = new AdamOptimizer(a, 0.1);
		AdamOptimizer scheduled = new AdamOptimizer(b, 0.1);
		fixed.step(a, Nd4j.createFromArray(new double[] { 2.0 }));
		scheduled.step(b, Nd4j.createFromArray(new double[] { 2.0 }), 0.1);
		assertThat(b.getDouble(0)).isEqualTo(a.getDouble(0));
		// the first step moves by lr·g/(|g| + ε/√(1-β₂)...) ≈ lr: the second by ≈ 0.025
		double before = b.getDouble(0);
		scheduled.step(b, Nd4j.createFromArray(new double[] { 2.0 }), 0.025);
		assertThat(before - b.getDouble(0)).isCloseTo(0.025, within(1e-6));
	}

	@Test
	void activeUnitsCountTheMeansThatVaryOverTheDataOnAConstructedEncoder() {
		// a linear encoder: μ = W x + b with μ₀ = x₀ (variance 1/4 over the data), μ₁ =
		// 0.1 x₁ (variance 0.0025, under 0.01), μ₂ = 0.3 (constant); log σ² = 0
		Architecture architecture = Presets.mlp(List.of(2), List.of(), 3,
				dev.vae.model.layer.Activation.of(dev.vae.model.layer.Activation.Function.TANH),
				new DecoderHead.Bernoulli(), 1.0);
		Network network = Network.initialise(architecture, DataType.DOUBLE, 1);
		network.assign("mu.weight", new float[] { 1, 0, 0, 0.1f, 0, 0 });
		network.assign("mu.bias", new float[] { 0, 0, 0.3f });
		network.assign("logvar.weight", new float[6]);
		network.assign("logvar.bias", new float[3]);
		// x₀ and x₁ each 0 or 1, all four pairs equally often
		float[] values = { 0, 0, 0, 1, 1, 0, 1, 1 };
		Evaluation.Summary summary = Evaluation.negElbo(network, new Examples(values, 4, 2), 1);
		assertThat(summary.meanVariance()[0]).isCloseTo(0.25, within(1e-7));
		assertThat(summary.meanVariance()[1]).isCloseTo(0.0025, within(1e-7));
		assertThat(summary.meanVariance()[2]).isCloseTo(0, within(1e-12));
		assertThat(summary.activeUnits()).isEqualTo(1);
		// KL_j = ½ mean(μ_j²) with σ = 1: ½·½, ½·0.01·½, ½·0.09
		assertThat(summary.klPerDimension()).containsExactly(new double[] { 0.25, 0.0025, 0.045 }, within(1e-7));
		assertThat(summary.klPerDimension()[0] + summary.klPerDimension()[1] + summary.klPerDimension()[2])
			.isCloseTo(summary.kl(), within(1e-12));
	}

	private static TrainingOptions options(TrainingOptions.Warmup warmup, double freeBits, int patience,
			double clipNorm) {
		return new TrainingOptions(warmup, freeBits, patience, new LearningRateSchedule.Constant(), clipNorm);
	}

	private static double[] doubles(Examples examples) {
		double[] values = new double[examples.values().length];
		for (int i = 0; i < values.length; i++) {
			values[i] = examples.values()[i];
		}
		return values;
	}

	private static double[] gradient(Network network, double[] x, double[] eps, Network.KlTerm term) {
		INDArray gradient = network.newGradient();
		int b = eps.length / network.latentSize();
		try (INDArray xs = Nd4j.createFromArray(x).reshape(b, network.inputLength());
				INDArray es = Nd4j.createFromArray(eps).reshape(b, network.latentSize())) {
			if (term == null) {
				network.lossAndGradient(xs, es, gradient);
			}
			else {
				network.lossAndGradient(xs, es, gradient, term);
			}
		}
		return gradient.toDoubleVector();
	}

	private static double maxDifference(double[] a, double[] b) {
		double max = 0;
		for (int i = 0; i < a.length; i++) {
			max = Math.max(max, Math.abs(a[i] - b[i]));
		}
		return max;
	}

	@Test
	void theModelCardKeepsTheOptionsAndReadsCardsWrittenBeforeThem() throws Exception {
		TrainingOptions options = new TrainingOptions(new TrainingOptions.Warmup(0, 500), 0.25, 3,
				new LearningRateSchedule.StepDecay(2, 0.5), 5);
		Architecture architecture = Presets.mlp(List.of(6), List.of(4), 2,
				dev.vae.model.layer.Activation.of(dev.vae.model.layer.Activation.Function.TANH),
				new DecoderHead.Bernoulli(), 1.0);
		Manifest card = Manifest.draft("m", architecture,
				new Manifest.TrainingInfo("shapes", 90, 10, 20, 10, 0.01, 1, 2.5, options, 9, 6),
				new Manifest.Metrics(1, 2, 3, 4, 5));
		String json = Checkpoint.toJson(card);
		Manifest.TrainingInfo read = Checkpoint.fromJson(json).training();
		assertThat(read.options()).isEqualTo(options);
		assertThat(read.epochsRun()).isEqualTo(9);
		assertThat(read.bestEpoch()).isEqualTo(6);
		// a card from before the options: the new fields are absent and read as null
		com.fasterxml.jackson.databind.node.ObjectNode old = (com.fasterxml.jackson.databind.node.ObjectNode) JSON
			.readTree(json);
		((com.fasterxml.jackson.databind.node.ObjectNode) old.get("training"))
			.remove(List.of("options", "epochsRun", "bestEpoch"));
		Manifest.TrainingInfo before = Checkpoint.fromJson(old.toString()).training();
		assertThat(before.options()).isNull();
		assertThat(before.epochsRun()).isNull();
		assertThat(before.epochs()).isEqualTo(20);
	}

}
