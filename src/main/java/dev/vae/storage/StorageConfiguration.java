package dev.vae.storage;

import dev.vae.system.VaeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The object store: the local storage directory unless {@code vae.storage.s3.bucket} is
 * set. With a bucket, startup checks that it can be reached, so that a wrong endpoint or
 * missing credentials stop the service with a message instead of failing later uploads.
 */
@Configuration(proxyBeanMethods = false)
class StorageConfiguration {

	private static final Logger log = LoggerFactory.getLogger(StorageConfiguration.class);

	@Bean(destroyMethod = "")
	ObjectStore objectStore(VaeProperties properties, S3Settings s3) {
		if (!s3.enabled()) {
			return new LocalObjectStore(properties.storage().dir());
		}
		S3ClientBuilder builder = S3Client.builder()
			.region(Region.of(s3.region()))
			.credentialsProvider(DefaultCredentialsProvider.builder().build())
			.forcePathStyle(s3.pathStyle())
			// plain S3 semantics, which every S3-compatible store understands; the
			// objects'
			// own SHA-256 is checked on every read
			.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
			.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
		if (s3.endpoint() != null) {
			builder.endpointOverride(s3.endpoint());
		}
		S3Client client = builder.build();
		try {
			client.headBucket((b) -> b.bucket(s3.bucket()));
		}
		catch (RuntimeException ex) {
			client.close();
			throw new IllegalStateException("the bucket '" + s3.bucket() + "' at "
					+ ((s3.endpoint() != null) ? s3.endpoint() : "AWS " + s3.region()) + " cannot be reached ("
					+ ex.getMessage() + "); check vae.storage.s3.* and the AWS credentials", ex);
		}
		S3ObjectStore store = new S3ObjectStore(client, s3.bucket(), s3.prefix(),
				properties.storage().dir().resolve("cache"));
		log.info("Checkpoints and datasets are stored in {} (cached in {})", store.describe(),
				properties.storage().dir().resolve("cache"));
		return store;
	}

}
