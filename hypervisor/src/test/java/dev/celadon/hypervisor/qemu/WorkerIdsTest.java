package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.PartitionName;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkerIdsTest {

    private static final WorkerIdRange RANGE = WorkerIdRange.DEFAULT;
    private static final PartitionName WEB = new PartitionName("web");

    @Test
    void theIdComesFromTheNameAloneAndStaysInTheRange() {
        int id = RANGE.preferred(WEB);
        assertThat(id).isBetween(64000, 64999).isEqualTo(new WorkerIdRange(64000, 64999).preferred(new PartitionName("web")));
        assertThat(WorkerIds.choose(WEB, RANGE, OptionalInt.empty(), Set.of())).isEqualTo(id);
        assertThat(new WorkerIdRange(7, 7).preferred(WEB)).isEqualTo(7);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            seen.add(RANGE.preferred(new PartitionName("p" + i)));
        }
        assertThat(seen).allMatch(RANGE::contains).hasSizeGreaterThan(150); // spread, not clustered
    }

    @Test
    void aTakenIdGoesToTheNextFreeOneWrappingRound() {
        int id = RANGE.preferred(WEB);
        assertThat(WorkerIds.choose(WEB, RANGE, OptionalInt.empty(), Set.of(id, id + 1))).isEqualTo(id + 2);
        WorkerIdRange small = new WorkerIdRange(10, 12);
        int preferred = small.preferred(WEB);
        Set<Integer> others = new HashSet<>(Set.of(10, 11, 12));
        others.remove(preferred == 10 ? 12 : preferred - 1); // the one free id lies before the preferred one
        assertThat(WorkerIds.choose(WEB, small, OptionalInt.empty(), others)).isEqualTo(preferred == 10 ? 12 : preferred - 1);
    }

    @Test
    void theEarlierIdIsKeptWhileFreeAndInTheRange() {
        assertThat(WorkerIds.choose(WEB, RANGE, OptionalInt.of(64123), Set.of())).isEqualTo(64123);
        assertThat(WorkerIds.choose(WEB, RANGE, OptionalInt.of(64123), Set.of(64123))).isEqualTo(RANGE.preferred(WEB));
        assertThat(WorkerIds.choose(WEB, RANGE, OptionalInt.of(1000), Set.of())).isEqualTo(RANGE.preferred(WEB));
    }

    @Test
    void aFullRangeIsAClearError() {
        assertThatThrownBy(() -> WorkerIds.choose(WEB, new WorkerIdRange(5, 6), OptionalInt.empty(), Set.of(5, 6)))
                .hasMessageContaining("all 2 worker ids of celadon.hypervisor.worker-ids=5-6 are taken");
    }

    @Test
    void collidingNamesGetDistinctIdsAndTheChoiceHoldsUntilReleased() {
        WorkerIdRange one = new WorkerIdRange(64000, 64001);
        Map<PartitionName, Integer> recorded = new HashMap<>();
        WorkerIds ids = new WorkerIds(one, () -> recorded);
        int a = ids.allocate(new PartitionName("a"), OptionalInt.empty()).uid();
        int b = ids.allocate(new PartitionName("b"), OptionalInt.empty()).uid();
        assertThat(Set.of(a, b)).containsExactlyInAnyOrder(64000, 64001);
        assertThat(ids.allocate(new PartitionName("a"), OptionalInt.of(a)).uid()).isEqualTo(a);
        assertThatThrownBy(() -> ids.allocate(new PartitionName("c"), OptionalInt.empty())).hasMessageContaining("taken");
        ids.release(new PartitionName("b"));
        assertThat(ids.allocate(new PartitionName("c"), OptionalInt.empty()).uid()).isEqualTo(b);
        // Released here but recorded by another partition's record: still taken.
        recorded.put(new PartitionName("d"), a);
        ids.release(new PartitionName("a"));
        assertThatThrownBy(() -> ids.allocate(new PartitionName("e"), OptionalInt.of(a))).hasMessageContaining("taken");
        recorded.clear();
        assertThat(ids.allocate(new PartitionName("e"), OptionalInt.of(a)).uid()).isEqualTo(a);
    }

    @Test
    void rangesAreParsedStrictly() {
        assertThat(WorkerIdRange.parse(" 64000-64999 ")).isEqualTo(WorkerIdRange.DEFAULT);
        for (String bad : new String[] {"0-10", "10-5", "64000", "a-b", "-1-5", "1-99999999999"}) {
            assertThatThrownBy(() -> WorkerIdRange.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("FIRST-LAST");
        }
    }

    @Test
    void anIsolatedIdentityRunsItsCommandBehindSetprivAndRootRunsItAsIs() {
        assertThat(new WorkerIdentity(64005, 64005).command(List.of("qemu-system-x86_64", "-S"), List.of(), 0)).containsExactly(
                "setpriv", "--reuid=64005", "--regid=64005", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                "--no-new-privs", "--", "qemu-system-x86_64", "-S");
        assertThat(WorkerIdentity.ROOT.command(List.of("qemu-system-x86_64"), List.of(107), 0)).containsExactly("qemu-system-x86_64");
    }

    @Test
    void aWorkerThatMayLockMemoryGetsItsLimitFromPrlimitBeforeSetprivDropsRoot() {
        List<String> command = new WorkerIdentity(64005, 64005).command(List.of("qemu-system-x86_64"), List.of(), 1L << 30);
        assertThat(command.subList(0, 3)).containsExactly("prlimit", "--memlock=1073741824:1073741824", "--");
        assertThat(command.get(3)).as("setpriv by its path").endsWith("/setpriv");
        assertThat(command.subList(4, command.size())).containsExactly("--reuid=64005", "--regid=64005", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", "qemu-system-x86_64");
        assertThat(WorkerIdentity.ROOT.command(List.of("qemu-system-x86_64"), List.of(), 1L << 30)).as("root locks at will")
                .containsExactly("qemu-system-x86_64");
    }

    @Test
    void theGroupsForItsDevicesAreItsOnlySupplementaryOnes() {
        assertThat(new WorkerIdentity(64005, 64005).command(List.of("qemu-system-x86_64"), List.of(107, 108), 0)).containsExactly(
                "setpriv", "--reuid=64005", "--regid=64005", "--groups=107,108", "--inh-caps=-all", "--bounding-set=-all",
                "--no-new-privs", "--", "qemu-system-x86_64");
    }
}
