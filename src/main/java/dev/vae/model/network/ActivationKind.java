package dev.vae.model.network;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;

import java.util.Arrays;

/**
 * Hidden-layer activations, backed by ND4J's implementations (forward and derivative).
 */
public enum ActivationKind {

	RELU(Activation.RELU, true), LEAKY_RELU(Activation.LEAKYRELU, true), ELU(Activation.ELU, true),
	TANH(Activation.TANH, false), SOFTPLUS(Activation.SOFTPLUS, false), SIGMOID(Activation.SIGMOID, false);

	private final Activation nd4j;

	private final boolean rectifier;

	ActivationKind(Activation nd4j, boolean rectifier) {
		this.nd4j = nd4j;
		this.rectifier = rectifier;
	}

	IActivation function() {
		return this.nd4j.getActivationFunction();
	}

	/** He initialisation suits rectifiers, Glorot the saturating ones. */
	boolean rectifier() {
		return this.rectifier;
	}

	@JsonValue
	public String wireName() {
		return name().toLowerCase().replace('_', '-');
	}

	@JsonCreator
	public static ActivationKind fromWireName(String name) {
		return Arrays.stream(values())
			.filter((a) -> a.wireName().equalsIgnoreCase(name) || a.name().equalsIgnoreCase(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("unknown activation '" + name
					+ "': expected one of relu, leaky-relu, elu, tanh, softplus, sigmoid"));
	}

}
