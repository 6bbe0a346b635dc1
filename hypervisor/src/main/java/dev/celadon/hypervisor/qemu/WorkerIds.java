package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Gives each partition its worker identity in mode {@code user}: the id the partition had before (its
 * record's, else its disks' owner's, so kept disks stay its own), else the one its name hashes to, else
 * the next free one after it. Taken means recorded by another partition's record or given by this
 * instance to another partition. The choice is recorded in the worker record ({@code uid}, {@code gid}),
 * which is what later launches and other partitions read.
 */
final class WorkerIds {

    /** Every partition with an id in a record, by name; re-read at each allocation (records are few and small). */
    interface Recorded {
        Map<PartitionName, Integer> ids();
    }

    private final WorkerIdRange range;
    private final Recorded recorded;
    /** Given since this instance started, records or not (a launch writes its record only after allocating). */
    private final Map<PartitionName, Integer> given = new HashMap<>();

    WorkerIds(WorkerIdRange range, Recorded recorded) {
        this.range = range;
        this.recorded = recorded;
    }

    /** {@code previous}: the partition's own earlier id, when one is known (its record, its disks' owner). */
    synchronized WorkerIdentity allocate(PartitionName name, OptionalInt previous) {
        Map<PartitionName, Integer> taken = new HashMap<>(recorded.ids());
        taken.putAll(given);
        taken.remove(name);
        int id = choose(name, range, previous, Set.copyOf(taken.values()));
        given.put(name, id);
        return new WorkerIdentity(id, id);
    }

    /** The partition is gone (deleted): its id may go to another. */
    synchronized void release(PartitionName name) {
        given.remove(name);
    }

    /**
     * The rule, without state: {@code previous} if in the range and free, else the name's preferred id, else
     * the next free one after it, wrapping round.
     */
    static int choose(PartitionName name, WorkerIdRange range, OptionalInt previous, Set<Integer> taken) {
        if (previous.isPresent() && range.contains(previous.getAsInt()) && !taken.contains(previous.getAsInt())) {
            return previous.getAsInt();
        }
        int preferred = range.preferred(name);
        for (int i = 0; i < range.size(); i++) {
            int id = range.first() + (preferred - range.first() + i) % range.size();
            if (!taken.contains(id)) {
                return id;
            }
        }
        throw new IllegalStateException("all " + range.size() + " worker ids of celadon.hypervisor.worker-ids=" + range
                + " are taken; widen the range");
    }

    static Recorded of(RecordStore store) {
        return () -> {
            Map<PartitionName, Integer> ids = new HashMap<>();
            for (PartitionName name : store.names()) {
                try {
                    store.read(name).filter(r -> r.uid() != 0).ifPresent(r -> ids.put(name, r.uid()));
                } catch (RecordStore.Unreadable e) {
                    // Its id is unknown: supervision moves the record aside and stops its worker as an orphan.
                }
            }
            return ids;
        };
    }
}
