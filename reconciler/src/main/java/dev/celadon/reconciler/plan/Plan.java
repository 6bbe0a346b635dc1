package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The actions of one pass, one per partition, in the order they should be applied. */
public record Plan(List<Action> actions) {

    static final Comparator<Action> ORDER = Comparator.comparingInt(Action::rank).thenComparing(Action::name);

    public Plan {
        actions = actions.stream().sorted(ORDER).toList();
    }

    public Optional<Action> forPartition(PartitionName name) {
        return actions.stream().filter(a -> a.name().equals(name)).findFirst();
    }
}
