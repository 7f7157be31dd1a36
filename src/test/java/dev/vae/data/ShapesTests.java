package dev.vae.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ShapesTests {

	@Test
	void imagesAreDeterministicAndAddressableByIndex() {
		Dataset all = Shapes.generate(5, 0, 20);
		Dataset slice = Shapes.generate(5, 10, 5);
		assertThat(slice.examples().values()).containsExactly(all.examples().slice(10, 15).values());
		assertThat(Shapes.generate(6, 0, 20).examples().values()).isNotEqualTo(all.examples().values());
	}

	@Test
	void everyShapeIsDrawnInsideTheFrameWithGreyEdges() {
		for (Shapes.Shape shape : Shapes.Shape.values()) {
			float[] image = Shapes.render(new Shapes.Factors(shape, 1.0, 0.4, 1.0, 1.0));
			double ink = 0;
			boolean grey = false;
			for (float v : image) {
				assertThat(v).isBetween(0f, 1f);
				ink += v;
				grey |= v > 0 && v < 1;
			}
			// the largest shape covers tens of pixels and is anti-aliased
			assertThat(ink).as("%s", shape).isBetween(40.0, 400.0);
			assertThat(grey).isTrue();
			// nothing touches the border rows and columns
			for (int i = 0; i < Shapes.SIZE; i++) {
				assertThat(image[i]).isZero();
				assertThat(image[i * Shapes.SIZE]).isZero();
			}
		}
	}

	@Test
	void factorsMoveTheShape() {
		Shapes.Factors left = new Shapes.Factors(Shapes.Shape.SQUARE, 0.5, 0, 0, 0.5);
		Shapes.Factors right = new Shapes.Factors(Shapes.Shape.SQUARE, 0.5, 0, 1, 0.5);
		assertThat(centroidColumn(Shapes.render(right)) - centroidColumn(Shapes.render(left))).isCloseTo(10.0,
				org.assertj.core.data.Offset.offset(0.01));
	}

	@Test
	void labelsAreTheShapes() {
		Dataset data = Shapes.generate(1, 0, 200);
		for (int i = 0; i < 200; i++) {
			assertThat(data.labels()[i]).isEqualTo(Shapes.factors(1, i).shape().ordinal());
		}
		assertThat(data.labels()).contains(0, 1, 2, 3);
	}

	private static double centroidColumn(float[] image) {
		double sum = 0;
		double weighted = 0;
		for (int j = 0; j < image.length; j++) {
			sum += image[j];
			weighted += image[j] * (j % Shapes.SIZE);
		}
		return weighted / sum;
	}

}
