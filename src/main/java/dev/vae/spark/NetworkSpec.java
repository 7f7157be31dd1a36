package dev.vae.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vae.model.head.DecoderHead;
import dev.vae.model.train.Replica;
import dev.vae.training.TrainingSpec;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What every executor needs to build the network a job trains: the job's specification as
 * JSON (the body of {@code POST /jobs}) and the dataset's shape. Shipped instead of the
 * architecture objects, which are not serialisable, and planned the same way the service
 * plans a local job ({@link TrainingSpec#plan}).
 */
final class NetworkSpec implements Serializable {

	private static final long serialVersionUID = 1L;

	private static final ObjectMapper JSON = new ObjectMapper();

	private final String specJson;

	private final ArrayList<Integer> shape;

	NetworkSpec(String specJson, List<Integer> shape) {
		this.specJson = specJson;
		this.shape = new ArrayList<>(shape);
		plan();
	}

	static TrainingSpec parse(String json) {
		try {
			return JSON.readValue(json, TrainingSpec.class).withDefaults();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(
					"the job specification is not valid JSON for POST /jobs: " + firstLine(ex.getMessage()), ex);
		}
	}

	private static String firstLine(String message) {
		int newline = (message == null) ? -1 : message.indexOf('\n');
		return (newline < 0) ? message : message.substring(0, newline);
	}

	TrainingSpec spec() {
		return parse(this.specJson);
	}

	List<Integer> shape() {
		return List.copyOf(this.shape);
	}

	TrainingSpec.Plan plan() {
		return spec().plan(this.shape);
	}

	/** The decoder head of the plan's architecture (no weights are built). */
	DecoderHead head() {
		return ((TrainingSpec.Plan.Layered) plan()).architecture().head();
	}

	/** A freshly initialised network of the plan, as the local trainer starts from. */
	Network initialise() {
		TrainingSpec spec = spec();
		TrainingSpec.Plan plan = spec.plan(this.shape);
		TrainingSpec.Plan.Layered layered = (TrainingSpec.Plan.Layered) plan;
		return new Network.Layered(
				dev.vae.model.network.Network.initialise(layered.architecture(), DataType.FLOAT, spec.seed()));
	}

	/** A network of either kind with the replica that trains it. */
	sealed interface Network permits Network.Layered {

		Replica replica();

		record Layered(dev.vae.model.network.Network network, Replica replica) implements Network {

			Layered(dev.vae.model.network.Network network) {
				this(network, Replica.of(network));
			}

		}

	}

}
