package dev.celadon.hypervisor.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;

/**
 * Every QMP command Celadon sends, as a closed set of types (firecracker's {@code VmmAction}): each
 * knows its name, its arguments and how to read its {@code return} value, so a command's shape is
 * written once, here, and a reply is typed where it is used.
 *
 * @param <R> the reply; {@link Void} for commands whose {@code return} is the empty object
 */
public sealed interface QmpCommand<R> {

    /** The name QEMU knows the command by. */
    String name();

    /** The {@code arguments} object, or null for none. */
    default ObjectNode arguments() {
        return null;
    }

    /** The reply, read from the {@code return} value of a successful answer. */
    R reply(JsonNode value);

    /** A command whose answer only says it was done: its {@code return} is the empty object. */
    sealed interface Acknowledged extends QmpCommand<Void> {
        @Override
        default Void reply(JsonNode value) {
            return null;
        }
    }

    /** Leaves capabilities negotiation; the first command of every connection. */
    record Capabilities() implements Acknowledged {
        @Override
        public String name() {
            return "qmp_capabilities";
        }
    }

    /** The VM's run state. */
    record QueryStatus() implements QmpCommand<RunStatus> {
        @Override
        public String name() {
            return "query-status";
        }

        @Override
        public RunStatus reply(JsonNode value) {
            return RunStatus.parse(value.path("status").asText(""));
        }
    }

    /** Lets the CPUs run: the end of a launch. */
    record Cont() implements Acknowledged {
        @Override
        public String name() {
            return "cont";
        }
    }

    /** Sets the balloon's target: the memory the guest may use. */
    record SetBalloon(long bytes) implements Acknowledged {
        public SetBalloon {
            if (bytes <= 0) {
                throw new IllegalArgumentException("a balloon target must be positive: " + bytes);
            }
        }

        @Override
        public String name() {
            return "balloon";
        }

        @Override
        public ObjectNode arguments() {
            return JsonNodeFactory.instance.objectNode().put("value", bytes);
        }
    }

    /** The memory the guest has now, in bytes, as the balloon driver reports it. */
    record QueryBalloon() implements QmpCommand<Long> {
        @Override
        public String name() {
            return "query-balloon";
        }

        @Override
        public Long reply(JsonNode value) {
            return value.path("actual").asLong();
        }
    }

    /** How many vCPUs the machine has: one entry per CPU, read without interrupting the guest. */
    record QueryCpusFast() implements QmpCommand<Integer> {
        @Override
        public String name() {
            return "query-cpus-fast";
        }

        @Override
        public Integer reply(JsonNode value) {
            return value.size();
        }
    }

    /** The machine's RAM in bytes: its base memory plus any plugged in later. */
    record QueryMemorySizeSummary() implements QmpCommand<Long> {
        @Override
        public String name() {
            return "query-memory-size-summary";
        }

        @Override
        public Long reply(JsonNode value) {
            return value.path("base-memory").asLong() + value.path("plugged-memory").asLong();
        }
    }

    /** Grows a block node to {@code bytes}; the guest sees the new capacity. */
    record BlockResize(String nodeName, long bytes) implements Acknowledged {
        @Override
        public String name() {
            return "block_resize";
        }

        @Override
        public ObjectNode arguments() {
            return JsonNodeFactory.instance.objectNode().put("node-name", nodeName).put("size", bytes);
        }
    }

    /** Each named block node's virtual size in bytes, by node name. */
    record QueryBlockSizes() implements QmpCommand<Map<String, Long>> {
        @Override
        public String name() {
            return "query-named-block-nodes";
        }

        @Override
        public ObjectNode arguments() {
            return JsonNodeFactory.instance.objectNode().put("flat", true);
        }

        @Override
        public Map<String, Long> reply(JsonNode value) {
            Map<String, Long> sizes = new HashMap<>();
            for (JsonNode node : value) {
                sizes.put(node.path("node-name").asText(), node.path("image").path("virtual-size").asLong());
            }
            return Map.copyOf(sizes);
        }
    }

    /** Presses the ACPI power button: a guest that handles it shuts down. */
    record SystemPowerdown() implements Acknowledged {
        @Override
        public String name() {
            return "system_powerdown";
        }
    }

    /**
     * The user-mode network's connections ({@code info usernet}, which QMP has no command of its own for): the
     * one place a host can see whether the guest answered a forwarded connection, since QEMU accepts every
     * connection on the host side before it asks the guest.
     */
    record InfoUsernet() implements QmpCommand<String> {
        @Override
        public String name() {
            return "human-monitor-command";
        }

        @Override
        public ObjectNode arguments() {
            return JsonNodeFactory.instance.objectNode().put("command-line", "info usernet");
        }

        @Override
        public String reply(JsonNode value) {
            return value.asText("");
        }
    }

    /** Ends QEMU at once; the answer may be lost as it exits. */
    record Quit() implements Acknowledged {
        @Override
        public String name() {
            return "quit";
        }
    }
}
