package dev.celadon.hypervisor.qemu;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** QEMU 7.2's {@code info usernet}, as it answered for a forward of guest port 80 (host 15555). */
class UsernetTest {

    private static final String HEADER = "Hub -1 (net0):\r\n"
            + "  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n";
    private static final String LISTENING = "  TCP[HOST_FORWARD]   3       127.0.0.1 15555       10.0.2.15    80     0     0\r\n";

    @Test
    void onlyAConnectionTheGuestTookCounts() {
        assertThat(Usernet.established(HEADER + LISTENING, 80)).as("the forward alone").isFalse();
        assertThat(Usernet.established(HEADER
                + "  TCP[SYN_SENT]       8       127.0.0.1 15555       10.0.2.15    80     0     0\r\n" + LISTENING, 80))
                .as("QEMU accepted on the host side and still waits for the guest").isFalse();
        assertThat(Usernet.established(HEADER
                + "  TCP[ESTABLISHED]   20       127.0.0.1 15555       10.0.2.15    80     0     0\r\n" + LISTENING, 80))
                .isTrue();
    }

    @Test
    void anEstablishedConnectionToAnotherGuestPortDoesNotCount() {
        assertThat(Usernet.established(HEADER
                + "  TCP[ESTABLISHED]   20       127.0.0.1  2222       10.0.2.15    22     0     0\r\n" + LISTENING, 80))
                .isFalse();
        assertThat(Usernet.established("", 80)).isFalse();
    }
}
