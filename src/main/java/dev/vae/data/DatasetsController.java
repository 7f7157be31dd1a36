package dev.vae.data;

import dev.vae.model.network.Architecture;
import dev.vae.system.Columns;
import dev.vae.system.InvalidInputException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** Datasets to train on: generated, or uploaded as IDX or CSV. */
@RestController
@Tag(name = "Datasets", description = "Training data: the built-in shapes, or uploaded IDX / CSV files")
class DatasetsController {

	private final DatasetService datasets;

	DatasetsController(DatasetService datasets) {
		this.datasets = datasets;
	}

	@PostMapping(path = "/datasets", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	@Operation(summary = "Upload a dataset",
			description = "One of: `images` (an IDX image file, e.g. train-images-idx3-ubyte, optionally gzipped) with optional "
					+ "`labels` (IDX label file); `csv` (one example per row; values in [0, 1] or 0..255; optional "
					+ "header row) with optional `height`/`width`/`channels`; or `zip`, images in one folder per class "
					+ "(the ImageFolder convention), each resized to `height`×`width` (default 28×28) with `channels` "
					+ "1 (grey) or 3 (RGB), labelled by their folder's index in sorted order.")
	ResponseEntity<DatasetRow> upload(@RequestPart(name = "images", required = false) MultipartFile images,
			@RequestPart(name = "labels", required = false) MultipartFile labels,
			@RequestPart(name = "csv", required = false) MultipartFile csv,
			@RequestPart(name = "zip", required = false) MultipartFile zip,
			@RequestParam(name = "name", required = false) String name,
			@RequestParam(name = "height", required = false) Integer height,
			@RequestParam(name = "width", required = false) Integer width,
			@RequestParam(name = "channels", required = false) Integer channels) throws IOException {
		int parts = ((images != null) ? 1 : 0) + ((csv != null) ? 1 : 0) + ((zip != null) ? 1 : 0);
		if (parts != 1) {
			throw new InvalidInputException("images",
					"send exactly one of: an 'images' IDX file, a 'csv' file, or a 'zip' of images in class folders");
		}
		MultipartFile file = (images != null) ? images : (csv != null) ? csv : zip;
		String label = (name != null) ? Columns.require("name", name, Columns.NAME)
				: Columns.fit(filename(file, "dataset"), Columns.NAME);
		if (zip != null) {
			List<Integer> shape = checked(List.of((height == null) ? 28 : positive(height, "height"),
					(width == null) ? 28 : positive(width, "width"),
					(channels == null) ? 1 : positive(channels, "channels")));
			try (InputStream in = zip.getInputStream()) {
				return created(this.datasets.storeImageFolder(label, in, filename(zip, "zip"), shape));
			}
		}
		if (images != null) {
			try (InputStream in = images.getInputStream();
					InputStream labelsIn = (labels != null) ? labels.getInputStream() : null) {
				return created(this.datasets.storeIdx(label, in, filename(images, "images"), labelsIn,
						(labels != null) ? filename(labels, "labels") : null));
			}
		}
		List<Integer> shape = (height == null && width == null) ? null : checked(List.of(positive(height, "height"),
				positive(width, "width"), (channels == null) ? 1 : positive(channels, "channels")));
		try (InputStream in = csv.getInputStream()) {
			return created(this.datasets.storeCsv(label, in, filename(csv, "csv"), shape));
		}
	}

	@PostMapping(path = "/datasets/shapes", consumes = MediaType.APPLICATION_JSON_VALUE)
	@Operation(summary = "Generate the built-in shapes dataset",
			description = "Images of squares, ellipses, triangles and hearts with random scale, rotation and position "
					+ "(28×28 grey by default; `size` and `channels: 3` for colour, where colour is one more factor); "
					+ "image i depends only on (seed, i).")
	ResponseEntity<DatasetRow> shapes(@RequestBody ShapesRequest request) throws IOException {
		int count = (request.count() == null) ? 10_000 : request.count();
		if (count < 1) {
			throw new InvalidInputException("count", "count must be at least 1, was " + count);
		}
		int channels = (request.channels() == null) ? 1 : request.channels();
		if (channels != 1 && channels != 3) {
			throw new InvalidInputException("channels", "channels must be 1 (grey) or 3 (colour), was " + channels);
		}
		int size = (request.size() == null) ? Shapes.SIZE : request.size();
		if (size < 8 || size > 256) {
			throw new InvalidInputException("size", "size must lie in 8..256, was " + size);
		}
		Columns.require("name", request.name(), Columns.NAME);
		return created(this.datasets.createShapes(request.name(), count, (request.seed() == null) ? 1 : request.seed(),
				size, channels));
	}

	@GetMapping("/datasets")
	@Operation(summary = "All datasets")
	List<DatasetRow> list() {
		return this.datasets.list();
	}

	@GetMapping("/datasets/{id}")
	@Operation(summary = "One dataset")
	DatasetRow get(@PathVariable String id) {
		return this.datasets.get(id);
	}

	@GetMapping("/datasets/{id}/examples/{index}")
	@Operation(summary = "One example of a dataset",
			description = "Its values (in the order a model takes them, as stored) and its label, if the dataset has labels.")
	Example example(@PathVariable String id, @PathVariable int index) throws IOException {
		DatasetRow row = this.datasets.get(id);
		double[] values = this.datasets.example(id, index);
		int[] labels = this.datasets.labels(id);
		return new Example(id, index, row.shape(), (labels != null) ? labels[index] : null, values);
	}

	record Example(String dataset, int index,
			@Schema(description = "height, width, channels of the dataset's images") List<Integer> shape,
			@Schema(description = "its label; absent for an unlabelled dataset") Integer label,
			@Schema(description = "its values in [0, 1]") double[] values) {
	}

	@DeleteMapping("/datasets/{id}")
	@Operation(summary = "Delete a dataset no queued or running job uses")
	ResponseEntity<Void> delete(@PathVariable String id) throws IOException {
		this.datasets.delete(id);
		return ResponseEntity.noContent().build();
	}

	private static ResponseEntity<DatasetRow> created(DatasetRow row) {
		return ResponseEntity.created(URI.create("/datasets/" + row.id())).body(row);
	}

	/**
	 * A shape whose values per example (height × width × channels, in long) stay within
	 * what a layer may hold; a product that would overflow an int is refused, not
	 * wrapped.
	 */
	private static List<Integer> checked(List<Integer> shape) {
		long values = (long) shape.get(0) * shape.get(1) * shape.get(2);
		if (values > Architecture.MAX_ACTIVATION) {
			throw new InvalidInputException("width",
					"height × width × channels is " + shape.get(0) + " × " + shape.get(1) + " × " + shape.get(2) + " = "
							+ values + " values per example; at most " + Architecture.MAX_ACTIVATION + " are accepted");
		}
		return shape;
	}

	private static int positive(Integer value, String field) {
		if (value == null || value < 1) {
			throw new InvalidInputException(field, field + " must be a positive whole number when a shape is given");
		}
		return value;
	}

	private static String filename(MultipartFile file, String fallback) {
		String name = file.getOriginalFilename();
		return (name == null || name.isBlank()) ? fallback : name.replaceAll("[^A-Za-z0-9._-]", "_");
	}

	record ShapesRequest(@Schema(description = "number of images", example = "2000") Integer count,
			@Schema(description = "seed", example = "1") Long seed,
			@Schema(description = "a name", example = "my-shapes") String name,
			@Schema(description = "1 (grey, default) or 3 (colour: the colour is one more factor)",
					example = "1") Integer channels,
			@Schema(description = "side in pixels, 8..256 (default 28)", example = "28") Integer size) {
	}

}
