package dev.vae.system;

import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import org.springframework.boot.autoconfigure.jackson.Jackson2ObjectMapperBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Strict JSON: a number, a whole number or a boolean sent as a string is refused rather
 * than coerced ({@code "samples": "2"}), and so is an empty string where one of them
 * belongs. Trailing tokens and duplicate keys are refused by {@code application.yml}
 * ({@code fail-on-trailing-tokens}, {@code strict-duplicate-detection}).
 */
@Configuration(proxyBeanMethods = false)
class JsonConfiguration {

	/** Input vectors parsed by {@link DoubleArrayDeserializer}'s exact fast path. */
	@Bean
	Jackson2ObjectMapperBuilderCustomizer fastVectors() {
		return (builder) -> builder.deserializerByType(double[].class, new DoubleArrayDeserializer())
			.deserializerByType(double[][].class, new DoubleMatrixDeserializer());
	}

	@Bean
	Jackson2ObjectMapperBuilderCustomizer strictScalars() {
		return (builder) -> builder.postConfigurer((mapper) -> {
			for (LogicalType type : new LogicalType[] { LogicalType.Integer, LogicalType.Float, LogicalType.Boolean }) {
				mapper.coercionConfigFor(type)
					.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
					.setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
			}
		});
	}

}
