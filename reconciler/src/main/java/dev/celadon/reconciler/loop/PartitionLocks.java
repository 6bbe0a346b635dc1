package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.PartitionName;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per partition, for the SPI's rule that calls on one worker handle are serialized by the caller:
 * an apply waits for a probe under way (at most the agent's timeout), a probe does not wait for an apply
 * (it is skipped, and the next round probes).
 */
final class PartitionLocks {

    private final Map<PartitionName, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** A held lock, released by closing it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits for the partition's handle. */
    Held hold(PartitionName name) {
        ReentrantLock lock = lock(name);
        lock.lock();
        return lock::unlock;
    }

    /** The partition's handle if no one holds it now, else null. */
    Held tryHold(PartitionName name) {
        ReentrantLock lock = lock(name);
        return lock.tryLock() ? lock::unlock : null;
    }

    private ReentrantLock lock(PartitionName name) {
        return locks.computeIfAbsent(name, n -> new ReentrantLock());
    }
}
