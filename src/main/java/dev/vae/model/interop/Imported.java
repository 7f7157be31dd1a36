package dev.vae.model.interop;

import dev.vae.model.checkpoint.Manifest;
import dev.vae.model.network.Network;

/**
 * A model brought in from another framework, ready to be written as a format-2
 * checkpoint.
 *
 * @param manifest its draft manifest (name, architecture, provenance)
 * @param network its network, float32
 */
public record Imported(Manifest manifest, Network network) {
}
