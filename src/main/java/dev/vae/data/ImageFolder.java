package dev.vae.data;

import dev.vae.system.VaeProperties;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Reads a zip of images in the ImageFolder convention (one folder per class:
 * {@code cats/001.png}, {@code dogs/7.jpg}; an enclosing folder is fine): each image is
 * decoded as {@link ImageDecoder} does, resized to the requested shape, and labelled with
 * its folder's index among the sorted folder names, as torchvision's ImageFolder does.
 * Entries stream one at a time; files that are not images (by extension) and hidden files
 * are skipped. Nothing in the zip is written anywhere under its own name.
 */
final class ImageFolder {

	private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".gif", ".bmp");

	private ImageFolder() {
	}

	/**
	 * Streams the zip's images into {@code values} (C×H×W each) and their class indices
	 * into {@code labels}.
	 * @param shape height, width, channels
	 */
	static Idx.Images read(InputStream in, String source, List<Integer> shape, long maxValues,
			VaeProperties.Intake limits, ValueSink values, ValueSink labels) throws IOException {
		int height = shape.get(0);
		int width = shape.get(1);
		int channels = shape.get(2);
		long length = (long) height * width * channels;
		Map<String, Integer> seen = new TreeMap<>();
		List<String> order = new ArrayList<>();
		int count = 0;
		int skipped = 0;
		try (ZipInputStream zip = new ZipInputStream(in)) {
			for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
				String name = entry.getName();
				if (entry.isDirectory() || !isImage(name)) {
					skipped += entry.isDirectory() ? 0 : 1;
					continue;
				}
				if ((count + 1) * length > maxValues) {
					throw new DatasetFormatException(source + " holds more than " + count + " images of " + length
							+ " values, over the limit of " + maxValues + " values (vae.storage.max-dataset-values)");
				}
				String label = folderOf(name);
				Integer index = seen.get(label);
				if (index == null) {
					index = order.size();
					seen.put(label, index);
					order.add(label);
				}
				String field = source + " entry '" + name + "'";
				float[] image = ImageDecoder.decode(new Unclosed(zip), channels, height, width, field, limits);
				for (float v : image) {
					values.putFloat(v);
				}
				labels.putInt(index);
				drain(zip, limits.maxImageBytes().toBytes(), field);
				count++;
			}
		}
		catch (ZipException ex) {
			throw new DatasetFormatException(source + " is not a valid zip archive (" + ex.getMessage() + ")");
		}
		if (count == 0) {
			throw new DatasetFormatException(
					source + " holds no images (PNG, JPEG, GIF or BMP files in class folders)");
		}
		// ImageFolder numbers classes in sorted order of their names
		List<String> sorted = new ArrayList<>(seen.keySet());
		int[] mapping = new int[order.size()];
		for (int i = 0; i < order.size(); i++) {
			mapping[i] = sorted.indexOf(order.get(i));
		}
		labels.remap(mapping);
		String description = "ImageFolder " + source + ": " + count + " images of classes " + sorted + " as " + channels
				+ "×" + height + "×" + width + ((skipped > 0) ? " (" + skipped + " other files skipped)" : "");
		return new Idx.Images(description, shape, count);
	}

	private static boolean isImage(String name) {
		String file = name.substring(name.lastIndexOf('/') + 1);
		String lower = file.toLowerCase(Locale.ROOT);
		return !file.startsWith(".") && !name.startsWith("__MACOSX/") && EXTENSIONS.stream().anyMatch(lower::endsWith);
	}

	/** The class of an entry: the name of the folder that holds it ("" at the top). */
	private static String folderOf(String name) {
		int slash = name.lastIndexOf('/');
		if (slash < 0) {
			return "";
		}
		String folder = name.substring(0, slash);
		return folder.substring(folder.lastIndexOf('/') + 1);
	}

	/**
	 * Reads the rest of an entry, failing past {@code max} bytes: an entry that inflates
	 * without end is refused rather than skipped through.
	 */
	private static void drain(InputStream entry, long max, String field) throws IOException {
		byte[] buffer = new byte[8192];
		long total = 0;
		int n;
		while ((n = entry.read(buffer)) > 0) {
			total += n;
			if (total > max) {
				throw new DatasetFormatException(field + " is larger than " + max
						+ " bytes, the limit for one image (vae.intake.max-image-bytes)");
			}
		}
	}

	/** The zip stream, protected from being closed by a reader of one entry. */
	private static final class Unclosed extends FilterInputStream {

		Unclosed(InputStream in) {
			super(in);
		}

		@Override
		public void close() {
		}

	}

}
