package dev.vae.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies over {@code vae.limits.max-request-body} before they are read:
 * by the declared Content-Length with a 413 problem, and for bodies without one by
 * failing the read once the limit is passed. Uploads to the registry and the datasets
 * (multipart or raw) have their own limit ({@code vae.storage.max-upload}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class BodySizeLimit extends OncePerRequestFilter {

	private final long limit;

	private final long uploadLimit;

	BodySizeLimit(VaeProperties properties) {
		this.limit = properties.limits().maxRequestBody().toBytes();
		this.uploadLimit = properties.storage().maxUpload().toBytes();
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String type = request.getContentType();
		// only the registry and the datasets take uploads; a multipart or binary body
		// anywhere else (images to /encode, say) has the ordinary limit
		String path = request.getRequestURI();
		boolean upload = (path.startsWith("/models") || path.startsWith("/datasets")) && type != null
				&& (type.startsWith(MediaType.MULTIPART_FORM_DATA_VALUE)
						|| type.startsWith(MediaType.APPLICATION_OCTET_STREAM_VALUE));
		long max = upload ? this.uploadLimit : this.limit;
		String setting = upload ? "vae.storage.max-upload" : "vae.limits.max-request-body";
		long declared = request.getContentLengthLong();
		if (declared > max) {
			Problems.write(response, Problems.of(HttpStatus.PAYLOAD_TOO_LARGE, Problems.TOO_LARGE, "Request too large",
					"the request body has " + declared + " bytes; at most " + max + " are accepted (" + setting + ")"));
			return;
		}
		chain.doFilter((declared < 0) ? new Capped(request, max, setting) : request, response);
	}

	/**
	 * A request whose body stream fails once more than {@code max} bytes have been read.
	 */
	private static final class Capped extends HttpServletRequestWrapper {

		private final long max;

		private final String setting;

		Capped(HttpServletRequest request, long max, String setting) {
			super(request);
			this.max = max;
			this.setting = setting;
		}

		@Override
		public ServletInputStream getInputStream() throws IOException {
			ServletInputStream in = super.getInputStream();
			return new ServletInputStream() {
				private long read;

				@Override
				public int read() throws IOException {
					int b = in.read();
					if (b >= 0 && ++this.read > Capped.this.max) {
						throw new BodyTooLargeException(Capped.this.max, Capped.this.setting);
					}
					return b;
				}

				@Override
				public int read(byte[] buffer, int offset, int length) throws IOException {
					int n = in.read(buffer, offset, length);
					if (n > 0 && (this.read += n) > Capped.this.max) {
						throw new BodyTooLargeException(Capped.this.max, Capped.this.setting);
					}
					return n;
				}

				@Override
				public boolean isFinished() {
					return in.isFinished();
				}

				@Override
				public boolean isReady() {
					return in.isReady();
				}

				@Override
				public void setReadListener(ReadListener listener) {
					in.setReadListener(listener);
				}
			};
		}

	}

}
