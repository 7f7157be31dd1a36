package dev.vae.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rows in an S3 object (AWS, MinIO, S3Mock), read with one ranged GET per partition. The
 * object and the endpoint travel with the range; the credentials never do: each JVM takes
 * them from its Spark configuration ({@code spark.vae.s3.access-key},
 * {@code spark.vae.s3.secret-key}) or else from the AWS SDK's default chain (the
 * environment, a profile, an instance role).
 */
final class S3Rows implements RowSource {

	private static final long serialVersionUID = 1L;

	/** Spark settings naming the store: endpoint, region, path-style addressing, keys. */
	static final String ENDPOINT = "spark.vae.s3.endpoint";

	static final String REGION = "spark.vae.s3.region";

	static final String PATH_STYLE = "spark.vae.s3.path-style";

	static final String ACCESS_KEY = "spark.vae.s3.access-key";

	static final String SECRET_KEY = "spark.vae.s3.secret-key";

	/** One client per store and JVM: executors keep it between tasks. */
	private static final Map<String, S3Client> CLIENTS = new ConcurrentHashMap<>();

	private final String endpoint;

	private final String region;

	private final boolean pathStyle;

	private final String bucket;

	private final String key;

	S3Rows(String endpoint, String region, boolean pathStyle, String bucket, String key) {
		this.endpoint = endpoint;
		this.region = (region != null) ? region : "us-east-1";
		this.pathStyle = pathStyle;
		this.bucket = bucket;
		this.key = key;
	}

	/** {@code s3://bucket/key}, on the store the Spark configuration names. */
	static S3Rows of(URI uri, SparkConf conf) {
		String key = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
		if (uri.getHost() == null || key.isEmpty()) {
			throw new IllegalArgumentException("expected s3://bucket/key, got " + uri);
		}
		return new S3Rows(conf.get(ENDPOINT, null), conf.get(REGION, "us-east-1"),
				conf.getBoolean(PATH_STYLE, conf.contains(ENDPOINT)), uri.getHost(), key);
	}

	@Override
	public float[] read(long from, int count, int length) throws IOException {
		long first = from * length * 4;
		long last = first + (long) count * length * 4 - 1;
		float[] values = new float[Math.toIntExact((long) count * length)];
		try (ResponseInputStream<GetObjectResponse> in = client()
			.getObject((b) -> b.bucket(this.bucket).key(this.key).range("bytes=" + first + "-" + last))) {
			readFloats(in, values);
		}
		return values;
	}

	/** Fills {@code values} from little-endian float32 bytes, a megabyte at a time. */
	static void readFloats(InputStream in, float[] values) throws IOException {
		byte[] block = new byte[1 << 20];
		int filled = 0;
		while (filled < values.length) {
			int want = (int) Math.min(block.length, (long) (values.length - filled) * 4);
			int got = in.readNBytes(block, 0, want);
			if (got != want) {
				throw new IOException("the object ended " + ((values.length - filled) * 4L - got) + " bytes early");
			}
			ByteBuffer.wrap(block, 0, got).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values, filled, got / 4);
			filled += got / 4;
		}
	}

	@Override
	public long bytes() {
		return client().headObject((b) -> b.bucket(this.bucket).key(this.key)).contentLength();
	}

	@Override
	public String describe() {
		return "s3://" + this.bucket + "/" + this.key + ((this.endpoint != null) ? " at " + this.endpoint : "");
	}

	private S3Client client() {
		return CLIENTS.computeIfAbsent(this.endpoint + " " + this.region + " " + this.pathStyle, (id) -> {
			S3ClientBuilder builder = S3Client.builder()
				.region(Region.of(this.region))
				.forcePathStyle(this.pathStyle)
				.credentialsProvider(credentials());
			if (this.endpoint != null) {
				builder.endpointOverride(URI.create(this.endpoint));
			}
			return builder.build();
		});
	}

	private static AwsCredentialsProvider credentials() {
		SparkEnv env = SparkEnv.get();
		if (env != null && env.conf().contains(ACCESS_KEY)) {
			return StaticCredentialsProvider
				.create(AwsBasicCredentials.create(env.conf().get(ACCESS_KEY), env.conf().get(SECRET_KEY, "")));
		}
		return DefaultCredentialsProvider.builder().build();
	}

}
