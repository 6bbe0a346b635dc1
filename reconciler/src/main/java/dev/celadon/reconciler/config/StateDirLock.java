package dev.celadon.reconciler.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
     * Creates the state dir if need be and takes its lock, or fails naming the state dir and the pid that
     * holds it. The first thing a start does on disk, so an unusable state dir is found here.
     *
     * @throws ConfigException         when the state dir cannot be created, or its lock file not held
     * @throws StateDirInUseException when another reconciler holds it
     */
    public static StateDirLock acquire(StateDirs dirs) {
        Path file = dirs.lockFile();
        try {
            Files.createDirectories(dirs.root());
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new ConfigException(StateDirs.KEY, dirs.root(), "cannot be created: " + describe(e, dirs.root()), e);
        }
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                String holder = Files.readString(file, StandardCharsets.UTF_8).strip();
                channel.close();
                throw new StateDirInUseException(dirs.root(), holder);
            }
            // The holder's pid, for the message above and for a human.
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new StateDirLock(channel, lock);
        } catch (IOException e) {
            throw new ConfigException(StateDirs.KEY, dirs.root(), "cannot hold its lock file: " + describe(e, dirs.root()), e);
        }
    }

    /** What went wrong, in the kernel's words, and on which file unless it is the state dir itself. */
    private static String describe(IOException e, Path root) {
        if (!(e instanceof FileSystemException failed)) {
            return e.getMessage();
        }
        String reason = switch (failed) {
            case FileAlreadyExistsException x -> "it exists and is not a folder";
            case NoSuchFileException x -> "No such file or directory";
            case AccessDeniedException x -> "Permission denied";
            default -> failed.getReason() != null ? failed.getReason() : failed.getMessage();
        };
        return root.toString().equals(failed.getFile()) ? reason : failed.getFile() + ": " + reason;
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
