package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.PartitionName;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The revision-wide checks of {@code spec.dependsOn}: every name is a partition of the revision, and no
 * partition waits, through others, for itself (it would never start). Iterative, so a chain as long as the
 * revision's partition limit does not run the thread out of stack.
 */
final class DependencyGraph {

    /** The most partitions a cycle's message names. */
    static final int SHOWN_IN_CYCLE = 8;

    private DependencyGraph() {
    }

    /**
     * @param partitions the revision's sound partitions
     * @param names      every name a document claimed, sound or not: a dependency on a partition whose own
     *                   document has errors is that document's error, not an unknown name
     */
    static void check(List<Partition> partitions, Set<String> names, ErrorLog errors) {
        Map<PartitionName, Partition> byName = new HashMap<>();
        for (Partition partition : partitions) {
            byName.put(partition.name(), partition);
            for (Dependency dependency : partition.dependsOn()) {
                if (!names.contains(dependency.name().value())) {
                    report(errors, dependency, "\"" + dependency.name() + "\" is no partition of this revision");
                }
            }
        }
        findCycles(partitions, byName, errors);
    }

    private enum Mark { ON_PATH, DONE }

    /** A depth-first walk; an edge back to a partition on the current path closes a cycle, reported at that edge. */
    private static void findCycles(List<Partition> partitions, Map<PartitionName, Partition> byName, ErrorLog errors) {
        Map<PartitionName, Mark> marks = new HashMap<>();
        for (Partition root : partitions) {
            if (marks.containsKey(root.name())) {
                continue;
            }
            // Each frame: a partition on the path and the index of its next dependency to follow.
            Deque<Partition> path = new ArrayDeque<>();
            Deque<int[]> next = new ArrayDeque<>();
            path.push(root);
            next.push(new int[] {0});
            marks.put(root.name(), Mark.ON_PATH);
            while (!path.isEmpty()) {
                Partition at = path.peek();
                int[] index = next.peek();
                if (index[0] == at.dependsOn().size()) {
                    marks.put(at.name(), Mark.DONE);
                    path.pop();
                    next.pop();
                    continue;
                }
                Dependency dependency = at.dependsOn().get(index[0]++);
                Partition target = byName.get(dependency.name());
                if (target == null) {
                    continue;
                }
                Mark mark = marks.get(target.name());
                if (mark == Mark.ON_PATH) {
                    report(errors, dependency, "dependency cycle: " + cycle(path, target) + "; a partition in a"
                            + " cycle would wait for itself and never start");
                } else if (mark == null) {
                    marks.put(target.name(), Mark.ON_PATH);
                    path.push(target);
                    next.push(new int[] {0});
                }
            }
        }
    }

    /** {@code a → b → a}, from {@code target} down the path (top of the stack last) and back to it. */
    private static String cycle(Deque<Partition> path, Partition target) {
        List<PartitionName> names = new ArrayList<>();
        for (Partition p : path) {
            names.add(p.name());
            if (p.name().equals(target.name())) {
                break;
            }
        }
        List<String> ordered = new ArrayList<>();
        for (int i = names.size() - 1; i >= 0; i--) {
            ordered.add(names.get(i).value());
        }
        if (ordered.size() > SHOWN_IN_CYCLE) {
            // A long cycle is named by its start; the whole of it would bury the message.
            int left = ordered.size() - SHOWN_IN_CYCLE;
            ordered = new ArrayList<>(ordered.subList(0, SHOWN_IN_CYCLE));
            ordered.add("… " + left + " more");
        }
        ordered.add(target.name().value());
        return ordered.stream().collect(Collectors.joining(" → "));
    }

    private static void report(ErrorLog errors, Dependency dependency, String message) {
        SourceLocation at = dependency.at();
        errors.add(new SpecError(at.file(), at.line(), at.column(), dependency.field(), message));
    }
}
