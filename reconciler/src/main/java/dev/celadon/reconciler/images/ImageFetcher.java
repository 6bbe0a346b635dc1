package dev.celadon.reconciler.images;

import dev.celadon.hypervisor.ImageCache;
import dev.celadon.hypervisor.qemu.DiskBackings;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fetches the images the loop asks for, each checksum once however many partitions share it, on a few
 * download threads of its own, so that a slow or hanging server never holds up a reconcile pass: the loop
 * only asks ({@link #want}) and reads where each stands ({@link #state}). A watchdog thread ends a transfer
 * that has sent nothing for the stall timeout. A failure is retried with backoff (2 s, ×2, at most 5 min).
 * Cached images nothing needs any more are removed after the retention time.
 */
public final class ImageFetcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ImageFetcher.class);
    static final Duration BACKOFF_BASE = Duration.ofSeconds(2);
    static final Duration BACKOFF_CAP = Duration.ofMinutes(5);
    /** How often the cache is looked at for images to remove. */
    static final Duration RETENTION_SCAN = Duration.ofMinutes(1);

    private final ImageSettings settings;
    private final Runnable onChange;
    private final Clock clock;
    private final HttpClient client;
    private final ExecutorService downloads;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("celadon-image-watch").daemon().factory());

    /** Written by download threads, read by the loop and the watchdog. */
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, ImageState.Failed> failures = new ConcurrentHashMap<>();

    // Loop-thread state: retention.
    private final Map<String, Instant> unneededSince = new HashMap<>();
    private Instant nextRetentionScan = Instant.MIN;

    /** One download in progress. Its counters are written by its thread only. */
    private static final class Job {
        final ImageRequest request;
        final long startedNanos = System.nanoTime();
        volatile Future<?> future;
        /** Set by its download thread: a job still queued is neither stalled nor left behind by a cancel. */
        volatile boolean running;
        volatile long startBytes = -1;
        volatile long done;
        volatile long total = -1;
        volatile long lastProgressNanos = System.nanoTime();
        volatile boolean stalled;

        Job(ImageRequest request) {
            this.request = request;
        }
    }

    /**
     * @param onChange           called from a download thread when an image became ready or failed
     */
    public ImageFetcher(ImageSettings settings, Runnable onChange, Clock clock) {
        this.settings = settings;
        this.onChange = onChange;
        this.clock = clock;
        this.client = ImageHttp.build(settings);
        this.downloads = Executors.newFixedThreadPool(settings.threads(),
                Thread.ofPlatform().name("celadon-image-", 0).daemon().factory());
        long check = Math.max(100, Math.min(1000, settings.stallTimeout().toMillis() / 4));
        watchdog.scheduleWithFixedDelay(this::endStalls, check, check, TimeUnit.MILLISECONDS);
    }

    /** Whether the image of {@code sha256} is in the cache. Any thread. */
    public boolean isReady(String sha256) {
        return cached(sha256).isPresent();
    }

    /** The verified image of {@code sha256} in the cache, if it is there. Any thread. */
    public Optional<Path> cached(String sha256) {
        Path file = settings.cacheDir().resolve(ImageCache.fileName(sha256));
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Where the image of {@code sha256} stands. Any thread. */
    public ImageState state(String sha256) {
        if (isReady(sha256)) {
            return new ImageState.Ready();
        }
        Job job = jobs.get(sha256);
        if (job != null && job.startBytes >= 0) {
            double seconds = Math.max(0.001, (System.nanoTime() - job.startedNanos) / 1e9);
            return new ImageState.Downloading(job.done, job.total, (long) ((job.done - job.startBytes) / seconds));
        }
        ImageState.Failed failed = failures.get(sha256);
        if (job == null && failed != null) {
            return failed;
        }
        return new ImageState.Queued();
    }

    /**
     * Fetches what is wanted and not cached, unless it is being fetched or backs off; stops fetching what is no
     * longer wanted (its partial file stays, to resume); removes what has not been needed for the retention
     * time. Loop thread only.
     *
     * @param wanted     checksum → where from and what, of the images partitions that should run here need (and the
     *                   appliance's next boot image)
     * @param referenced every checksum the revision in force names, on this appliance or not
     */
    public void want(Map<String, ImageRequest> wanted, Set<String> referenced) {
        Instant now = clock.instant();
        wanted.forEach((sha, request) -> {
            if (jobs.containsKey(sha) || isReady(sha)) {
                return;
            }
            ImageState.Failed failed = failures.get(sha);
            if (failed != null && now.isBefore(failed.retryAt())) {
                return;
            }
            start(sha, request);
        });
        jobs.forEach((sha, job) -> {
            if (!wanted.containsKey(sha) && job.future.cancel(true) && !job.running) {
                // Cancelled before it ran: no download thread will remove it.
                jobs.remove(sha, job);
            }
        });
        failures.keySet().retainAll(wanted.keySet());
        if (!now.isBefore(nextRetentionScan)) {
            nextRetentionScan = now.plus(RETENTION_SCAN);
            retain(referenced, now);
        }
    }

    private void start(String sha, ImageRequest request) {
        Job job = new Job(request);
        jobs.put(sha, job);
        job.future = downloads.submit(() -> download(sha, job));
    }

    /** One download, on a download thread. */
    private void download(String sha, Job job) {
        job.lastProgressNanos = System.nanoTime();
        job.running = true;
        ImageDownload.Progress progress = new ImageDownload.Progress() {
            @Override
            public void update(long done, long total) {
                if (job.startBytes < 0) {
                    job.startBytes = done;
                }
                job.done = done;
                job.total = total;
                job.lastProgressNanos = System.nanoTime();
            }

            @Override
            public void working() {
                job.lastProgressNanos = System.nanoTime();
            }
        };
        try {
            Path file = new ImageDownload(client, settings, job.request, sha, progress).run();
            failures.remove(sha);
            LOG.infof("image %s (sha256 %s) is ready: %s", ImageCache.shown(job.request.url()), sha, file);
        } catch (ImageFailure e) {
            failed(sha, e.reason(), e.getMessage());
        } catch (InterruptedException e) {
            if (job.stalled) {
                failed(sha, ImageFailure.Reason.Unreachable, ImageCache.shown(job.request.url()) + ": nothing received for "
                        + settings.stallTimeout().toSeconds() + " s after " + job.done + " bytes; the download resumes "
                        + "from there");
            }
            // Else cancelled: the image is no longer wanted, and its partial file waits for a later want.
        } catch (RuntimeException e) {
            LOG.error("image download failed", e);
            failed(sha, ImageFailure.Reason.HttpError, e.toString());
        } finally {
            jobs.remove(sha, job);
            onChange.run();
        }
    }

    private void failed(String sha, ImageFailure.Reason reason, String message) {
        ImageState.Failed previous = failures.get(sha);
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        Duration wait = BACKOFF_BASE.multipliedBy(1L << Math.min(attempts - 1, 20));
        wait = wait.compareTo(BACKOFF_CAP) > 0 ? BACKOFF_CAP : wait;
        failures.put(sha, new ImageState.Failed(reason, message, attempts, clock.instant().plus(wait)));
        LOG.warnf("image sha256 %s: %s: %s (attempt %d, next in %s)", sha, reason, message, attempts, wait);
    }

    /** The watchdog: a transfer that sent nothing for the stall timeout is interrupted. */
    private void endStalls() {
        long limit = settings.stallTimeout().toNanos();
        jobs.values().forEach(job -> {
            Future<?> future = job.future;
            if (future != null && job.running && System.nanoTime() - job.lastProgressNanos > limit && !job.stalled) {
                job.stalled = true;
                future.cancel(true);
            }
        });
    }

    /**
     * Removes cached images (and partial downloads) that no spec of the revision in force names, no download
     * is busy with and no kept disk is made over, once that has been so for the retention time. The time starts
     * when this reconciler first sees it so: after a restart the wait starts again, never shorter.
     */
    void retain(Set<String> referenced, Instant now) {
        if (!Files.isDirectory(settings.cacheDir())) {
            return;
        }
        Set<Path> inUse;
        try {
            List<Path> dirs = new ArrayList<>();
            dirs.add(settings.cacheDir().toRealPath());
            for (Path dir : settings.imagesDirs()) {
                if (Files.isDirectory(dir)) {
                    dirs.add(dir.toRealPath());
                }
            }
            inUse = DiskBackings.of(settings.hypervisorStateDir(), dirs);
        } catch (IOException e) {
            LOG.warnf("cannot tell which cached images the disks use, so none is removed: %s", e.getMessage());
            return;
        }
        Map<String, List<Path>> files = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(settings.cacheDir())) {
            for (Path file : entries) {
                String name = file.getFileName().toString();
                if (name.length() >= 64 && ImageCache.isSha256(name.substring(0, 64))) {
                    files.computeIfAbsent(name.substring(0, 64), k -> new ArrayList<>()).add(file);
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot list the image cache %s: %s", settings.cacheDir(), e.getMessage());
            return;
        }
        unneededSince.keySet().retainAll(files.keySet());
        files.forEach((sha, paths) -> {
            boolean needed = referenced.contains(sha) || jobs.containsKey(sha)
                    || paths.stream().anyMatch(path -> inUse.contains(realOrSelf(path)));
            if (needed) {
                unneededSince.remove(sha);
                return;
            }
            Instant since = unneededSince.computeIfAbsent(sha, k -> now);
            if (!now.isBefore(since.plus(settings.retention()))) {
                LOG.infof("removing cached image sha256 %s: unused since %s", sha, since);
                paths.forEach(ImageDownload::deleteQuietly);
                unneededSince.remove(sha);
            }
        });
    }

    private static Path realOrSelf(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path;
        }
    }

    /** Stops every download (their partial files stay, to resume) and the watchdog. */
    @Override
    public void close() {
        watchdog.shutdownNow();
        downloads.shutdownNow();
    }
}
