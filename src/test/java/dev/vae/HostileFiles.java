package dev.vae;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Files an attacker sends: PNGs written byte by byte (so a 12000×12000 image costs the
 * test a few hundred kilobytes, not the 144 MB a decoder would need), and raw HTTP over a
 * socket for requests a well-behaved client refuses to send.
 */
public final class HostileFiles {

	private HostileFiles() {
	}

	/**
	 * A greyscale PNG of {@code width}×{@code height} whose columns left of
	 * {@code whiteColumns} are white and the rest black.
	 */
	public static byte[] png(int width, int height, int whiteColumns) {
		try {
			ByteArrayOutputStream idat = new ByteArrayOutputStream();
			try (OutputStream deflate = new DeflaterOutputStream(idat, new Deflater(9), 1 << 16)) {
				byte[] row = new byte[width + 1];
				for (int x = 0; x < whiteColumns; x++) {
					row[1 + x] = (byte) 255;
				}
				for (int y = 0; y < height; y++) {
					deflate.write(row);
				}
			}
			ByteArrayOutputStream png = new ByteArrayOutputStream();
			png.write(new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' });
			ByteArrayOutputStream header = new ByteArrayOutputStream();
			DataOutputStream ihdr = new DataOutputStream(header);
			ihdr.writeInt(width);
			ihdr.writeInt(height);
			ihdr.write(new byte[] { 8, 0, 0, 0, 0 });
			chunk(png, "IHDR", header.toByteArray());
			chunk(png, "IDAT", idat.toByteArray());
			chunk(png, "IEND", new byte[0]);
			return png.toByteArray();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
		DataOutputStream out = new DataOutputStream(png);
		out.writeInt(data.length);
		byte[] name = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
		out.write(name);
		out.write(data);
		CRC32 crc = new CRC32();
		crc.update(name);
		crc.update(data);
		out.writeInt((int) crc.getValue());
	}

	/** A response read off a socket: status line, headers and body as text. */
	public record RawResponse(int status, String head, String body) {

		public String contentType() {
			for (String line : this.head.split("\r\n")) {
				if (line.regionMatches(true, 0, "Content-Type:", 0, 13)) {
					return line.substring(13).trim();
				}
			}
			return null;
		}

	}

	/** Sends {@code request} as it is and reads the response until the server closes. */
	public static RawResponse raw(int port, String request) throws IOException {
		try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
			socket.setSoTimeout(15_000);
			socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
			socket.getOutputStream().flush();
			byte[] bytes = socket.getInputStream().readAllBytes();
			String all = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
			int split = all.indexOf("\r\n\r\n");
			String head = (split < 0) ? all : all.substring(0, split);
			byte[] body = (split < 0) ? new byte[0] : java.util.Arrays.copyOfRange(bytes, split + 4, bytes.length);
			if (head.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
				body = dechunk(body);
			}
			return new RawResponse(Integer.parseInt(head.split(" ")[1]), head,
					new String(body, java.nio.charset.StandardCharsets.UTF_8));
		}
	}

	private static byte[] dechunk(byte[] chunked) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		String text = new String(chunked, java.nio.charset.StandardCharsets.ISO_8859_1);
		int at = 0;
		while (at < text.length()) {
			int eol = text.indexOf("\r\n", at);
			int size = Integer.parseInt(text.substring(at, eol).trim(), 16);
			if (size == 0) {
				break;
			}
			out.write(chunked, eol + 2, size);
			at = eol + 2 + size + 2;
		}
		return out.toByteArray();
	}

}
