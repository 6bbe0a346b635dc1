package dev.celadon.reconciler.apply;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerNotFoundException;
import dev.celadon.reconciler.plan.Action;

import java.time.Duration;
import java.util.Optional;

/**
 * Carries out one action on the hypervisor. Idempotent: applying an action whose effect is already
 * there does nothing, or fails with a busy error that only requeues. The caller guarantees at most
 * one apply per partition at a time.
 */
public final class Applier {

    private final Hypervisor hypervisor;

    public Applier(Hypervisor hypervisor) {
        this.hypervisor = hypervisor;
    }

    public void apply(Action action) throws HypervisorException {
        switch (action) {
            case Action.Create create -> hypervisor.start(create.partition().vm());
            case Action.Start start -> hypervisor.start(start.partition().vm());
            case Action.Stop stop -> stopIfPresent(stop.name(), stop.grace());
            case Action.Restart restart -> {
                // Make before break: a config that cannot run here (a file not there, a symlink out of the
                // images dirs, a disk asked to shrink) is refused while the old worker still runs.
                hypervisor.check(restart.partition().vm());
                stopIfPresent(restart.name(), restart.partition().vm().shutdownGracePeriod());
                hypervisor.start(restart.partition().vm());
            }
            case Action.UpdateMemory update -> worker(update.name()).setMemory(update.partition().vm().memoryBytes());
            case Action.GrowDisks grow -> worker(grow.name()).growDisks(grow.partition().vm().disks());
            case Action.Delete delete -> {
                stopIfPresent(delete.name(), delete.grace());
                hypervisor.delete(delete.name(), delete.deleteDisks());
            }
            case Action.RefuseDeletion ignored -> { }
            case Action.RefuseChange ignored -> { }
            case Action.Wait ignored -> { }
            case Action.InSync ignored -> { }
        }
    }

    private void stopIfPresent(PartitionName name, Duration grace) throws HypervisorException {
        Optional<Worker> worker = hypervisor.worker(name);
        if (worker.isPresent()) {
            worker.get().stop(grace);
        }
    }

    private Worker worker(PartitionName name) throws WorkerNotFoundException {
        return hypervisor.worker(name).orElseThrow(() -> new WorkerNotFoundException(name));
    }
}
