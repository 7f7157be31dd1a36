package dev.vae.registry;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One keep-alive HTTP/1.1 connection to the service's own port, for the warm-up. A bare
 * socket rather than {@code java.net.http.HttpClient}: the warm-up runs on the same cores
 * as the server it warms, and the JDK client, itself cold, spent more CPU per request
 * than the server did.
 */
final class WarmupConnection implements Closeable {

	private final String host;

	private final int port;

	private Socket socket;

	private InputStream in;

	private OutputStream out;

	WarmupConnection(String host, int port) {
		this.host = host;
		this.port = port;
	}

	/**
	 * An answer.
	 *
	 * @param status the status code
	 * @param body its body
	 */
	record Answer(int status, byte[] body) {
	}

	/** POSTs {@code body} and reads the whole answer. */
	Answer post(String path, String contentType, Map<String, String> headers, byte[] body) throws IOException {
		if (this.socket == null) {
			this.socket = new Socket();
			this.socket.setTcpNoDelay(true);
			this.socket.setSoTimeout(30_000);
			this.socket.connect(new InetSocketAddress(this.host, this.port), 10_000);
			this.in = new BufferedInputStream(this.socket.getInputStream(), 16384);
			this.out = this.socket.getOutputStream();
		}
		try {
			StringBuilder head = new StringBuilder(256).append("POST ")
				.append(path)
				.append(" HTTP/1.1\r\nHost: ")
				.append(this.host)
				.append(':')
				.append(this.port)
				.append("\r\nContent-Type: ")
				.append(contentType)
				.append("\r\nContent-Length: ")
				.append(body.length)
				.append("\r\n");
			headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
			this.out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
			this.out.write(body);
			this.out.flush();
			return read();
		}
		catch (IOException ex) {
			close();
			throw ex;
		}
	}

	private Answer read() throws IOException {
		String status = line();
		if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
			throw new IOException("not an HTTP/1.1 answer: " + status);
		}
		int code = Integer.parseInt(status.substring(9, 12));
		long length = -1;
		boolean chunked = false;
		boolean closing = false;
		for (String header = line(); !header.isEmpty(); header = line()) {
			String lower = header.toLowerCase(Locale.ROOT);
			if (lower.startsWith("content-length:")) {
				length = Long.parseLong(lower.substring(15).trim());
			}
			else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
				chunked = true;
			}
			else if (lower.startsWith("connection:") && lower.contains("close")) {
				closing = true;
			}
		}
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		if (chunked) {
			for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0; size = Long
				.parseLong(line().split(";")[0].trim(), 16)) {
				copy(size, body);
				line();
			}
			while (!line().isEmpty()) {
				// trailers
			}
		}
		else if (length >= 0) {
			copy(length, body);
		}
		else {
			closing = true;
			this.in.transferTo(body);
		}
		if (closing) {
			close();
		}
		return new Answer(code, body.toByteArray());
	}

	private void copy(long n, ByteArrayOutputStream to) throws IOException {
		byte[] buffer = new byte[8192];
		for (long left = n; left > 0;) {
			int read = this.in.read(buffer, 0, (int) Math.min(buffer.length, left));
			if (read < 0) {
				throw new EOFException("the answer ended early");
			}
			to.write(buffer, 0, read);
			left -= read;
		}
	}

	/** One header line without its CRLF. */
	private String line() throws IOException {
		StringBuilder s = new StringBuilder(64);
		for (int c = this.in.read(); c != '\n'; c = this.in.read()) {
			if (c < 0) {
				throw new EOFException("the connection closed mid-answer");
			}
			if (c != '\r') {
				s.append((char) c);
			}
		}
		return s.toString();
	}

	@Override
	public void close() {
		if (this.socket != null) {
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// closing a loopback socket has nothing left to report
			}
			this.socket = null;
		}
	}

}
