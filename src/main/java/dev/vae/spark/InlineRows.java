package dev.vae.spark;

/**
 * A range's own rows, shipped with it: data the driver read itself (IDX, CSV, generated
 * shapes, tests). Each instance holds only its range, never the whole dataset.
 */
final class InlineRows implements RowSource {

	private static final long serialVersionUID = 1L;

	private final long first;

	private final float[] values;

	InlineRows(long first, float[] values) {
		this.first = first;
		this.values = values;
	}

	@Override
	public float[] read(long from, int count, int length) {
		int start = Math.toIntExact((from - this.first) * length);
		float[] rows = new float[count * length];
		System.arraycopy(this.values, start, rows, 0, rows.length);
		return rows;
	}

	@Override
	public long bytes() {
		return 4L * this.values.length;
	}

	@Override
	public String describe() {
		return "rows shipped by the driver";
	}

}
