package dev.vae.data;

import dev.vae.model.Examples;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The built-in dataset, in the spirit of DeepMind's dSprites: 28×28 grayscale images of
 * one white shape on black, with known factors of variation. Image i depends only on
 * (seed, i), so any size and any slice can be generated again exactly, and nothing is
 * ever downloaded.
 */
public final class Shapes {

	public static final int SIZE = 28;

	private static final double SQRT3 = Math.sqrt(3);

	/**
	 * Sub-samples per pixel side: each pixel's grey level is the covered fraction of 4×4
	 * points.
	 */
	private static final int SUPERSAMPLE = 4;

	private Shapes() {
	}

	/** The shapes, each an inside-test on the canonical square [−1, 1]². */
	public enum Shape {

		SQUARE {
			@Override
			boolean contains(double u, double v) {
				return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
			}
		},
		ELLIPSE {
			@Override
			boolean contains(double u, double v) {
				return u * u + 4 * v * v <= 1;
			}
		},
		TRIANGLE {
			@Override
			boolean contains(double u, double v) {
				// equilateral, vertices (0, 1), (±√3/2, −½)
				return v >= -0.5 && v <= 1 - SQRT3 * Math.abs(u);
			}
		},
		HEART {
			@Override
			boolean contains(double u, double v) {
				// (x² + y² − 1)³ − x² y³ ≤ 0, scaled to fit [−1, 1]²
				double x = u * 1.2;
				double y = v * 1.2 + 0.1;
				double a = x * x + y * y - 1;
				return a * a * a - x * x * y * y * y <= 0;
			}
		};

		abstract boolean contains(double u, double v);

	}

	/**
	 * The factors that determine one image.
	 *
	 * @param shape which shape
	 * @param scale size in [0.5, 1]: the shape's half-width is 9·scale pixels
	 * @param rotation angle in radians, [0, 2π)
	 * @param x horizontal position of the centre in [0, 1]
	 * @param y vertical position of the centre in [0, 1]
	 */
	public record Factors(Shape shape, double scale, double rotation, double x, double y) {
	}

	/** The factors of image {@code index} for {@code seed}. */
	public static Factors factors(long seed, long index) {
		SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
		Shape shape = Shape.values()[random.nextInt(Shape.values().length)];
		return new Factors(shape, 0.5 + 0.5 * random.nextDouble(), 2 * Math.PI * random.nextDouble(),
				random.nextDouble(), random.nextDouble());
	}

	/** Renders one image as 784 values in [0, 1], row-major. */
	public static float[] render(Factors f) {
		float[] image = new float[SIZE * SIZE];
		double half = 9 * f.scale();
		double cx = 9 + 10 * f.x();
		double cy = 9 + 10 * f.y();
		double cos = Math.cos(f.rotation());
		double sin = Math.sin(f.rotation());
		for (int row = 0; row < SIZE; row++) {
			for (int col = 0; col < SIZE; col++) {
				int covered = 0;
				for (int sy = 0; sy < SUPERSAMPLE; sy++) {
					for (int sx = 0; sx < SUPERSAMPLE; sx++) {
						// pixel sample point relative to the centre, rotated back and
						// scaled into [−1, 1]²
						double px = col + (sx + 0.5) / SUPERSAMPLE - cx;
						double py = cy - (row + (sy + 0.5) / SUPERSAMPLE);
						double u = (cos * px + sin * py) / half;
						double v = (-sin * px + cos * py) / half;
						if (f.shape().contains(u, v)) {
							covered++;
						}
					}
				}
				image[row * SIZE + col] = covered / (float) (SUPERSAMPLE * SUPERSAMPLE);
			}
		}
		return image;
	}

	/**
	 * Images [from, from + count) of the dataset for {@code seed}, labelled with their
	 * shape's ordinal.
	 */
	public static Dataset generate(long seed, int from, int count) {
		float[] values = new float[count * SIZE * SIZE];
		int[] labels = new int[count];
		for (int i = 0; i < count; i++) {
			Factors f = factors(seed, from + (long) i);
			System.arraycopy(render(f), 0, values, i * SIZE * SIZE, SIZE * SIZE);
			labels[i] = f.shape().ordinal();
		}
		String description = "built-in shapes (seed " + seed + ", images " + from + ".." + (from + count - 1) + ")";
		return new Dataset(description, List.of(SIZE, SIZE, 1), new Examples(values, count, SIZE * SIZE), labels);
	}

}
