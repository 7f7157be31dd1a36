package dev.vae.training;

import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.checkpoint.TrainingCheckpoint;
import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;
import dev.vae.storage.ObjectStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Jobs' training checkpoints in the object store ({@code training/{job}/step-{n}.ckpt}),
 * shared by every replica, with their key and SHA-256 in the job's row. Each save is a
 * new object recorded only while the saving replica still holds the job; the one it
 * replaces is deleted after the row points at the new one, so a crash at any moment
 * leaves the row pointing at a complete, checked object.
 */
final class TrainingCheckpoints {

	private static final Logger log = LoggerFactory.getLogger(TrainingCheckpoints.class);

	private final ObjectStore store;

	private final JobRepository repository;

	private final long maxParameters;

	TrainingCheckpoints(ObjectStore store, JobRepository repository, long maxParameters) {
		this.store = store;
		this.repository = repository;
		this.maxParameters = maxParameters;
	}

	/**
	 * Saves {@code network} and {@code state} as job {@code id}'s training checkpoint,
	 * written first under {@code scratch} (a directory of this replica's).
	 * @return whether it was recorded (false: {@code owner} lost the job, nothing kept)
	 */
	boolean save(String id, String owner, Path scratch, Manifest draft, Network network, Trainer.State state, long step)
			throws IOException {
		Files.createDirectories(scratch);
		Path file = Files.createTempFile(scratch, "training-", ".ckpt");
		try {
			TrainingCheckpoint.write(file, draft, network, state);
			return store(id, owner, file, state.epoch(), step);
		}
		finally {
			Files.deleteIfExists(file);
		}
	}

	/**
	 * Records {@code file}, a complete training checkpoint at {@code epoch} after
	 * {@code step} minibatches, as job {@code id}'s; the file is taken over (moved into
	 * the store or uploaded).
	 * @return whether it was recorded (false: {@code owner} lost the job, nothing kept)
	 */
	boolean store(String id, String owner, Path file, int epoch, long step) throws IOException {
		String key = prefix(id) + "step-" + step + ".ckpt";
		Optional<JobRepository.SavedCheckpoint> before = this.repository.checkpoint(id);
		String sha256 = this.store.put(key, file);
		if (!this.repository.saveCheckpoint(id, owner, new JobRepository.SavedCheckpoint(key, sha256, epoch, step))) {
			this.store.delete(key);
			return false;
		}
		if (before.isPresent() && !before.get().key().equals(key)) {
			deleteQuietly(before.get().key());
		}
		return true;
	}

	/**
	 * Job {@code id}'s last training checkpoint, checked against its SHA-256, read, and
	 * checked to hold {@code architecture}, the network the job's specification plans.
	 * @throws dev.vae.model.checkpoint.CheckpointException when it is corrupt
	 * @throws IllegalStateException when it holds another architecture
	 * @throws IOException when the store cannot hand it out
	 */
	Optional<TrainingCheckpoint.Loaded> load(String id, Architecture architecture) throws IOException {
		Optional<JobRepository.SavedCheckpoint> saved = this.repository.checkpoint(id);
		if (saved.isEmpty()) {
			return Optional.empty();
		}
		Path file = this.store.get(saved.get().key(), saved.get().sha256());
		TrainingCheckpoint.Loaded loaded = TrainingCheckpoint.read(file, this.maxParameters);
		if (!loaded.manifest().architecture().equals(architecture)) {
			throw new IllegalStateException("the job's training checkpoint holds another architecture than its "
					+ "specification plans; it cannot be continued");
		}
		return Optional.of(loaded);
	}

	/**
	 * Deletes job {@code id}'s training checkpoints: it finished and will not resume. All
	 * of them, not only the one its row names: a replica that died between recording a
	 * new checkpoint and deleting the one before leaves that one behind.
	 */
	void discard(String id) {
		this.repository.clearCheckpoint(id);
		try {
			this.store.deleteAll(prefix(id));
		}
		catch (IOException | RuntimeException ex) {
			log.warn("Could not delete the training checkpoints of job {}: {}", id, ex.getMessage());
		}
	}

	private static String prefix(String id) {
		return "training/" + id + "/";
	}

	private void deleteQuietly(String key) {
		try {
			this.store.delete(key);
		}
		catch (IOException | RuntimeException ex) {
			log.warn("Could not delete training checkpoint {}: {}", key, ex.getMessage());
		}
	}

}
