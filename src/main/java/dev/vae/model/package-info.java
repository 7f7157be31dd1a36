/**
 * The numeric core: a VAE's layers, decoder heads, network, training, checkpoints and
 * analyses, in Java and ND4J with no Spring. This package holds what all those parts
 * share: {@link dev.vae.model.Scope} for a call's off-heap arrays,
 * {@link dev.vae.model.Blas} and {@link dev.vae.model.Batches} for GEMMs and bulk copies
 * to and from native memory, {@link dev.vae.model.NativeThreads}, and
 * {@link dev.vae.model.Examples}.
 */
package dev.vae.model;
