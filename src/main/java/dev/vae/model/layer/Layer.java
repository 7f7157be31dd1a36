package dev.vae.model.layer;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * One layer of a network, as a closed set of kinds. A layer is pure configuration: bound
 * to its input shape and to views of the network's flat parameter and buffer vectors it
 * becomes a {@link LayerOp} that runs the passes. Parameter shapes follow PyTorch, so a
 * state dict maps onto them name by name.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({ @JsonSubTypes.Type(value = Dense.class, name = "dense"),
		@JsonSubTypes.Type(value = Conv2d.class, name = "conv2d"),
		@JsonSubTypes.Type(value = ConvTranspose2d.class, name = "conv-transpose2d"),
		@JsonSubTypes.Type(value = BatchNorm.class, name = "batch-norm"),
		@JsonSubTypes.Type(value = Activation.class, name = "activation"),
		@JsonSubTypes.Type(value = Flatten.class, name = "flatten"),
		@JsonSubTypes.Type(value = Reshape.class, name = "reshape") })
public sealed interface Layer permits Dense, Conv2d, ConvTranspose2d, BatchNorm, Activation, Flatten, Reshape {

	/** A short name of the kind, for messages. */
	String kind();

	/**
	 * The shape this layer produces from {@code in}.
	 * @throws IllegalArgumentException naming the input shape that does not fit
	 */
	Shape outputShape(Shape in);

	/** The trainable parameters for input {@code in}, in flat-vector order. */
	List<Parameter> parameters(Shape in);

	/**
	 * The non-trainable buffers (batch-norm running statistics), in flat-vector order.
	 */
	default List<Parameter> buffers(Shape in) {
		return List.of();
	}

	/**
	 * The runnable layer for input {@code in}, reading its parameters and buffers from
	 * {@code parameters} and {@code buffers} (this layer's segments of the flat vectors;
	 * the buffers are updated in place by training passes).
	 */
	LayerOp bind(Shape in, INDArray parameters, INDArray buffers);

	/**
	 * Views of this layer's parameters for input {@code in}, in order, within its segment
	 * of the flat parameter vector.
	 */
	default List<INDArray> parameterViews(Shape in, INDArray segment) {
		return Parameter.views(parameters(in), segment);
	}

	/** Σ sizes of a list of parameters. */
	static long count(List<Parameter> parameters) {
		return parameters.stream().mapToLong(Parameter::size).sum();
	}

}
