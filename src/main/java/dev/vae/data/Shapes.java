package dev.vae.data;

import dev.vae.model.Examples;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The built-in dataset, in the spirit of DeepMind's dSprites: images of one shape on
 * black with known factors of variation — 28×28 grey by default, any size, and in colour
 * (the colour one more factor) with three channels. Image i depends only on (seed, i), so
 * any size and any slice can be generated again exactly, and nothing is ever downloaded.
 * Colour images are channels first: the R plane, then G, then B.
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

	/** The colours of the colour variant, each an RGB triple in [0, 1]. */
	public enum Colour {

		RED(1, 0, 0), GREEN(0, 1, 0), BLUE(0, 0, 1), YELLOW(1, 1, 0), MAGENTA(1, 0, 1), CYAN(0, 1, 1);

		private final float[] rgb;

		Colour(float r, float g, float b) {
			this.rgb = new float[] { r, g, b };
		}

		public float channel(int c) {
			return this.rgb[c];
		}

	}

	/**
	 * The factors that determine one image.
	 *
	 * @param shape which shape
	 * @param scale size in [0.5, 1]: the shape's half-width is 9·scale pixels (at 28×28)
	 * @param rotation angle in radians, [0, 2π)
	 * @param x horizontal position of the centre in [0, 1]
	 * @param y vertical position of the centre in [0, 1]
	 * @param colour the colour of colour images (grey images are white on black)
	 */
	public record Factors(Shape shape, double scale, double rotation, double x, double y, Colour colour) {

		public Factors(Shape shape, double scale, double rotation, double x, double y) {
			this(shape, scale, rotation, x, y, Colour.RED);
		}

	}

	/** The factors of image {@code index} for {@code seed}. */
	public static Factors factors(long seed, long index) {
		SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
		Shape shape = Shape.values()[random.nextInt(Shape.values().length)];
		double scale = 0.5 + 0.5 * random.nextDouble();
		double rotation = 2 * Math.PI * random.nextDouble();
		double x = random.nextDouble();
		double y = random.nextDouble();
		// drawn last, so that the other factors are those of the grey dataset
		Colour colour = Colour.values()[random.nextInt(Colour.values().length)];
		return new Factors(shape, scale, rotation, x, y, colour);
	}

	/** Renders one 28×28 image as 784 values in [0, 1], row-major. */
	public static float[] render(Factors f) {
		return render(f, SIZE);
	}

	/**
	 * Renders one size×size grey image, row-major: each pixel the covered fraction of its
	 * 4×4 sample points. The geometry is that of 28×28 scaled by size/28.
	 */
	public static float[] render(Factors f, int size) {
		float[] image = new float[size * size];
		double k = size / (double) SIZE;
		double half = 9 * f.scale() * k;
		double cx = (9 + 10 * f.x()) * k;
		double cy = (9 + 10 * f.y()) * k;
		double cos = Math.cos(f.rotation());
		double sin = Math.sin(f.rotation());
		for (int row = 0; row < size; row++) {
			for (int col = 0; col < size; col++) {
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
				image[row * size + col] = covered / (float) (SUPERSAMPLE * SUPERSAMPLE);
			}
		}
		return image;
	}

	/**
	 * One image of {@code channels} (1: grey, 3: the shape in its colour) × size × size
	 * values, channels first.
	 */
	public static float[] render(Factors f, int size, int channels) {
		float[] mask = render(f, size);
		if (channels == 1) {
			return mask;
		}
		float[] image = new float[3 * mask.length];
		for (int c = 0; c < 3; c++) {
			float level = f.colour().channel(c);
			for (int i = 0; i < mask.length; i++) {
				image[c * mask.length + i] = mask[i] * level;
			}
		}
		return image;
	}

	/**
	 * Images [from, from + count) of the 28×28 grey dataset for {@code seed}, labelled
	 * with their shape's ordinal.
	 */
	public static Dataset generate(long seed, int from, int count) {
		return generate(seed, from, count, SIZE, 1);
	}

	/**
	 * Images [from, from + count) for {@code seed} of size×size with 1 (grey) or 3
	 * (colour) channels, labelled with their shape's ordinal.
	 */
	public static Dataset generate(long seed, int from, int count, int size, int channels) {
		if (channels != 1 && channels != 3) {
			throw new IllegalArgumentException("channels must be 1 or 3, was " + channels);
		}
		int length = channels * size * size;
		float[] values = new float[count * length];
		int[] labels = new int[count];
		for (int i = 0; i < count; i++) {
			Factors f = factors(seed, from + (long) i);
			System.arraycopy(render(f, size, channels), 0, values, i * length, length);
			labels[i] = f.shape().ordinal();
		}
		String description = ((channels == 3) ? "built-in colour shapes " : "built-in shapes ") + size + "×" + size
				+ " (seed " + seed + ", images " + from + ".." + (from + count - 1) + ")";
		return new Dataset(description, List.of(size, size, channels), new Examples(values, count, length), labels);
	}

}
