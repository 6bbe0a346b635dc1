package dev.celadon.reconciler.images;

import dev.celadon.hypervisor.ImageCache;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.Properties;

/**
 * One image, fetched once into the cache: the bytes as served go to {@code SHA.partial} through SHA-256 (a
 * metadata file beside it says which URL and version they are, for {@link Resume}); only when the checksum
 * verifies are they decompressed (when the URL's suffix says so), their format checked ({@link ImageFormat})
 * and the result renamed to its name in the cache, so the hypervisor never sees a file that is not complete,
 * verified and of a format it opens. Runs on one download thread; a stalled read is ended by interrupting it.
 */
final class ImageDownload {

    /** What the download reports as it goes, from its own thread. */
    interface Progress {
        void update(long done, long total);

        /** Busy without a byte from the server (the partial file of a resume is hashed again): not stalled. */
        default void working() {
        }
    }

    private static final int BUFFER = 1 << 20;
    private static final int MAX_REDIRECTS = 5;

    private final HttpClient client;
    private final ImageSettings settings;
    private final String url;
    private final String sha256;
    private final ImageRequest.Content content;
    private final Progress progress;
    private final Compression compression;
    private final Path target;
    private final Path partial;
    private final Path meta;

    ImageDownload(HttpClient client, ImageSettings settings, ImageRequest request, String sha256, Progress progress) {
        this.client = client;
        this.settings = settings;
        this.url = request.url();
        this.content = request.content();
        this.sha256 = sha256;
        this.progress = progress;
        this.compression = Compression.of(url);
        this.target = settings.cacheDir().resolve(ImageCache.fileName(sha256));
        this.partial = settings.cacheDir().resolve(sha256 + ".partial");
        this.meta = settings.cacheDir().resolve(sha256 + ".partial.meta");
    }

    /** The cached image, fetched now unless it is there already. */
    Path run() throws ImageFailure, InterruptedException {
        if (Files.isRegularFile(target)) {
            return target;
        }
        try {
            Files.createDirectories(settings.cacheDir());
        } catch (IOException e) {
            throw writeFailure(e);
        }
        URI uri = URI.create(url);
        if ("file".equalsIgnoreCase(uri.getScheme())) {
            fromFile(Path.of(uri.getPath()));
        } else {
            fromHttp(uri);
        }
        return target;
    }

    // --- sources -------------------------------------------------------------------------------

    /** A file URL: confined to the images dirs as an image path is, symlinks resolved. */
    private void fromFile(Path path) throws ImageFailure, InterruptedException {
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ImageFailure(ImageFailure.Reason.NotFound, path + " does not exist");
        } catch (IOException e) {
            throw new ImageFailure(ImageFailure.Reason.NotFound, path + " cannot be resolved: " + e.getMessage());
        }
        boolean inside = settings.imagesDirs().stream().map(ImageDownload::realOrSelf).anyMatch(real::startsWith);
        if (!inside) {
            throw new ImageFailure(ImageFailure.Reason.NotAllowed, path + " resolves to " + real
                    + ", outside the images dirs " + settings.imagesDirs() + " (celadon.images.dirs)");
        }
        if (!Files.isRegularFile(real)) {
            throw new ImageFailure(ImageFailure.Reason.NotAllowed, path + " is not a regular file");
        }
        long total;
        InputStream in;
        try {
            total = Files.size(real);
            in = Files.newInputStream(real);
        } catch (IOException e) {
            throw new ImageFailure(ImageFailure.Reason.NotFound, path + " cannot be read: " + e.getMessage());
        }
        tooLarge(total);
        deleteQuietly(partial, meta);
        try (in) {
            store(in, 0, total, newDigest());
        } catch (IOException e) {
            // Closing a local file does not fail in ways that matter once the bytes are stored.
        }
    }

    private void fromHttp(URI uri) throws ImageFailure, InterruptedException {
        Resume resume = Resume.plan(url, sizeOf(partial), readMeta());
        for (int attempt = 0; attempt < 2; attempt++) {
            if (resume.from() == 0) {
                deleteQuietly(partial, meta);
            }
            HttpResponse<InputStream> response = send(uri, resume);
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                if (status == 416 && resume.from() > 0) {
                    // The range asked for is not there (the file shrank): start over.
                    resume = Resume.FROM_START;
                    continue;
                }
                refuseStatus(status, response.uri());
                Resume.Meta answer = new Resume.Meta(url, response.headers().firstValue("ETag"),
                        response.headers().firstValue("Last-Modified"));
                Optional<String> contentRange = response.headers().firstValue("Content-Range");
                Optional<Long> start = resume.bodyStartsAt(status, contentRange, answer);
                if (start.isEmpty()) {
                    // The server changed the file, or answered a range we did not ask for: the old bytes go.
                    resume = Resume.FROM_START;
                    continue;
                }
                long total = status == 206 ? Resume.totalOf(contentRange)
                        : response.headers().firstValueAsLong("Content-Length").orElse(-1);
                tooLarge(total);
                writeMeta(answer);
                MessageDigest digest = newDigest();
                if (start.get() > 0) {
                    hashExisting(digest);
                }
                store(body, start.get(), total, digest);
                return;
            } catch (IOException e) {
                throw unreachable(e);
            }
        }
        throw new ImageFailure(ImageFailure.Reason.HttpError, "the server answered a request for the whole image with "
                + "a part of it");
    }

    /** GET with our own redirects: each hop gets only its own credential, and https is never left for http. */
    private HttpResponse<InputStream> send(URI first, Resume resume) throws ImageFailure, InterruptedException {
        URI uri = first;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(settings.connectTimeout())
                    .header("Accept-Encoding", "identity");
            Optional<ImageCredentials> credential = ImageCredentials.forUrl(settings.credentials(), uri);
            if (credential.isPresent()) {
                request.header("Authorization", credential.get().authorization());
            }
            if (resume.from() > 0) {
                request.header("Range", "bytes=" + resume.from() + "-");
                request.header("If-Range", resume.validator().orElseThrow());
            }
            HttpResponse<InputStream> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw unreachable(e);
            }
            int status = response.statusCode();
            if (status < 300 || status >= 400 || status == 304) {
                return response;
            }
            closeQuietly(response.body());
            Optional<String> location = response.headers().firstValue("Location");
            if (location.isEmpty()) {
                throw new ImageFailure(ImageFailure.Reason.HttpError, "HTTP " + status + " without a Location from "
                        + ImageCache.shown(uri.toString()));
            }
            URI next = uri.resolve(location.get());
            if (!"https".equalsIgnoreCase(next.getScheme()) && !"http".equalsIgnoreCase(next.getScheme())
                    || "https".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(next.getScheme())) {
                throw new ImageFailure(ImageFailure.Reason.NotAllowed, ImageCache.shown(uri.toString())
                        + " redirects to " + ImageCache.shown(next.toString()) + ", which is not followed (only to http(s), "
                        + "and never from https to http)");
            }
            uri = next;
        }
        throw new ImageFailure(ImageFailure.Reason.HttpError, "more than " + MAX_REDIRECTS + " redirects from "
                + ImageCache.shown(url));
    }

    private static void refuseStatus(int status, URI uri) throws ImageFailure {
        String where = " from " + ImageCache.shown(uri.toString());
        switch (status) {
            case 200, 206 -> { }
            case 404, 410 -> throw new ImageFailure(ImageFailure.Reason.NotFound, "HTTP " + status + where);
            case 401, 403 -> throw new ImageFailure(ImageFailure.Reason.Unauthorized, "HTTP " + status + where
                    + "; credentials are set per URL prefix with celadon.images.credentials.*");
            default -> throw new ImageFailure(ImageFailure.Reason.HttpError, "HTTP " + status + where);
        }
    }

    // --- storing -------------------------------------------------------------------------------

    /**
     * Appends the body to the partial file from {@code start}, through the digest, checks the first bytes as
     * soon as they are there, and on the last byte verifies and finishes.
     */
    private void store(InputStream body, long start, long total, MessageDigest digest)
            throws ImageFailure, InterruptedException {
        long done = start;
        boolean headChecked = start >= ImageFormat.HEAD_BYTES;
        progress.update(done, total);
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.truncate(start);
            out.position(start);
            byte[] buffer = new byte[BUFFER];
            while (true) {
                int n;
                try {
                    n = body.read(buffer);
                } catch (InterruptedIOException e) {
                    throw new InterruptedException("interrupted after " + done + " bytes");
                } catch (IOException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException("interrupted after " + done + " bytes");
                    }
                    throw unreachable(e);
                }
                if (n < 0) {
                    break;
                }
                digest.update(buffer, 0, n);
                ByteBuffer bytes = ByteBuffer.wrap(buffer, 0, n);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                done += n;
                tooLarge(done);
                if (!headChecked && done >= ImageFormat.HEAD_BYTES) {
                    checkHead();
                    headChecked = true;
                }
                progress.update(done, total);
            }
        } catch (IOException e) {
            throw writeFailure(e);
        }
        if (total >= 0 && done != total) {
            throw new ImageFailure(ImageFailure.Reason.Unreachable, "the connection ended after " + done + " of " + total
                    + " bytes; the download resumes from there");
        }
        if (!headChecked) {
            checkHead();
        }
        String actual = ImageCache.hex(digest.digest());
        if (!actual.equals(sha256)) {
            deleteQuietly(partial, meta);
            throw new ImageFailure(ImageFailure.Reason.ChecksumMismatch, "the " + done + " bytes served have SHA-256 "
                    + actual + ", not " + sha256 + " as the spec says; the download was discarded");
        }
        finish();
    }

    /** The first bytes as served: the compression's magic, or for an uncompressed image its format. */
    private void checkHead() throws ImageFailure {
        byte[] head = head(partial);
        try {
            if (compression == Compression.NONE) {
                ImageFormat.detect(head, content);
            } else {
                compression.checkMagic(head);
            }
        } catch (ImageFailure e) {
            deleteQuietly(partial, meta);
            throw e;
        }
    }

    /** Verified bytes into the cache: decompressed and checked when compressed, renamed in any case. */
    private void finish() throws ImageFailure {
        if (compression == Compression.NONE) {
            move(partial, target);
            deleteQuietly(meta);
            return;
        }
        Path temp = settings.cacheDir().resolve(sha256 + ".decompressing");
        try {
            decompress(temp);
            ImageFormat.detect(head(temp), content);
            move(temp, target);
        } catch (ImageFailure e) {
            deleteQuietly(temp, partial, meta);
            throw e;
        }
        deleteQuietly(partial, meta);
    }

    /** Decompresses the partial file into {@code temp}, held to the size cap; runs of zeros are left as holes. */
    private void decompress(Path temp) throws ImageFailure {
        try (InputStream in = compression.decompress(new BufferedInputStream(Files.newInputStream(partial), BUFFER));
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buffer = new byte[BUFFER];
            long written = 0;
            while (true) {
                int n;
                try {
                    n = in.readNBytes(buffer, 0, buffer.length);
                } catch (IOException e) {
                    throw new ImageFailure(ImageFailure.Reason.UnsupportedFormat, "the " + compression.name()
                            .toLowerCase(java.util.Locale.ROOT) + " data cannot be decompressed: " + e.getMessage());
                }
                if (n <= 0) {
                    break;
                }
                written += n;
                tooLarge(written);
                SparseWrites.write(out, buffer, n);
            }
            SparseWrites.finish(out, written);
        } catch (IOException e) {
            throw writeFailure(e);
        }
    }

    // --- helpers -------------------------------------------------------------------------------

    private void tooLarge(long bytes) throws ImageFailure {
        if (bytes > settings.maxBytes()) {
            deleteQuietly(partial, meta);
            throw new ImageFailure(ImageFailure.Reason.TooLarge, "the image has more than " + settings.maxBytes()
                    + " bytes (" + bytes + (compression == Compression.NONE ? "" : " or more decompressed")
                    + "), the limit celadon.images.max-bytes sets");
        }
    }

    /** A write that failed: a full disk is said so, and the partial file goes (it would keep the disk full). */
    private ImageFailure writeFailure(IOException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("No space left")) {
            deleteQuietly(partial, meta);
            return new ImageFailure(ImageFailure.Reason.DiskFull, "no space left in " + settings.cacheDir()
                    + "; the partial download was removed");
        }
        return new ImageFailure(ImageFailure.Reason.WriteFailed, "cannot write to " + settings.cacheDir() + ": " + message);
    }

    private ImageFailure unreachable(IOException e) {
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new ImageFailure(ImageFailure.Reason.Unreachable, ImageCache.shown(url) + ": " + cause);
    }

    /** The bytes a resume keeps, through the digest first: SHA-256 cannot be saved half-way in a file. */
    private void hashExisting(MessageDigest digest) throws ImageFailure {
        try (InputStream in = Files.newInputStream(partial)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
                progress.working();
            }
        } catch (IOException e) {
            deleteQuietly(partial, meta);
            throw new ImageFailure(ImageFailure.Reason.WriteFailed, "cannot read the partial download: " + e.getMessage());
        }
    }

    private Optional<Resume.Meta> readMeta() {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(meta)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
        String savedUrl = properties.getProperty("url");
        return savedUrl == null ? Optional.empty() : Optional.of(new Resume.Meta(savedUrl,
                Optional.ofNullable(properties.getProperty("etag")), Optional.ofNullable(properties.getProperty("last-modified"))));
    }

    /** Written before the first byte of a new body, so a partial file never has bytes of an unknown version. */
    private void writeMeta(Resume.Meta answer) throws ImageFailure {
        Properties properties = new Properties();
        properties.setProperty("url", answer.url());
        answer.etag().ifPresent(v -> properties.setProperty("etag", v));
        answer.lastModified().ifPresent(v -> properties.setProperty("last-modified", v));
        Path temp = meta.resolveSibling(meta.getFileName() + ".new");
        try (Writer out = Files.newBufferedWriter(temp)) {
            properties.store(out, null);
        } catch (IOException e) {
            throw writeFailure(e);
        }
        move(temp, meta);
    }

    private void move(Path from, Path to) throws ImageFailure {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw writeFailure(e);
        }
    }

    private static byte[] head(Path file) throws ImageFailure {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(ImageFormat.HEAD_BYTES);
        } catch (IOException e) {
            throw new ImageFailure(ImageFailure.Reason.WriteFailed, "cannot read " + file + ": " + e.getMessage());
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static Path realOrSelf(Path dir) {
        try {
            return dir.toRealPath();
        } catch (IOException e) {
            return dir.toAbsolutePath().normalize();
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // Only a redirect's body: nothing in it is wanted.
        }
    }

    static void deleteQuietly(Path... files) {
        for (Path file : files) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // The next attempt starts over with whatever is left, and retention removes strays.
            }
        }
    }
}
