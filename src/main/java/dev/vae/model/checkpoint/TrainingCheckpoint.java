package dev.vae.model.checkpoint;

import dev.vae.model.network.Network;
import dev.vae.model.train.Trainer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A run in progress, saved so that it can be continued elsewhere: a zip of
 * {@code model.vae} (the network as a format-2 checkpoint, so its parameters and
 * batch-norm running statistics are checked as any model's), {@code state.json} (the
 * position in the run and the epoch's sums so far, {@link Trainer.State}) and Adam's
 * moments as little-endian float32 {@code adam-m.f32} and {@code adam-v.f32}, each with
 * its SHA-256 in the state. Written atomically; any mismatch on reading is a
 * {@link CheckpointException}, never a silently different run. Format 2 adds early
 * stopping's state ({@link Trainer.EarlyStop}: the best epoch's parameters and buffers as
 * {@code best-parameters.f32} and {@code best-buffers.f32}, checked the same way); format
 * 1 files, which have none, are still read.
 */
public final class TrainingCheckpoint {

	/** The format this class writes and reads. */
	public static final int FORMAT_VERSION = 2;

	private static final String MODEL = "model.vae";

	private static final String STATE = "state.json";

	private static final String ADAM_M = "adam-m.f32";

	private static final String ADAM_V = "adam-v.f32";

	private static final String BEST_PARAMETERS = "best-parameters.f32";

	private static final String BEST_BUFFERS = "best-buffers.f32";

	private TrainingCheckpoint() {
	}

	/**
	 * Writes {@code network} and {@code state} to {@code target} atomically (a temporary
	 * file beside it, then renamed).
	 */
	public static void write(Path target, Manifest draft, Network network, Trainer.State state) throws IOException {
		if (state.adamM() == null || state.adamM().length != network.parametersAsFloats().length) {
			throw new IllegalArgumentException("the state's Adam moments do not match the network's parameters");
		}
		Path dir = target.toAbsolutePath().getParent();
		Files.createDirectories(dir);
		Path model = Files.createTempFile(dir, "." + target.getFileName(), ".model.tmp");
		Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
		try {
			Checkpoint.write(model, draft, network);
			byte[] m = Checkpoint.toBytes(state.adamM());
			byte[] v = Checkpoint.toBytes(state.adamV());
			Trainer.EarlyStop stop = state.earlyStop();
			byte[] bestParameters = (stop != null) ? Checkpoint.toBytes(stop.parameters()) : null;
			byte[] bestBuffers = (stop != null) ? Checkpoint.toBytes(stop.buffers()) : null;
			EarlyStopFile stopFile = (stop != null) ? new EarlyStopFile(stop.best(), stop.sinceBest(), stop.stopped(),
					Checkpoint.sha256(bestParameters), Checkpoint.sha256(bestBuffers)) : null;
			StateFile file = new StateFile(FORMAT_VERSION, state.epoch(), state.step(), state.adamSteps(),
					state.reconstruction(), state.kl(), state.seconds(), state.last(), state.adamM().length,
					Checkpoint.sha256(m), Checkpoint.sha256(v), stopFile);
			try (OutputStream out = Files.newOutputStream(temp); ZipOutputStream zip = new ZipOutputStream(out)) {
				put(zip, STATE, Checkpoint.JSON.writeValueAsBytes(file));
				zip.putNextEntry(new ZipEntry(MODEL));
				Files.copy(model, zip);
				zip.closeEntry();
				put(zip, ADAM_M, m);
				put(zip, ADAM_V, v);
				if (stop != null) {
					put(zip, BEST_PARAMETERS, bestParameters);
					put(zip, BEST_BUFFERS, bestBuffers);
				}
			}
			Checkpoint.replace(temp, target);
		}
		finally {
			Files.deleteIfExists(temp);
			Files.deleteIfExists(model);
		}
	}

	private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
		zip.putNextEntry(new ZipEntry(name));
		zip.write(bytes);
		zip.closeEntry();
	}

	/**
	 * Reads a training checkpoint.
	 * @param maxParameters the largest parameter count accepted
	 * @throws CheckpointException when it is not a complete, consistent training
	 * checkpoint of this format
	 */
	public static Loaded read(Path file, long maxParameters) {
		String source = file.toString();
		Map<String, byte[]> entries = new HashMap<>();
		long maxArray = 4 * maxParameters + 2L * Checkpoint.MAX_MANIFEST_BYTES;
		try (ZipInputStream zip = new ZipInputStream(Files.newInputStream(file))) {
			for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
				String name = entry.getName();
				boolean known = MODEL.equals(name) || STATE.equals(name) || ADAM_M.equals(name) || ADAM_V.equals(name)
						|| BEST_PARAMETERS.equals(name) || BEST_BUFFERS.equals(name);
				if (!known || entries.containsKey(name)) {
					throw Checkpoint.corrupt(source, "unexpected entry '" + name + "'");
				}
				long max = STATE.equals(name) ? Checkpoint.MAX_MANIFEST_BYTES
						: (MODEL.equals(name) ? 2 * maxArray : maxArray);
				entries.put(name, Checkpoint.readAtMost(zip, max, source, name));
			}
		}
		catch (ZipException ex) {
			throw Checkpoint.corrupt(source, "not a valid zip archive (" + ex.getMessage() + ")");
		}
		catch (IOException ex) {
			throw new CheckpointException("training checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
		for (String name : new String[] { STATE, MODEL, ADAM_M, ADAM_V }) {
			if (!entries.containsKey(name)) {
				throw Checkpoint.corrupt(source, "it has no " + name);
			}
		}
		StateFile state;
		try {
			state = Checkpoint.JSON.readValue(entries.get(STATE), StateFile.class);
		}
		catch (IOException ex) {
			throw Checkpoint.corrupt(source, "its state is not valid: " + Checkpoint.firstLine(ex.getMessage()));
		}
		if (state.formatVersion() != 1 && state.formatVersion() != FORMAT_VERSION) {
			throw new CheckpointException("training checkpoint " + source + " has format version "
					+ state.formatVersion() + "; this service reads versions 1 and " + FORMAT_VERSION);
		}
		Checkpoint.Loaded model;
		try (InputStream in = new ByteArrayInputStream(entries.get(MODEL))) {
			model = Checkpoint.read(in, source + "!" + MODEL, maxParameters);
		}
		catch (IOException ex) {
			throw new CheckpointException("training checkpoint " + source + " cannot be read: " + ex.getMessage(), ex);
		}
		long parameters = model.manifest().parameterCount();
		float[] m = moments(entries.get(ADAM_M), state.adamMSha256(), parameters, source, ADAM_M);
		float[] v = moments(entries.get(ADAM_V), state.adamVSha256(), parameters, source, ADAM_V);
		if (state.parameterCount() != parameters) {
			throw Checkpoint.corrupt(source,
					"its state counts " + state.parameterCount() + " parameters, its network " + parameters);
		}
		Trainer.EarlyStop stop = null;
		EarlyStopFile stopFile = state.earlyStop();
		if (stopFile != null) {
			for (String name : new String[] { BEST_PARAMETERS, BEST_BUFFERS }) {
				if (!entries.containsKey(name)) {
					throw Checkpoint.corrupt(source, "it has early stopping's state but no " + name);
				}
			}
			float[] best = moments(entries.get(BEST_PARAMETERS), stopFile.parametersSha256(), parameters, source,
					BEST_PARAMETERS);
			float[] bestBuffers = moments(entries.get(BEST_BUFFERS), stopFile.buffersSha256(),
					model.manifest().bufferCount(), source, BEST_BUFFERS);
			try {
				stop = new Trainer.EarlyStop(stopFile.best(), stopFile.sinceBest(), stopFile.stopped(), best,
						bestBuffers);
			}
			catch (IllegalArgumentException ex) {
				throw Checkpoint.corrupt(source, ex.getMessage());
			}
		}
		Trainer.State position;
		try {
			position = new Trainer.State(state.epoch(), state.step(), m, v, state.adamSteps(), state.reconstruction(),
					state.kl(), state.seconds(), state.last(), stop);
		}
		catch (IllegalArgumentException ex) {
			throw Checkpoint.corrupt(source, ex.getMessage());
		}
		return new Loaded(model.manifest(), model.network(), position);
	}

	private static float[] moments(byte[] bytes, String sha256, long count, String source, String name) {
		if (bytes.length != 4 * count) {
			throw Checkpoint.corrupt(source, name + " holds " + bytes.length + " bytes, expected " + 4 * count);
		}
		if (!Checkpoint.sha256(bytes).equals(sha256)) {
			throw Checkpoint.corrupt(source, name + " does not match the checksum in its state");
		}
		return Checkpoint.toFloats(bytes);
	}

	/**
	 * A training checkpoint read back.
	 *
	 * @param manifest the network's manifest
	 * @param network the network, as saved
	 * @param state where the run is
	 */
	public record Loaded(Manifest manifest, Network network, Trainer.State state) {
	}

	/** {@code state.json}; {@code earlyStop} is absent in format 1 and without it. */
	record StateFile(int formatVersion, int epoch, int step, int adamSteps, double reconstruction, double kl,
			double seconds, Trainer.EpochMetrics last, long parameterCount, String adamMSha256, String adamVSha256,
			EarlyStopFile earlyStop) {
	}

	/** Early stopping's state in {@code state.json}, its arrays beside it. */
	record EarlyStopFile(Trainer.EpochMetrics best, int sinceBest, boolean stopped, String parametersSha256,
			String buffersSha256) {
	}

}
