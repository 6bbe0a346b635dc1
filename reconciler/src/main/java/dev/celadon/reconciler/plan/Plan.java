package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The actions of one pass, one per partition, in the order they should be applied, and what becomes of the
 * partitions' Try rollouts ({@link RolloutStep}, at most one per partition).
 */
public record Plan(List<Action> actions, Map<PartitionName, Action> byName, Map<PartitionName, RolloutStep> rollouts) {

    static final Comparator<Action> ORDER = Comparator.comparingInt(Action::rank).thenComparing(Action::name);

    public Plan(List<Action> actions) {
        this(actions, Map.of());
    }

    public Plan(List<Action> actions, Map<PartitionName, RolloutStep> rollouts) {
        this(actions.stream().sorted(ORDER).toList(),
                actions.stream().collect(Collectors.toUnmodifiableMap(Action::name, Function.identity())),
                Map.copyOf(rollouts));
    }

    public Optional<Action> forPartition(PartitionName name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<RolloutStep> rollout(PartitionName name) {
        return Optional.ofNullable(rollouts.get(name));
    }
}
