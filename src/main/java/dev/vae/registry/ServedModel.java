package dev.vae.registry;

import dev.vae.model.Architecture;
import dev.vae.model.Manifest;
import dev.vae.model.VaeNetwork;

/**
 * A model ready to answer requests: its identity, manifest and network. The network is
 * only read while served.
 *
 * @param id the model's identifier in responses
 * @param manifest what its checkpoint says about it
 * @param network its weights
 */
public record ServedModel(String id, Manifest manifest, VaeNetwork network) {

	public Architecture architecture() {
		return this.network.architecture();
	}

}
