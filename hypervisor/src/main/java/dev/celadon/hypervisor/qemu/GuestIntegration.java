package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.GuestAgentException;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.qemu.agent.AgentException;
import dev.celadon.hypervisor.qemu.agent.GuestAgentConnection;
import dev.celadon.hypervisor.qemu.agent.GuestInterface;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The integration services of one worker's guest, over qemu-guest-agent (Hyper-V's heartbeat, KVP,
 * time sync and shutdown): apart from process supervision, which never waits on a guest.
 *
 * <p>One agent session is held for the life of the worker, as libvirt holds its agent socket: qemu-ga (7.2, in
 * Debian 12) busy-loops on a vCPU while nothing is connected to the host side of its port, and under TCG that
 * starved a Debian guest's boot for minutes when each probe connected and hung up (image-builder/README.md,
 * "qemu-guest-agent and short agent sessions"). Each use starts with a sync, so what a guest reboot or a
 * silent agent left in the channel is skipped; a session whose channel failed is dropped and made again at the
 * next use. Calls are serialized here: the prober and a stop may come from two threads.
 */
final class GuestIntegration {

    private static final Logger LOG = Logger.getLogger(GuestIntegration.class);

    /** How asking the guest to power off went. */
    enum ShutdownRequest {
        /** The agent accepted the request. */
        SENT,
        /**
         * The agent answered with an error. That does not prove the guest stays up: qemu-ga reports one
         * when its shutdown helper is killed by the very poweroff it started.
         */
        ANSWERED_WITH_ERROR,
        /** Nothing answered: no agent, or not in time. */
        UNANSWERED
    }

    private final PartitionName name;
    private final Path agentSocket;
    private final Duration timeout;
    private volatile GuestInfo last = GuestInfo.UNKNOWN;
    private volatile boolean timeSynced;
    /** Held between calls; null until the first, and after the channel failed or {@link #close()}. Guarded by this. */
    private GuestAgentConnection session;

    GuestIntegration(PartitionName name, Path agentSocket, Duration timeout) {
        this.name = name;
        this.agentSocket = agentSocket;
        this.timeout = timeout;
    }

    /** What the last probe learned; kept when a later one cannot say. */
    GuestInfo last() {
        return last;
    }

    /** A heartbeat and, where the guest tells, OS, hostname and addresses; the clock set once per worker. */
    GuestInfo probe(VmConfig config) throws GuestAgentException {
        try {
            return inSession(agent -> {
                agent.ping();
                Instant heartbeat = Instant.now();
                if (config.integration().timeSync() && !timeSynced) {
                    agent.setTime(Instant.now());
                    timeSynced = true;
                }
                GuestInfo before = last;
                Optional<String> os = optional(() -> agent.osInfo().describe()).or(before::os);
                Optional<String> hostname = optional(agent::hostname).or(before::hostname);
                Optional<List<GuestInterface>> interfaces = optional(agent::interfaces);
                List<String> addresses = interfaces.map(GuestIntegration::addresses).orElse(before.addresses());
                List<GuestInfo.Interface> byMac = interfaces.map(GuestIntegration::byMac).orElse(before.interfaces());
                last = new GuestInfo(Optional.of(heartbeat), os, hostname, addresses, byMac);
                return last;
            });
        } catch (AgentException e) {
            throw new GuestAgentException(name, e.command(), e.getMessage(), e);
        }
    }

    /** Runs a command in the guest through the held session; its exit code. */
    int exec(List<String> command, Duration limit) throws GuestAgentException {
        try {
            return inSession(agent -> agent.exec(command, limit));
        } catch (AgentException e) {
            throw new GuestAgentException(name, e.command(), e.getMessage(), e);
        }
    }

    /** Asks the guest to power off; the session ends with it, as the guest is going down. */
    ShutdownRequest shutdown() {
        try {
            return inSession(agent -> {
                agent.shutdown();
                return ShutdownRequest.SENT;
            });
        } catch (AgentException e) {
            LOG.infof("%s: agent shutdown failed: %s", name, e.getMessage());
            return e.answered() ? ShutdownRequest.ANSWERED_WITH_ERROR : ShutdownRequest.UNANSWERED;
        } finally {
            close();
        }
    }

    /** Drops the held session: the worker is gone or no longer ours to talk to. */
    synchronized void close() {
        if (session != null) {
            session.close();
            session = null;
        }
    }

    private interface SessionCall<T> {
        T call(GuestAgentConnection agent) throws AgentException;
    }

    /** Runs {@code call} on the held session after a sync, making the session first if there is none. */
    private synchronized <T> T inSession(SessionCall<T> call) throws AgentException {
        if (session == null) {
            session = GuestAgentConnection.connect(agentSocket, timeout);
        }
        try {
            session.sync();
            return call.call(session);
        } catch (AgentException e) {
            if (e.channelLost()) {
                close();
            }
            throw e;
        }
    }

    private interface AgentCall<T> {
        T call() throws AgentException;
    }

    /** An optional service: the heartbeat counts even where the guest refuses to tell more. */
    private <T> Optional<T> optional(AgentCall<T> call) {
        try {
            return Optional.of(call.call());
        } catch (AgentException e) {
            LOG.debugf("%s: %s", name, e.getMessage());
            return Optional.empty();
        }
    }

    /** Interfaces with a hardware address (loopback has none worth matching), to find each NIC's addresses by its MAC. */
    private static List<GuestInfo.Interface> byMac(List<GuestInterface> interfaces) {
        return interfaces.stream().filter(nic -> !nic.name().equals("lo") && !nic.hardwareAddress().isEmpty())
                .map(nic -> new GuestInfo.Interface(nic.hardwareAddress(), nic.addresses())).toList();
    }

    private static List<String> addresses(List<GuestInterface> interfaces) {
        List<String> result = new ArrayList<>();
        for (GuestInterface nic : interfaces) {
            if (!nic.name().equals("lo")) {
                result.addAll(nic.addresses());
            }
        }
        return result;
    }
}
