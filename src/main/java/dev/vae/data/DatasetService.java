package dev.vae.data;

import dev.vae.model.Examples;
import dev.vae.system.AtomicFiles;
import dev.vae.system.ConflictException;
import dev.vae.system.NotFoundException;
import dev.vae.system.VaeProperties;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Service;

/**
 * Stored datasets: values as little-endian float32 in {@code storage/datasets/{id}.f32}
 * (labels as int32 in {@code .labels}), metadata in the database. Files are complete
 * before their row exists and outlive it on delete.
 */
@Service
public class DatasetService {

	private final DatasetRepository repository;

	private final DatasetUsage usage;

	private final Path dir;

	private final VaeProperties.Storage limits;

	DatasetService(DatasetRepository repository, @Lazy DatasetUsage usage, VaeProperties properties) {
		this.repository = repository;
		this.usage = usage;
		this.limits = properties.storage();
		this.dir = properties.storage().dir().resolve("datasets");
	}

	public long maxValues() {
		return this.limits.maxDatasetValues();
	}

	/** Generates and stores the built-in shapes dataset. */
	public DatasetRow createShapes(String name, int count, long seed) throws IOException {
		if ((long) count * Shapes.SIZE * Shapes.SIZE > this.limits.maxDatasetValues()) {
			throw new dev.vae.system.InvalidInputException("count", "count " + count + " images exceed the limit of "
					+ this.limits.maxDatasetValues() + " values (vae.storage.max-dataset-values)");
		}
		return store((name != null) ? name : "shapes-" + count + "-seed-" + seed, "shapes",
				Shapes.generate(seed, 0, count));
	}

	/** Stores a dataset read from an upload. */
	public DatasetRow store(String name, String source, Dataset data) throws IOException {
		if (this.repository.count() >= this.limits.maxDatasets()) {
			throw new ConflictException("there are " + this.limits.maxDatasets()
					+ " datasets, the configured maximum (vae.storage.max-datasets); delete one first");
		}
		String id = "d-" + UUID.randomUUID().toString().substring(0, 12);
		float[] values = data.examples().values();
		ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
		bytes.asFloatBuffer().put(values);
		AtomicFiles.write(this.dir.resolve(id + ".f32"), bytes.array());
		long size = bytes.capacity();
		if (data.labels() != null) {
			ByteBuffer labels = ByteBuffer.allocate(4 * data.labels().length).order(ByteOrder.LITTLE_ENDIAN);
			labels.asIntBuffer().put(data.labels());
			AtomicFiles.write(this.dir.resolve(id + ".labels"), labels.array());
			size += labels.capacity();
		}
		List<Integer> shape = data.shape();
		DatasetRow row = new DatasetRow(id, name, data.description(), source, data.examples().count(), shape.get(0),
				(shape.size() > 1) ? shape.get(1) : 1, (shape.size() > 2) ? shape.get(2) : 1, data.labels() != null,
				size, Instant.now());
		this.repository.insert(row);
		return row;
	}

	public List<DatasetRow> list() {
		return this.repository.list();
	}

	public DatasetRow get(String id) {
		return this.repository.find(id).orElseThrow(() -> new NotFoundException("dataset", id));
	}

	/** The stored examples of a dataset. */
	public Examples examples(String id) throws IOException {
		DatasetRow row = get(id);
		byte[] bytes = Files.readAllBytes(this.dir.resolve(id + ".f32"));
		if (bytes.length != 4L * row.count() * row.length()) {
			throw new IOException("dataset " + id + " file holds " + bytes.length + " bytes, expected "
					+ 4L * row.count() * row.length());
		}
		float[] values = new float[bytes.length / 4];
		ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
		return new Examples(values, row.count(), row.length());
	}

	/** Deletes a dataset no queued or running job uses. */
	public synchronized void delete(String id) throws IOException {
		get(id);
		if (this.usage.inUse(id)) {
			throw new ConflictException("dataset '" + id + "' is used by a queued or running job");
		}
		this.repository.delete(id);
		Files.deleteIfExists(this.dir.resolve(id + ".f32"));
		Files.deleteIfExists(this.dir.resolve(id + ".labels"));
	}

}
