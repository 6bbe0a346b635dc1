package dev.celadon.reconciler.config;

import dev.celadon.reconciler.plan.LedgerEntry;
import dev.celadon.reconciler.spec.DeletionPolicy;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The types Jackson binds by reflection outside the status records (which carry their own annotation):
 * a native executable keeps their constructors and accessors. The hypervisor module is plain Java, so
 * its record is named here. Every other JSON (QMP, the guest agent, VmConfig) is built as trees.
 */
@RegisterForReflection(targets = {LedgerEntry.class, DeletionPolicy.class},
        classNames = "dev.celadon.hypervisor.qemu.WorkerRecord")
final class NativeRegistrations {

    private NativeRegistrations() {
    }
}
