package dev.celadon.hypervisor.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each command's name, arguments and reply, as QEMU 7.2's QMP reference has them. */
class QmpCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static String args(QmpCommand<?> command) {
        return command.arguments() == null ? null : command.arguments().toString();
    }

    @Test
    void commandsWithoutArgumentsOrReply() throws Exception {
        for (QmpCommand.Acknowledged command : java.util.List.<QmpCommand.Acknowledged>of(new QmpCommand.Capabilities(), new QmpCommand.Cont(),
                new QmpCommand.SystemPowerdown(), new QmpCommand.Quit())) {
            assertThat(command.arguments()).as(command.name()).isNull();
            assertThat(command.reply(json("{}"))).isNull();
        }
        assertThat(new QmpCommand.Capabilities().name()).isEqualTo("qmp_capabilities");
        assertThat(new QmpCommand.Cont().name()).isEqualTo("cont");
        assertThat(new QmpCommand.SystemPowerdown().name()).isEqualTo("system_powerdown");
        assertThat(new QmpCommand.Quit().name()).isEqualTo("quit");
    }

    @ParameterizedTest
    @CsvSource({"running, RUNNING", "prelaunch, PRELAUNCH", "inmigrate, INCOMING", "restore-vm, INCOMING",
            "finish-migrate, INCOMING", "shutdown, SHUTDOWN", "guest-panicked, GUEST_PANICKED", "paused, PAUSED",
            "io-error, PAUSED", "watchdog, PAUSED", "internal-error, PAUSED"})
    void queryStatusReadsTheRunState(String qemu, RunStatus expected) throws Exception {
        QmpCommand.QueryStatus command = new QmpCommand.QueryStatus();
        assertThat(command.name()).isEqualTo("query-status");
        assertThat(command.arguments()).isNull();
        assertThat(command.reply(json("{\"status\": \"" + qemu + "\", \"running\": false, \"singlestep\": false}")))
                .isEqualTo(expected);
    }

    @Test
    void cpusAreCountedAndMemoryIsBasePlusPlugged() throws Exception {
        QmpCommand.QueryCpusFast cpus = new QmpCommand.QueryCpusFast();
        assertThat(cpus.name()).isEqualTo("query-cpus-fast");
        assertThat(cpus.arguments()).isNull();
        assertThat(cpus.reply(json("[{\"cpu-index\": 0, \"thread-id\": 7, \"target\": \"x86_64\"},"
                + " {\"cpu-index\": 1, \"thread-id\": 8, \"target\": \"x86_64\"}]"))).isEqualTo(2);
        QmpCommand.QueryMemorySizeSummary memory = new QmpCommand.QueryMemorySizeSummary();
        assertThat(memory.name()).isEqualTo("query-memory-size-summary");
        assertThat(memory.arguments()).isNull();
        assertThat(memory.reply(json("{\"base-memory\": 536870912}"))).isEqualTo(536870912L);
        assertThat(memory.reply(json("{\"base-memory\": 536870912, \"plugged-memory\": 134217728}")))
                .isEqualTo(671088640L);
    }

    @Test
    void balloonTakesBytesAndReportsTheActualSize() throws Exception {
        assertThat(new QmpCommand.SetBalloon(268435456L).name()).isEqualTo("balloon");
        assertThat(args(new QmpCommand.SetBalloon(268435456L))).isEqualTo("{\"value\":268435456}");
        assertThatThrownBy(() -> new QmpCommand.SetBalloon(0)).isInstanceOf(IllegalArgumentException.class);
        QmpCommand.QueryBalloon query = new QmpCommand.QueryBalloon();
        assertThat(query.name()).isEqualTo("query-balloon");
        assertThat(query.reply(json("{\"actual\": 402653184}"))).isEqualTo(402653184L);
    }

    @Test
    void blockResizeAddressesTheNodeByName() {
        QmpCommand.BlockResize resize = new QmpCommand.BlockResize("drive-root", 2147483648L);
        assertThat(resize.name()).isEqualTo("block_resize");
        assertThat(args(resize)).isEqualTo("{\"node-name\":\"drive-root\",\"size\":2147483648}");
        assertThat(resize.reply(JSON.createObjectNode())).isNull();
    }

    @Test
    void blockSizesAreReadByNodeName() throws Exception {
        QmpCommand.QueryBlockSizes query = new QmpCommand.QueryBlockSizes();
        assertThat(query.name()).isEqualTo("query-named-block-nodes");
        assertThat(args(query)).isEqualTo("{\"flat\":true}");
        assertThat(query.reply(json("""
                [{"node-name": "drive-root", "drv": "qcow2", "image": {"virtual-size": 4294967296}},
                 {"node-name": "file-root", "drv": "file", "image": {"virtual-size": 196624}}]""")))
                .isEqualTo(Map.of("drive-root", 4294967296L, "file-root", 196624L));
    }
}
