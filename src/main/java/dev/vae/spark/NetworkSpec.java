package dev.vae.spark;

import dev.vae.model.network.Architecture;
import dev.vae.model.network.Network;
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

	Architecture plan() {
		return spec().plan(this.shape);
	}

	/** The decoder head of the plan's architecture (no weights are built). */
	DecoderHead head() {
		return plan().head();
	}

	/** A freshly initialised network of the plan, as the local trainer starts from. */
	Trained initialise() {
		TrainingSpec spec = spec();
		return new Trained(Network.initialise(spec.plan(this.shape), DataType.FLOAT, spec.seed()));
	}

	/** A network with the replica that trains it. */
	record Trained(Network network, Replica replica) {

		Trained(Network network) {
			this(network, Replica.of(network));
		}

	}

}
