package dev.vae.inference;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Bounds of {@code GET /datasets/{id}/embedding}.
 *
 * @param maxPoints the most dataset examples one embedding may encode ({@code n})
 * @param defaultPoints how many it encodes when {@code n} is omitted
 */
@ConfigurationProperties("vae.embedding")
record EmbeddingSettings(@DefaultValue("2000") int maxPoints, @DefaultValue("500") int defaultPoints) {
}
