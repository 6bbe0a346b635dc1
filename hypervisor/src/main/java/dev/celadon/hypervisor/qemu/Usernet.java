package dev.celadon.hypervisor.qemu;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads QEMU's {@code info usernet} table. A forwarded connection is listed by the forward's own host address
 * and port (not the client's), as {@code TCP[SYN_SENT]} while QEMU waits for the guest and
 * {@code TCP[ESTABLISHED]} once the guest answered; a guest that refused (nothing listens) makes QEMU drop it.
 */
final class Usernet {

    /** {@code TCP[STATE]  FD  source-address source-port  guest-address guest-port  recv-q send-q}. */
    private static final Pattern TCP_ROW = Pattern.compile(
            "^\\s*TCP\\[(\\w+)]\\s+-?\\d+\\s+\\S+\\s+\\d+\\s+\\S+\\s+(\\d+)\\s", Pattern.MULTILINE);

    private Usernet() {
    }

    /** Whether the table shows a connection the guest accepted on {@code guestPort}. */
    static boolean established(String table, int guestPort) {
        Matcher row = TCP_ROW.matcher(table);
        while (row.find()) {
            if (row.group(1).equals("ESTABLISHED") && Integer.parseInt(row.group(2)) == guestPort) {
                return true;
            }
        }
        return false;
    }
}
