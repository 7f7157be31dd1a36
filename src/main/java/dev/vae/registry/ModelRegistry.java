package dev.vae.registry;

import dev.vae.model.checkpoint.Checkpoint;
import dev.vae.model.checkpoint.CheckpointException;
import dev.vae.model.checkpoint.Manifest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.vae.model.interop.Imported;
import dev.vae.model.interop.ModelImport;
import dev.vae.model.interop.SafeTensorsExport;
import dev.vae.storage.CorruptObjectException;
import dev.vae.storage.Digests;
import dev.vae.storage.ObjectStore;
import dev.vae.system.AtomicFiles;
import dev.vae.system.Columns;
import dev.vae.system.ConflictException;
import dev.vae.system.CountLimit;
import dev.vae.system.InvalidInputException;
import dev.vae.system.MemoryBudget;
import dev.vae.system.NotFoundException;
import dev.vae.system.QueueFullException;
import dev.vae.system.VaeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The model versions: checkpoints in the {@link ObjectStore} ({@code models/{id}.vae},
 * with their SHA-256) and their metadata in the database, the active one, and a small
 * cache of loaded networks so requests can address any version. An object is always
 * complete before its row exists, and a row is deleted before its object, so a crash
 * never leaves a row without its object.
 * <p>
 * The active model is a database row shared by every replica: {@link #activate} loads and
 * warms the model, records it with the next generation and swaps; {@link #sync} (run
 * every {@code vae.registry.sync-interval}) makes a replica follow an activation made
 * elsewhere the same way. The built-in default lives on every replica's own disk, from
 * its own configured checkpoint.
 */
public class ModelRegistry implements ModelResolver {

	/**
	 * The id of the model shipped with the service (or configured by
	 * {@code vae.model.checkpoint}).
	 */
	public static final String DEFAULT_ID = "default";

	private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

	private static final int CACHED = 4;

	private final ModelRepository repository;

	private final ActiveModel activeModel;

	private final Path dir;

	private final ObjectStore store;

	private final VaeProperties properties;

	/** Activation and following one: never two swaps at once. */
	private final Object swapping = new Object();

	/** The active model as this replica last read it from the database. */
	private volatile ModelRepository.Active known;

	/** The generation whose model failed to load here, so it is logged once. */
	private volatile long failedGeneration = -1;

	private final Map<String, ServedModel> cache = new LinkedHashMap<>(8, 0.75f, true) {
		@Override
		protected boolean removeEldestEntry(Map.Entry<String, ServedModel> eldest) {
			return size() > CACHED;
		}
	};

	private final io.micrometer.core.instrument.Timer loads;

	private final CountLimit limits;

	private final MemoryBudget memory;

	ModelRegistry(ModelRepository repository, ActiveModel activeModel, ObjectStore store, VaeProperties properties,
			io.micrometer.core.instrument.MeterRegistry meters, CountLimit limits, MemoryBudget memory) {
		this.limits = limits;
		this.memory = memory;
		this.loads = io.micrometer.core.instrument.Timer.builder("vae.model.load")
			.description("time to read, check and warm up a model")
			.register(meters);
		this.repository = repository;
		this.activeModel = activeModel;
		this.store = store;
		this.properties = properties;
		this.dir = properties.storage().dir().resolve("models");
	}

	private static String key(String id) {
		return "models/" + id + ".vae";
	}

	/**
	 * A local file holding model {@code id}'s checkpoint, checked against its SHA-256; a
	 * checkpoint that does not match is refused as corrupt and not used.
	 */
	Path file(String id) {
		if (DEFAULT_ID.equals(id)) {
			return this.dir.resolve(DEFAULT_ID + ".vae");
		}
		ModelRow row = get(id);
		try {
			return this.store.get(key(id), row.sha256());
		}
		catch (CorruptObjectException ex) {
			throw new CheckpointException("checkpoint " + key(id) + " is corrupt: " + ex.getMessage(), ex);
		}
		catch (NoSuchFileException ex) {
			throw new CheckpointException("checkpoint " + key(id) + " is missing from " + this.store.describe(), ex);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("checkpoint " + key(id) + " cannot be read from " + this.store.describe(),
					ex);
		}
	}

	/**
	 * Stores the configured default checkpoint as model {@link #DEFAULT_ID}, replacing an
	 * older copy.
	 */
	void registerDefault(byte[] checkpoint, Manifest manifest) throws IOException {
		AtomicFiles.write(file(DEFAULT_ID), checkpoint);
		String sha256 = Digests.sha256(checkpoint);
		if (!this.repository.find(DEFAULT_ID).map((row) -> sha256.equals(row.sha256())).orElse(true)) {
			// another default checkpoint: the reference of the old one does not describe
			// it
			this.repository.deleteReference(DEFAULT_ID);
		}
		this.repository.replace(new ModelRow(DEFAULT_ID, manifest.name(), "builtin", null, Checkpoint.toJson(manifest),
				checkpoint.length, Instant.now(), sha256));
	}

	/**
	 * Serves the model stored as active, or the default when there is none or it cannot
	 * be loaded. A checkpoint that is corrupt or gone is so for every replica: the
	 * default becomes the active model for all. Any other failure (the store cannot be
	 * reached) is this replica's own: it serves the default, reports not ready, and
	 * {@link #sync} tries again.
	 */
	void serveStoredActive() {
		String id = this.repository.active().map(ModelRepository.Active::modelId).orElse(DEFAULT_ID);
		try {
			this.activeModel.swap(load(id));
		}
		catch (CheckpointException | NotFoundException ex) {
			log.error("Active model '{}' cannot be served ({}); serving '{}' instead", id, ex.getMessage(), DEFAULT_ID);
			this.activeModel.swap(load(DEFAULT_ID));
			this.repository.activate(DEFAULT_ID);
		}
		catch (RuntimeException ex) {
			log.error("Active model '{}' cannot be loaded now ({}); serving '{}' and not ready until it loads", id,
					ex.getMessage(), DEFAULT_ID);
			this.activeModel.swap(load(DEFAULT_ID));
		}
		this.known = this.repository.active().orElse(new ModelRepository.Active(DEFAULT_ID, 0));
	}

	/**
	 * Follows the active model stored in the database: when another replica has activated
	 * a different model, loads and warms it, then swaps. Requests in flight finish on the
	 * model they hold. A model that cannot be loaded leaves the current one serving and
	 * this replica not ready; the next call tries again.
	 */
	public void sync() {
		synchronized (this.swapping) {
			ModelRepository.Active active = this.repository.active().orElse(new ModelRepository.Active(DEFAULT_ID, 0));
			this.known = active;
			if (this.activeModel.isLoaded() && this.activeModel.get().id().equals(active.modelId())) {
				return;
			}
			try {
				ServedModel model = load(active.modelId());
				this.activeModel.swap(model);
				log.info("Now serving model '{}' (generation {}), activated by another replica", active.modelId(),
						active.generation());
			}
			catch (RuntimeException ex) {
				if (this.failedGeneration != active.generation()) {
					log.error("Cannot serve the active model '{}' (generation {}): {}; still serving '{}', not ready",
							active.modelId(), active.generation(), ex.getMessage(),
							this.activeModel.isLoaded() ? this.activeModel.get().id() : "none");
				}
				this.failedGeneration = active.generation();
			}
		}
	}

	/**
	 * Whether this replica serves the model the database names active (as of the last
	 * {@link #sync}): readiness.
	 */
	public boolean servesActive() {
		ModelRepository.Active active = this.known;
		return active != null && this.activeModel.isLoaded() && this.activeModel.get().id().equals(active.modelId());
	}

	/** The active model's generation, as this replica last read it. */
	public long generation() {
		ModelRepository.Active active = this.known;
		return (active != null) ? active.generation() : 0;
	}

	public List<ModelRow> list() {
		return this.repository.list();
	}

	public ModelRow get(String id) {
		return this.repository.find(id).orElseThrow(() -> new NotFoundException("model", id));
	}

	/**
	 * The model to answer with: the active one for null, else the given version (loaded
	 * on first use).
	 */
	@Override
	public ServedModel resolve(String id) {
		ServedModel active = this.activeModel.get();
		if (id == null || id.equals(active.id())) {
			return active;
		}
		get(id);
		return load(id);
	}

	/** Loads and warms model {@code id}, from the cache when it is there. */
	synchronized ServedModel load(String id) {
		ServedModel cached = this.cache.get(id);
		if (cached != null) {
			return cached;
		}
		long started = System.nanoTime();
		Checkpoint.Loaded loaded = Checkpoint.read(file(id), this.properties.model().maxParameters());
		ServedModel model = new ServedModel(id, loaded.manifest(), loaded.passes());
		Warmup.run(model);
		this.loads.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
		this.cache.put(id, model);
		return model;
	}

	/**
	 * Serves model {@code id} from now on. It is loaded and warmed up first; requests
	 * that already hold the previous model finish on it, and the next ones get the new
	 * one.
	 */
	public ServedModel activate(String id) {
		get(id);
		synchronized (this.swapping) {
			ServedModel model = load(id);
			long generation = this.repository.activate(id);
			this.activeModel.swap(model);
			this.known = new ModelRepository.Active(id, generation);
			log.info("Activated model '{}' (generation {})", id, generation);
			return model;
		}
	}

	/**
	 * Registers a checkpoint file written by a training job; the file is moved into the
	 * registry.
	 */
	public ModelRow registerTrained(Path checkpoint, String jobId) {
		checkCapacity();
		Manifest manifest = Checkpoint.verify(checkpoint, checkpoint.getFileName().toString(),
				this.properties.model().maxParameters());
		String id = newId();
		try {
			long size = Files.size(checkpoint);
			String sha256 = this.store.put(key(id), checkpoint);
			ModelRow row = new ModelRow(id, Columns.fit(manifest.name(), Columns.NAME), "job", jobId,
					Checkpoint.toJson(manifest), size, Instant.now(), sha256);
			insertOrDeleteObject(row);
			return row;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not store the model of job " + jobId, ex);
		}
	}

	/**
	 * Validates and stores an uploaded checkpoint. It is streamed to a temporary file
	 * beside the registry's files with a running size cap, checked from there without
	 * loading its parameters, and renamed into place; nothing is stored unless it passes,
	 * and the heap holds a buffer, not the file.
	 */
	public ModelRow upload(InputStream in, long maxBytes) throws IOException {
		checkCapacity();
		String id = newId();
		Path target = this.dir.resolve(id + ".vae");
		Path temp = AtomicFiles.receive(in, target, maxBytes, "file",
				"the checkpoint is larger than the limit of " + maxBytes + " bytes (vae.storage.max-upload)");
		try {
			Manifest manifest = Checkpoint.verify(temp, "upload", this.properties.model().maxParameters());
			long size = Files.size(temp);
			String sha256 = this.store.put(key(id), temp);
			Columns.require("name", manifest.name(), Columns.NAME);
			ModelRow row = new ModelRow(id, manifest.name(), "upload", null, Checkpoint.toJson(manifest), size,
					Instant.now(), sha256);
			insertOrDeleteObject(row);
			return row;
		}
		finally {
			Files.deleteIfExists(temp);
		}
	}

	/**
	 * Imports a model from another framework ({@link ModelImport}): streamed to a
	 * temporary file with the upload cap, read and checked from there, and stored as a
	 * format-2 checkpoint; nothing is stored unless it passes, and it is not activated.
	 * @param manifest the import manifest, or null
	 */
	public ModelRow importModel(InputStream in, long maxBytes, JsonNode manifest) throws IOException {
		checkCapacity();
		String id = newId();
		// the converted checkpoint is written beside the registry's files, then handed to
		// the store
		Path target = AtomicFiles.temp(this.dir.resolve(id + ".vae"));
		try {
			Path temp = AtomicFiles.receive(in, target, maxBytes, "file",
					"the file is larger than the limit of " + maxBytes + " bytes (vae.storage.max-upload)");
			try {
				MemoryBudget.Lease[] lease = new MemoryBudget.Lease[1];
				try {
					Imported imported;
					try {
						imported = ModelImport.read(temp, manifest, this.properties.model().maxParameters(),
								(parameters) -> lease[0] = reserveImport(parameters));
					}
					catch (IllegalArgumentException ex) {
						throw new InvalidInputException("manifest", ex.getMessage());
					}
					Files.deleteIfExists(temp);
					Manifest written = Checkpoint.write(target, imported.manifest(), imported.network());
					return storeImport(id, target, written);
				}
				finally {
					if (lease[0] != null) {
						lease[0].close();
					}
				}
			}
			finally {
				Files.deleteIfExists(temp);
			}
		}
		finally {
			Files.deleteIfExists(target);
		}
	}

	/**
	 * Heap bytes an import holds per parameter: the values read and their copy, the
	 * checkpoint written (floats and bytes), with room for what the collector has not yet
	 * freed.
	 */
	static final long IMPORT_HEAP_PER_PARAMETER = 12;

	/** Native bytes an import holds per parameter: the network. */
	static final long IMPORT_NATIVE_PER_PARAMETER = 4;

	/**
	 * Reserves an import's memory from the budget jobs share: more than the budget can
	 * ever give is 422, more than it has free now (jobs and other imports hold it) 429.
	 */
	private MemoryBudget.Lease reserveImport(long parameters) {
		long heap = Math.multiplyExact(parameters, IMPORT_HEAP_PER_PARAMETER);
		long bytes = heap + Math.multiplyExact(parameters, IMPORT_NATIVE_PER_PARAMETER);
		MemoryBudget.Estimate estimate = new MemoryBudget.Estimate(heap,
				Math.multiplyExact(parameters, IMPORT_NATIVE_PER_PARAMETER),
				parameters + " parameters: " + IMPORT_HEAP_PER_PARAMETER + " bytes each on the heap, "
						+ IMPORT_NATIVE_PER_PARAMETER + " off it");
		this.memory.admissible("file", "importing this model", estimate);
		return this.memory.tryReserve(estimate)
			.orElseThrow(() -> new QueueFullException(
					"importing this model needs an estimated " + MemoryBudget.mb(bytes)
							+ " that running training jobs and imports hold now; try again later",
					java.time.Duration.ofSeconds(30)));
	}

	private ModelRow storeImport(String id, Path target, Manifest written) throws IOException {
		Columns.require("name", written.name(), Columns.NAME);
		long size = Files.size(target);
		String sha256 = this.store.put(key(id), target);
		ModelRow row = new ModelRow(id, written.name(), "import", null, Checkpoint.toJson(written), size, Instant.now(),
				sha256);
		insertOrDeleteObject(row);
		return row;
	}

	/**
	 * Model {@code id} as a safetensors export, read now (so a missing or unreadable
	 * model fails before the response starts) and written as the body streams.
	 */
	public StreamingResponseBody export(String id) {
		ModelRow row = get(id);
		Checkpoint.Loaded loaded = Checkpoint.read(file(id), this.properties.model().maxParameters());
		Manifest manifest = manifest(row);
		return (out) -> SafeTensorsExport.write(out, manifest, loaded.network());
	}

	/**
	 * Deletes a model version that is neither served here nor active for the replicas.
	 */
	public synchronized void delete(String id) throws IOException {
		get(id);
		boolean active = this.repository.active().map((a) -> a.modelId().equals(id)).orElse(false);
		if (active || id.equals(this.activeModel.get().id())) {
			throw new ConflictException("model '" + id + "' is the active model; activate another one first");
		}
		this.repository.delete(id);
		this.cache.remove(id);
		this.store.delete(key(id));
	}

	/**
	 * Writes a model's row after its object, within {@code vae.storage.max-models}
	 * (atomically, in the database); removes the object if the row fails.
	 */
	private void insertOrDeleteObject(ModelRow row) throws IOException {
		try {
			this.limits.insert("models", this.properties.storage().maxModels(), "vae.storage.max-models",
					() -> this.repository.insert(row));
		}
		catch (RuntimeException ex) {
			this.store.delete(key(row.id()));
			throw ex;
		}
	}

	/** The stored manifest of a row. */
	public static Manifest manifest(ModelRow row) {
		try {
			return Checkpoint.fromJson(row.manifest());
		}
		catch (CheckpointException ex) {
			throw new IllegalStateException("stored manifest of model " + row.id() + " is unreadable", ex);
		}
	}

	/**
	 * An early refusal before a file is received; the insert checks again, atomically.
	 */
	private void checkCapacity() {
		this.limits.check("models", this.properties.storage().maxModels(), "vae.storage.max-models");
	}

	private static String newId() {
		return "m-" + UUID.randomUUID().toString().substring(0, 12);
	}

}
