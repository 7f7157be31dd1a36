package dev.vae.system;

/**
 * The lengths of the database's text columns (db/migration), and the two ways a string
 * meets them: a value a client chose is checked at the edge (400 naming the field and the
 * limit), a value the service composes is cut to fit.
 */
public final class Columns {

	/** datasets.name, models.name. */
	public static final int NAME = 200;

	/** datasets.description. */
	public static final int DESCRIPTION = 1000;

	/** jobs.error. */
	public static final int ERROR = 2000;

	/** models.source, datasets.source. */
	public static final int SOURCE = 20;

	private Columns() {
	}

	/**
	 * {@code value} when it fits {@code max} characters, else a 400 naming {@code field}
	 * and the limit; null passes.
	 */
	public static String require(String field, String value, int max) {
		if (value != null && value.length() > max) {
			throw new InvalidInputException(field,
					field + " has " + value.length() + " characters; at most " + max + " are stored");
		}
		return value;
	}

	/** {@code value} cut to at most {@code max} characters, marked with an ellipsis. */
	public static String fit(String value, int max) {
		if (value == null || value.length() <= max) {
			return value;
		}
		String cut = value.substring(0, max - 1);
		// never leave half of a surrogate pair at the end
		if (Character.isHighSurrogate(cut.charAt(cut.length() - 1))) {
			cut = cut.substring(0, cut.length() - 1);
		}
		return cut + "…";
	}

}
