package dev.celadon.reconciler.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One reconciler per state dir: two would both start, stop and adopt the same workers. The lock is the
 * kernel's, on a file in the state dir, so it ends with the process however the process ends: a crashed
 * reconciler never keeps the next one from starting.
 */
public final class StateDirLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private StateDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dirs}, or fails naming the state dir and the pid that holds it.
     *
     * @throws IllegalStateException when another reconciler holds it
     */
    public static StateDirLock acquire(StateDirs dirs) {
        Path file = dirs.lockFile();
        try {
            Files.createDirectories(file.getParent());
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                channel.close();
                throw new IllegalStateException("the state dir " + dirs.root() + " is in use by another reconciler"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                        + ": two would act on the same partitions; stop it first, or give this one its own celadon.state-dir");
            }
            // The holder's pid, for the message above and for a human.
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new StateDirLock(channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock the state dir " + dirs.root() + " (" + file + ")", e);
        }
    }

    /** Null when another process holds the lock, or (within this JVM) another channel does. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // The process is stopping and the kernel drops the lock with it.
        }
    }
}
