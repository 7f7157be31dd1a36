package dev.vae.model.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Our Adam against ND4J's own AdamUpdater, the reference it replaces for speed. */
class AdamOptimizerTests {

	@ParameterizedTest
	@EnumSource(value = DataType.class, names = { "FLOAT", "DOUBLE" })
	void fiveStepsMatchNd4jsAdam(DataType type) {
		double[] start = { 0.5, -1.25, 3.0, 0.0, 2e-3 };
		double[][] gradients = { { 0.1, -0.3, 2.0, 0.0, -1e-4 }, { 0.2, 0.1, -1.0, 0.5, 3e-4 },
				{ -0.7, 0.0, 0.3, 0.5, 1e-5 }, { 0.05, 0.05, 0.05, -2.0, 0 }, { 1.0, -1.0, 0.5, 0.25, 1e-3 } };
		INDArray ours = Nd4j.createFromArray(start).castTo(type);
		INDArray theirs = Nd4j.createFromArray(start).castTo(type);
		AdamOptimizer adam = new AdamOptimizer(ours, 0.01);
		GradientUpdater<?> reference = new Adam(0.01).instantiate(Nd4j.zeros(type, 2 * start.length), true);
		for (int step = 0; step < gradients.length; step++) {
			adam.step(ours, Nd4j.createFromArray(gradients[step]).castTo(type));
			INDArray g = Nd4j.createFromArray(gradients[step]).castTo(type);
			reference.applyUpdater(g, step, 0);
			theirs.subi(g);
		}
		double tolerance = (type == DataType.FLOAT) ? 1e-6 : 1e-12;
		for (int i = 0; i < start.length; i++) {
			assertThat(ours.getDouble(i)).as("parameter %d", i).isCloseTo(theirs.getDouble(i), within(tolerance));
		}
	}

	@Test
	void aViewIsRefused() {
		INDArray view = Nd4j.zeros(DataType.FLOAT, 10).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 6));
		assertThatThrownBy(() -> new AdamOptimizer(view, 0.1)).isInstanceOf(IllegalArgumentException.class);
	}

}
