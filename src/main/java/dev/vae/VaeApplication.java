package dev.vae;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class VaeApplication {

	public static void main(String[] args) {
		SpringApplication.run(VaeApplication.class, args);
	}

}
