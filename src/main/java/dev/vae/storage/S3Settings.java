package dev.vae.storage;

import java.net.URI;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * An S3-compatible bucket for checkpoints and datasets, shared by every replica. Without
 * a bucket, objects stay in the local storage directory. Credentials come from the AWS
 * SDK's default chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an
 * instance role).
 *
 * @param bucket the bucket (environment VAE_STORAGE_S3_BUCKET); empty: local storage
 * @param endpoint the endpoint of an S3-compatible store (MinIO, S3Mock); none: AWS
 * @param region the region to sign requests for
 * @param pathStyle whether to address the bucket in the path
 * ({@code http://host/bucket/key}) rather than the host name; MinIO and S3Mock need it
 * @param prefix a key prefix, so that several deployments can share a bucket
 */
@ConfigurationProperties("vae.storage.s3")
record S3Settings(@DefaultValue("") String bucket, URI endpoint, @DefaultValue("us-east-1") String region,
		@DefaultValue("false") boolean pathStyle, @DefaultValue("") String prefix) {

	boolean enabled() {
		return this.bucket != null && !this.bucket.isBlank();
	}

}
