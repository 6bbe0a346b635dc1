package dev.celadon.reconciler.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Readiness tells the truth about a loop that stopped: not only "it synced once", but "it keeps going". */
class ReadinessTest {

    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");

    private final StatusStore store = new StatusStore(new ObjectMapper());

    @Test
    void readyOnceSyncedAndAsLongAsSyncsAndPassesKeepCompleting() {
        store.expectLoop(Duration.ofMinutes(5), Duration.ofMinutes(2), T0);
        assertThat(store.readiness(T0)).isEqualTo(new StatusStore.Readiness(false, true, true));

        store.markSynced(T0.plusSeconds(1));
        assertThat(store.readiness(T0.plusSeconds(1)).ready()).as("synced, but no document shows it yet").isFalse();
        store.markReflectsGit();
        store.markPass(T0.plusSeconds(1));
        assertThat(store.readiness(T0.plusSeconds(2)).ready()).isTrue();

        // Passes go on, syncs stop (the sync task died): DOWN once the sync stall is passed.
        store.markPass(T0.plusSeconds(299));
        assertThat(store.readiness(T0.plusSeconds(300)).ready()).isTrue();
        assertThat(store.readiness(T0.plusSeconds(302))).isEqualTo(new StatusStore.Readiness(true, false, true));

        // Syncs go on, passes stop (the loop died).
        store.markSynced(T0.plusSeconds(420));
        assertThat(store.readiness(T0.plusSeconds(419)).ready()).isTrue();
        assertThat(store.readiness(T0.plusSeconds(421))).isEqualTo(new StatusStore.Readiness(true, true, false));
        store.markPass(T0.plusSeconds(422));
        assertThat(store.readiness(T0.plusSeconds(423)).ready()).isTrue();
    }

    @Test
    void withoutALoopOnlyTheFirstSyncCounts() {
        assertThat(store.readiness(T0).ready()).isFalse();
        store.markReflectsGit();
        assertThat(store.readiness(T0.plus(Duration.ofDays(1))).ready()).isTrue();
    }

    @Test
    void eachCheckIsNamedInTheAnswer() {
        Health.Answer answer = Health.ready(new StatusStore.Readiness(true, false, true));
        assertThat(answer.status()).isEqualTo(503);
        assertThat(new String(answer.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(
                "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"git-first-sync\",\"status\":\"UP\"},"
                        + "{\"name\":\"git-sync-running\",\"status\":\"DOWN\"},"
                        + "{\"name\":\"reconcile-loop-running\",\"status\":\"UP\"}]}");
    }
}
