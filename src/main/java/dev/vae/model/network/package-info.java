/**
 * The one network type ({@link dev.vae.model.network.Network}), its
 * {@link dev.vae.model.network.Architecture} and presets, the encode and decode passes
 * and held-out evaluation. The format-1 MLP description lives here too, because the
 * network converts it on load.
 */
package dev.vae.model.network;
