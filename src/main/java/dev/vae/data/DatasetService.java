package dev.vae.data;

import dev.vae.model.Examples;
import dev.vae.storage.ObjectStore;
import dev.vae.system.Columns;
import dev.vae.system.ConflictException;
import dev.vae.system.CountLimit;
import dev.vae.system.NotFoundException;
import dev.vae.system.VaeProperties;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Service;

/**
 * Stored datasets: values as little-endian float32 in the object
 * {@code datasets/{id}.f32} (labels as int32 in {@code .labels}) of the
 * {@link ObjectStore}, with their SHA-256, and metadata in the database. Objects are
 * complete before their row exists and outlive it on delete; every read checks the
 * digest, so a replica never trains on bytes other than those stored.
 */
@Service
public class DatasetService {

	private final DatasetRepository repository;

	private final DatasetUsage usage;

	private final Path dir;

	private final ObjectStore store;

	private final VaeProperties.Storage limits;

	private final VaeProperties.Intake intake;

	/** Images generated per chunk when the built-in shapes are written. */
	private static final int SHAPES_CHUNK = 1000;

	private final CountLimit rowLimits;

	DatasetService(DatasetRepository repository, @Lazy DatasetUsage usage, ObjectStore store, VaeProperties properties,
			CountLimit rowLimits) {
		this.rowLimits = rowLimits;
		this.repository = repository;
		this.usage = usage;
		this.store = store;
		this.limits = properties.storage();
		this.intake = properties.intake();
		this.dir = properties.storage().dir().resolve("datasets");
	}

	/**
	 * Generates and stores the built-in shapes dataset (size×size, 1 or 3 channels), a
	 * chunk of images at a time.
	 */
	public DatasetRow createShapes(String name, int count, long seed, int size, int channels) throws IOException {
		if ((long) count * channels * size * size > this.limits.maxDatasetValues()) {
			throw new dev.vae.system.InvalidInputException("count",
					"count " + count + " images of " + channels + "×" + size + "×" + size + " exceed the limit of "
							+ this.limits.maxDatasetValues() + " values (vae.storage.max-dataset-values)");
		}
		String fallback = ((channels == 3) ? "colour-shapes-" : "shapes-") + count + "-seed-" + seed
				+ ((size != Shapes.SIZE) ? "-" + size : "");
		return store((name != null) ? name : fallback, "shapes", (values, labels) -> {
			for (int from = 0; from < count; from += SHAPES_CHUNK) {
				Dataset chunk = Shapes.generate(seed, from, Math.min(SHAPES_CHUNK, count - from), size, channels);
				for (float v : chunk.examples().values()) {
					values.putFloat(v);
				}
				for (int label : chunk.labels()) {
					labels.putInt(label);
				}
			}
			String description = ((channels == 3) ? "built-in colour shapes " : "built-in shapes ") + size + "×" + size
					+ " (seed " + seed + ", images 0.." + (count - 1) + ")";
			return new Idx.Images(description, List.of(size, size, channels), count);
		});
	}

	/**
	 * Stores an IDX image file and optional label file, streamed from the uploads to the
	 * dataset's files.
	 */
	public DatasetRow storeIdx(String name, InputStream images, String imagesSource, InputStream labels,
			String labelsSource) throws IOException {
		long max = this.limits.maxDatasetValues();
		return store(name, "idx", (values, labelWords) -> {
			Idx.Images read = Idx.readImages(images, imagesSource, max, values);
			if (labels != null) {
				Idx.checkLabelCount(Idx.readLabels(labels, labelsSource, max, labelWords), read.count());
			}
			return read;
		});
	}

	/**
	 * Stores a zip of images in class folders (ImageFolder), each resized to
	 * {@code shape} (height, width, channels), streamed entry by entry.
	 */
	public DatasetRow storeImageFolder(String name, InputStream zip, String source, List<Integer> shape)
			throws IOException {
		return store(name, "image-folder", (values, labels) -> ImageFolder.read(zip, source, shape,
				this.limits.maxDatasetValues(), this.intake, values, labels));
	}

	/** Stores a CSV of examples, streamed from the upload to the dataset's file. */
	public DatasetRow storeCsv(String name, InputStream csv, String source, List<Integer> shape) throws IOException {
		return store(name, "csv",
				(values, labels) -> Csv.read(csv, source, shape, this.limits.maxDatasetValues(), values));
	}

	/**
	 * Writes a dataset's files through temporary files, then its row: a failure at any
	 * point leaves neither.
	 */
	private DatasetRow store(String name, String source, Writer writer) throws IOException {
		Columns.require("name", name, Columns.NAME);
		this.rowLimits.check("datasets", this.limits.maxDatasets(), "vae.storage.max-datasets");
		String id = "d-" + UUID.randomUUID().toString().substring(0, 12);
		try (ValueSink.ToFile values = ValueSink.toFile(this.dir.resolve(id + ".f32"));
				ValueSink.ToFile labels = ValueSink.toFile(this.dir.resolve(id + ".labels"))) {
			Idx.Images read = writer.write(values, labels);
			if (read.count() == 0) {
				throw new DatasetFormatException("the dataset holds no images");
			}
			long size = values.commit();
			boolean labelled = labels.count() > 0;
			if (labelled) {
				size += labels.commit();
			}
			String sha256 = this.store.put(valuesKey(id), this.dir.resolve(id + ".f32"));
			String labelsSha256 = labelled ? this.store.put(labelsKey(id), this.dir.resolve(id + ".labels")) : null;
			List<Integer> shape = read.shape();
			DatasetRow row = new DatasetRow(id, (name != null) ? name : source,
					Columns.fit(read.description(), Columns.DESCRIPTION), source, read.count(), shape.get(0),
					(shape.size() > 1) ? shape.get(1) : 1, (shape.size() > 2) ? shape.get(2) : 1, labelled, size,
					Instant.now(), sha256, labelsSha256);
			try {
				// the limit and the insert in one transaction, across replicas
				this.rowLimits.insert("datasets", this.limits.maxDatasets(), "vae.storage.max-datasets",
						() -> this.repository.insert(row));
			}
			catch (RuntimeException ex) {
				deleteObjects(id);
				throw ex;
			}
			return row;
		}
	}

	private static String valuesKey(String id) {
		return "datasets/" + id + ".f32";
	}

	private static String labelsKey(String id) {
		return "datasets/" + id + ".labels";
	}

	private void deleteObjects(String id) throws IOException {
		this.store.delete(valuesKey(id));
		this.store.delete(labelsKey(id));
	}

	/** Writes a dataset's values (and labels, if any) into the two sinks. */
	private interface Writer {

		Idx.Images write(ValueSink values, ValueSink labels) throws IOException;

	}

	public List<DatasetRow> list() {
		return this.repository.list();
	}

	public DatasetRow get(String id) {
		return this.repository.find(id).orElseThrow(() -> new NotFoundException("dataset", id));
	}

	/**
	 * The file holding a dataset's examples: little-endian float32, one row per example
	 * (what a Spark job reads).
	 */
	public Path file(String id) {
		get(id);
		return this.dir.resolve(id + ".f32").toAbsolutePath();
	}

	/**
	 * A dataset's examples as an object in a shared bucket ({@code s3://bucket/key}), for
	 * readers that fetch it themselves (Spark executors); empty with local storage.
	 */
	public java.util.Optional<java.net.URI> storedAt(String id) {
		get(id);
		return this.store.uri(valuesKey(id));
	}

	/** The stored examples of a dataset. */
	public Examples examples(String id) throws IOException {
		DatasetRow row = get(id);
		Path file = this.store.get(valuesKey(id), row.sha256());
		long expected = 4L * row.count() * row.length();
		if (Files.size(file) != expected) {
			throw new IOException("dataset " + id + " file holds " + Files.size(file) + " bytes, expected " + expected);
		}
		// straight into the float array, a chunk at a time: no second copy of the file
		float[] values = new float[(int) (expected / 4)];
		ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
		try (FileChannel channel = FileChannel.open(file)) {
			long position = 0;
			while (position < expected) {
				chunk.clear().limit((int) Math.min(chunk.capacity(), expected - position));
				while (chunk.hasRemaining()) {
					if (channel.read(chunk, position + chunk.position()) < 0) {
						throw new IOException("dataset " + id + " file ended early");
					}
				}
				chunk.flip();
				chunk.asFloatBuffer().get(values, (int) (position / 4), chunk.remaining() / 4);
				position += chunk.remaining();
			}
		}
		return new Examples(values, row.count(), row.length());
	}

	/**
	 * The stored labels of a dataset, one per example (the shapes' shape ordinal, IDX
	 * labels, an image folder's class index), or null for an unlabelled one.
	 */
	public int[] labels(String id) throws IOException {
		DatasetRow row = get(id);
		if (!row.hasLabels()) {
			return null;
		}
		Path file = this.store.get(labelsKey(id), row.labelsSha256());
		long expected = 4L * row.count();
		if (Files.size(file) != expected) {
			throw new IOException(
					"dataset " + id + " labels file holds " + Files.size(file) + " bytes, expected " + expected);
		}
		ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
		int[] labels = new int[row.count()];
		bytes.asIntBuffer().get(labels);
		return labels;
	}

	/** One example of a dataset, as the values a model takes. */
	public double[] example(String id, int index) throws IOException {
		return rows(id, new int[] { index })[0];
	}

	/**
	 * Some examples of a dataset, read from its file (checked once) without loading the
	 * rest.
	 */
	public double[][] rows(String id, int[] indices) throws IOException {
		DatasetRow row = get(id);
		for (int index : indices) {
			if (index < 0 || index >= row.count()) {
				throw new dev.vae.system.InvalidInputException("index",
						"index must lie in 0.." + (row.count() - 1) + " for dataset '" + id + "', was " + index);
			}
		}
		Path file = this.store.get(valuesKey(id), row.sha256());
		double[][] rows = new double[indices.length][row.length()];
		ByteBuffer bytes = ByteBuffer.allocate(4 * row.length()).order(ByteOrder.LITTLE_ENDIAN);
		try (FileChannel channel = FileChannel.open(file)) {
			for (int r = 0; r < indices.length; r++) {
				long offset = 4L * indices[r] * row.length();
				bytes.clear();
				while (bytes.hasRemaining()) {
					if (channel.read(bytes, offset + bytes.position()) < 0) {
						throw new IOException("dataset " + id + " file ended early");
					}
				}
				bytes.flip();
				for (int i = 0; i < rows[r].length; i++) {
					rows[r][i] = bytes.getFloat();
				}
			}
		}
		return rows;
	}

	/** Deletes a dataset no queued or running job uses. */
	public synchronized void delete(String id) throws IOException {
		get(id);
		if (this.usage.inUse(id)) {
			throw new ConflictException("dataset '" + id + "' is used by a queued or running job");
		}
		this.repository.delete(id);
		deleteObjects(id);
	}

}
