package dev.vae.system;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document's front page. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

	@Bean
	OpenAPI vaeOpenApi() {
		return new OpenAPI()
			.components(new io.swagger.v3.oas.models.Components().addSecuritySchemes("apiKey",
					new io.swagger.v3.oas.models.security.SecurityScheme()
						.type(io.swagger.v3.oas.models.security.SecurityScheme.Type.HTTP)
						.scheme("bearer")
						.description(
								"Needed for jobs, uploads, activation and deletion when vae.security.api-keys is set")))
			.addSecurityItem(new io.swagger.v3.oas.models.security.SecurityRequirement().addList("apiKey"))
			.info(new Info().title("vae-service")
				.version("0.1")
				.description("Trains and serves variational autoencoders. A VAE maximises the ELBO "
						+ "E_q[log p(x|z)] − KL(q(z|x) ‖ p(z)); the endpoints expose each part: the encoder's q(z|x) "
						+ "(/encode), the decoder's p(x|z) (/decode), both (/reconstruct) and the prior (/sample). "
						+ "Every request takes a batch; every random draw is reproducible from its seed."));
	}

}
