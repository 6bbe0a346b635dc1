package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.spec.Dependency;
import dev.celadon.reconciler.spec.Partition;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code spec.dependsOn} in a plan (DESIGN.md §4): a partition starts, or restarts for a change, only once every
 * partition it depends on is Ready; of partitions stopped or removed together, dependents stop first. Whether a
 * running dependency counts as Ready the loop decides ({@link Observed#notReady}, latched so that a Ready
 * dependency stays met until it restarts). One pass over the plan and the edges: linear in both.
 */
final class Dependencies {

    private Dependencies() {
    }

    static List<Action> apply(List<Action> decided, Map<PartitionName, Partition> placed, Observed observed) {
        Map<PartitionName, Action> byName = new HashMap<>(decided.size() * 2);
        for (Action action : decided) {
            byName.put(action.name(), action);
        }
        Map<PartitionName, List<PartitionName>> dependents = dependents(placed, observed);
        List<Action> ordered = new ArrayList<>(decided.size());
        for (Action action : decided) {
            ordered.add(switch (action) {
                case Action.Create create -> awaitDependencies(action, create.partition(), placed, observed, byName);
                case Action.Start start -> awaitDependencies(action, start.partition(), placed, observed, byName);
                case Action.Restart restart -> awaitDependencies(action, restart.partition(), placed, observed, byName);
                case Action.Stop stop -> awaitDependents(action, dependents, observed, byName);
                case Action.Delete delete -> awaitDependents(action, dependents, observed, byName);
                default -> action;
            });
        }
        return ordered;
    }

    /**
     * Who depends on whom: the specs placed here, and for partitions that left Git (or this appliance) what the
     * ledger kept of their last applied spec.
     */
    private static Map<PartitionName, List<PartitionName>> dependents(Map<PartitionName, Partition> placed, Observed observed) {
        Map<PartitionName, List<PartitionName>> dependents = new HashMap<>();
        for (Partition partition : placed.values()) {
            for (Dependency dependency : partition.dependsOn()) {
                dependents.computeIfAbsent(dependency.name(), n -> new ArrayList<>()).add(partition.name());
            }
        }
        for (Map.Entry<PartitionName, LedgerEntry> entry : observed.ledger().entrySet()) {
            if (!placed.containsKey(entry.getKey())) {
                for (String name : entry.getValue().dependsOn()) {
                    dependents.computeIfAbsent(new PartitionName(name), n -> new ArrayList<>()).add(entry.getKey());
                }
            }
        }
        return dependents;
    }

    private static Action awaitDependencies(Action action, Partition partition, Map<PartitionName, Partition> placed,
                                            Observed observed, Map<PartitionName, Action> byName) {
        List<String> unmet = new ArrayList<>();
        for (Dependency dependency : partition.dependsOn()) {
            String why = unmet(dependency.name(), placed, observed, byName);
            if (why != null) {
                unmet.add(dependency.name() + ": " + why);
            }
        }
        if (unmet.isEmpty()) {
            return action;
        }
        return new Action.Wait(action.name(), Action.WaitReason.DEPENDENCIES, "waiting for " + String.join("; ", unmet));
    }

    /** Why a dependency is not met, or null when it is. */
    private static String unmet(PartitionName name, Map<PartitionName, Partition> placed, Observed observed,
                                Map<PartitionName, Action> byName) {
        if (!placed.containsKey(name)) {
            return "not placed on this appliance";
        }
        WorkerStatus worker = observed.workers().get(name);
        if (worker == null || !worker.state().isAlive()) {
            return "not running";
        }
        Action action = byName.get(name);
        if (action instanceof Action.Restart) {
            return "restarting for a change";
        }
        if (action instanceof Action.Stop || action instanceof Action.Delete) {
            return "stopping";
        }
        String notReady = observed.notReady().get(name);
        return notReady == null ? null : "not Ready (" + notReady + ")";
    }

    /** A stop or removal waits while a partition that depends on it runs and is being stopped or removed too. */
    private static Action awaitDependents(Action action, Map<PartitionName, List<PartitionName>> dependents,
                                          Observed observed, Map<PartitionName, Action> byName) {
        List<PartitionName> first = dependents.getOrDefault(action.name(), List.of()).stream()
                .filter(dependent -> {
                    WorkerStatus worker = observed.workers().get(dependent);
                    Action theirs = byName.get(dependent);
                    return worker != null && worker.state().isAlive()
                            && (theirs instanceof Action.Stop || theirs instanceof Action.Delete);
                })
                .sorted()
                .toList();
        if (first.isEmpty()) {
            return action;
        }
        return new Action.Wait(action.name(), Action.WaitReason.DEPENDENTS_STOPPING, "stops after "
                + first.stream().map(PartitionName::value).collect(Collectors.joining(", ")) + ", which depend on it");
    }
}
