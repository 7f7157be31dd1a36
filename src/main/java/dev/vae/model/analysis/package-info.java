/**
 * Figures computed from a trained network's passes: the per-input ELBO breakdown behind
 * {@code /loss}, anomaly scores with their reference distribution and detection quality,
 * and the principal components that draw a latent space in two dimensions.
 */
package dev.vae.model.analysis;
