package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.reconciler.spec.Partition;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the reconciler does about one partition in one pass: a closed set, like firecracker's
 * {@code VmmAction}. Every partition the planner looks at gets exactly one action, so status can
 * say for each what is pending and why.
 */
public sealed interface Action {

    PartitionName name();

    /** What the apply will do and why, in words for status' {@code pending}; null when nothing is pending. */
    String describe();

    /** The rank in a plan: actions that free resources come before those that take them. */
    int rank();

    /** No worker exists yet: prepare disks and start one. */
    record Create(Partition partition) implements Action {
        public PartitionName name() {
            return partition.name();
        }

        public String describe() {
            return "create: new partition";
        }

        public int rank() {
            return 4;
        }
    }

    /**
     * A worker record exists but the worker is not alive and should be.
     *
     * @param afterFailure    the worker stopped by itself (crash, panic, guest shutdown): counts as a restart
     * @param backoffExponent the n in the 10 s × 2ⁿ crash backoff that this start used
     */
    record Start(Partition partition, String reason, boolean afterFailure, int backoffExponent) implements Action {
        public PartitionName name() {
            return partition.name();
        }

        public String describe() {
            return "start: " + reason;
        }

        public int rank() {
            return 4;
        }
    }

    /** The worker is alive and Git says it should not run. */
    record Stop(PartitionName name, Duration grace, String reason) implements Action {
        public String describe() {
            return "stop: " + reason;
        }

        public int rank() {
            return 0;
        }
    }

    /** The running machine differs from Git in a way only a restart can apply. */
    record Restart(Partition partition, List<Change> changes) implements Action {
        public Restart {
            changes = List.copyOf(changes);
        }

        public PartitionName name() {
            return partition.name();
        }

        public String describe() {
            return "restart: " + changes.stream().map(Change::toString).collect(Collectors.joining(", "));
        }

        public int rank() {
            return 3;
        }
    }

    /** Only the memory target differs, within maxMemory: applied live through the balloon. */
    record UpdateMemory(Partition partition, Change change) implements Action {
        public PartitionName name() {
            return partition.name();
        }

        public String describe() {
            return "update live: " + change;
        }

        public int rank() {
            return 2;
        }
    }

    /** Only disk sizes grow: applied live, the guest sees the new capacity. */
    record GrowDisks(Partition partition, List<Change> changes) implements Action {
        public PartitionName name() {
            return partition.name();
        }

        public String describe() {
            return "update live: " + changes.stream().map(Change::toString).collect(Collectors.joining(", "));
        }

        public int rank() {
            return 2;
        }
    }

    /**
     * Git asks for a change that is never made, a smaller disk: the partition keeps running as it is
     * and the refusal is reported until Git asks for something that can be done.
     */
    record RefuseChange(PartitionName name, String reason) implements Action {
        public String describe() {
            return null;
        }

        public int rank() {
            return 1;
        }
    }

    /** The partition left Git (or this appliance): stop its worker if alive, then forget it. */
    record Delete(PartitionName name, boolean deleteDisks, Duration grace, String reason) implements Action {
        public String describe() {
            return "delete: " + reason + (deleteDisks ? " (disks deleted)" : " (disks retained)");
        }

        public int rank() {
            return 0;
        }
    }

    /** The partition left Git but is protected: it keeps running and the refusal is reported. */
    record RefuseDeletion(PartitionName name, String reason) implements Action {
        public String describe() {
            return null;
        }

        public int rank() {
            return 1;
        }
    }

    /** The partition should run but may not start yet; it stays Pending. */
    record Wait(PartitionName name, WaitReason reason, String message) implements Action {
        public String describe() {
            // A dependency's wait says so itself: "waiting for db: not Ready (heartbeat)".
            return reason == WaitReason.DEPENDENCIES ? message : "wait: " + message;
        }

        public int rank() {
            return 5;
        }
    }

    /** What runs matches Git. */
    record InSync(PartitionName name) implements Action {
        public String describe() {
            return null;
        }

        public int rank() {
            return 6;
        }
    }

    /** Why a partition waits. */
    enum WaitReason {
        INSUFFICIENT_RESOURCES,
        RESTART_BACKOFF,
        /** A partition it depends on is not Ready yet ({@code spec.dependsOn}). */
        DEPENDENCIES,
        /** Partitions that depend on it are being stopped too: they stop first. */
        DEPENDENTS_STOPPING
    }
}
