package dev.vae.training;

import dev.vae.model.LayeredManifest;
import dev.vae.model.LayeredNetwork;
import dev.vae.model.Trainer;
import dev.vae.model.TrainingCheckpoint;
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
	boolean save(String id, String owner, Path scratch, LayeredManifest draft, LayeredNetwork network,
			Trainer.State state, long step) throws IOException {
		Files.createDirectories(scratch);
		Path file = Files.createTempFile(scratch, "training-", ".ckpt");
		String key = prefix(id) + "step-" + step + ".ckpt";
		try {
			TrainingCheckpoint.write(file, draft, network, state);
			Optional<JobRepository.SavedCheckpoint> before = this.repository.checkpoint(id);
			String sha256 = this.store.put(key, file);
			JobRepository.SavedCheckpoint saved = new JobRepository.SavedCheckpoint(key, sha256, state.epoch(), step);
			if (!this.repository.saveCheckpoint(id, owner, saved)) {
				this.store.delete(key);
				return false;
			}
			if (before.isPresent() && !before.get().key().equals(key)) {
				deleteQuietly(before.get().key());
			}
			return true;
		}
		finally {
			Files.deleteIfExists(file);
		}
	}

	/**
	 * Job {@code id}'s last training checkpoint, checked against its SHA-256 and read.
	 * @throws dev.vae.model.CheckpointException when it is corrupt
	 * @throws IOException when the store cannot hand it out
	 */
	Optional<TrainingCheckpoint.Loaded> load(String id) throws IOException {
		Optional<JobRepository.SavedCheckpoint> saved = this.repository.checkpoint(id);
		if (saved.isEmpty()) {
			return Optional.empty();
		}
		Path file = this.store.get(saved.get().key(), saved.get().sha256());
		return Optional.of(TrainingCheckpoint.read(file, this.maxParameters));
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
