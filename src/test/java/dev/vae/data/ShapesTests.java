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

	@Test
	void colourShapesAreTheGreyMaskInTheirColourChannelsFirst() {
		Dataset grey = Shapes.generate(3, 0, 10);
		Dataset colour = Shapes.generate(3, 0, 10, Shapes.SIZE, 3);
		assertThat(colour.shape()).containsExactly(28, 28, 3);
		assertThat(colour.labels()).containsExactly(grey.labels());
		int plane = Shapes.SIZE * Shapes.SIZE;
		java.util.Set<Shapes.Colour> colours = java.util.EnumSet.noneOf(Shapes.Colour.class);
		for (int i = 0; i < 10; i++) {
			Shapes.Colour c = Shapes.factors(3, i).colour();
			colours.add(c);
			double[] mask = grey.examples().row(i);
			double[] rgb = colour.examples().row(i);
			for (int band = 0; band < 3; band++) {
				for (int p = 0; p < plane; p++) {
					assertThat(rgb[band * plane + p]).isEqualTo(mask[p] * c.channel(band));
				}
			}
		}
		assertThat(colours).hasSizeGreaterThan(2);
	}

	@Test
	void theGreyDatasetIsUnchangedByTheColourFactor() {
		// the first pixels with ink of image 0 for seed 1, as generated before colour
		// existed
		Shapes.Factors f = Shapes.factors(1, 0);
		assertThat(Shapes.generate(1, 0, 1).examples().values()).containsExactly(Shapes.render(f));
		assertThat(Shapes.render(f, Shapes.SIZE)).containsExactly(Shapes.render(f));
	}

	@Test
	void largerImagesScaleTheSameGeometry() {
		Shapes.Factors f = new Shapes.Factors(Shapes.Shape.SQUARE, 0.8, 0.3, 0.5, 0.5);
		double small = ink(Shapes.render(f, 28));
		double large = ink(Shapes.render(f, 64));
		// area grows with the square of the side
		assertThat(large / small).isCloseTo(Math.pow(64 / 28.0, 2), org.assertj.core.data.Offset.offset(0.1));
	}

	private static double ink(float[] image) {
		double sum = 0;
		for (float v : image) {
			sum += v;
		}
		return sum;
	}

}
