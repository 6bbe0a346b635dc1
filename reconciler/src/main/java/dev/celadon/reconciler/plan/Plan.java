package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The actions of one pass, one per partition, in the order they should be applied. */
public record Plan(List<Action> actions, Map<PartitionName, Action> byName) {

    static final Comparator<Action> ORDER = Comparator.comparingInt(Action::rank).thenComparing(Action::name);

    public Plan(List<Action> actions) {
        this(actions.stream().sorted(ORDER).toList(),
                actions.stream().collect(Collectors.toUnmodifiableMap(Action::name, Function.identity())));
    }

    public Optional<Action> forPartition(PartitionName name) {
        return Optional.ofNullable(byName.get(name));
    }
}
