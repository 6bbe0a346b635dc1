package dev.celadon.reconciler.config;

import dev.celadon.hypervisor.qemu.AccelChoice;
import dev.celadon.hypervisor.qemu.WorkerIdRange;
import dev.celadon.hypervisor.qemu.WorkerIsolation;
import dev.celadon.reconciler.source.VerifyMode;
import dev.celadon.reconciler.spec.Quantities;
import dev.celadon.reconciler.status.EventHistory;
import io.quarkus.runtime.configuration.DurationConverter;
import org.eclipse.microprofile.config.spi.Converter;

import java.time.Duration;
import java.util.Locale;

/**
 * The converters of the {@code celadon.*} values whose text can be wrong. Each refuses a bad value with
 * a message that says what is allowed and nothing else: SmallRye puts the key and value before it, and
 * the main class prints {@code key=value: message} as one line ({@link StartupFailure}). They run while the
 * configuration is read, before anything is created, cloned or started.
 */
public final class Converters {

    private Converters() {
    }

    /** {@code auto}, {@code kvm} or {@code tcg}, in any case. */
    public static final class Accel implements Converter<AccelChoice> {
        @Override
        public AccelChoice convert(String value) {
            try {
                return AccelChoice.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("must be auto, kvm or tcg");
            }
        }
    }

    /** {@code none} or {@code user}, in any case. */
    public static final class Isolation implements Converter<WorkerIsolation.Mode> {
        @Override
        public WorkerIsolation.Mode convert(String value) {
            return WorkerIsolation.Mode.parse(value);
        }
    }

    /** {@code FIRST-LAST}, e.g. {@code 64000-64999}. */
    public static final class WorkerIds implements Converter<WorkerIdRange> {
        @Override
        public WorkerIdRange convert(String value) {
            return WorkerIdRange.parse(value);
        }
    }

    /** A worker's most tasks: a whole number from 16 (QEMU's own threads) to 4194304 (the kernel's pid_max). */
    public static final class PidsMax implements Converter<Integer> {
        @Override
        public Integer convert(String value) {
            String digits = value.strip();
            if (!digits.matches("[0-9]{1,7}") || Integer.parseInt(digits) < 16 || Integer.parseInt(digits) > 4_194_304) {
                throw new IllegalArgumentException("must be a whole number from 16 to 4194304");
            }
            return Integer.parseInt(digits);
        }
    }

    /** A size as specs write it ({@code 512Mi}); kept as text, checked here so that a bad one stops the start. */
    public static final class Size implements Converter<String> {
        @Override
        public String convert(String value) {
            try {
                Quantities.parse(value);
                return value;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("must be a size: a whole number with Ki, Mi, Gi or Ti, or plain bytes,"
                        + " e.g. 512Mi");
            }
        }
    }

    /** A duration as Quarkus reads them ({@code 5s}, {@code 500ms}, {@code 2m}), more than zero. */
    public static final class PositiveDuration implements Converter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration duration;
            try {
                duration = DurationConverter.parseDuration(value);
            } catch (RuntimeException e) {
                duration = null;
            }
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("must be a duration of more than zero, e.g. 5s, 500ms or 2m");
            }
            return duration;
        }
    }

    /** {@code none}, {@code openpgp}, {@code ssh} or {@code any}, in any case. */
    public static final class Verify implements Converter<VerifyMode> {
        @Override
        public VerifyMode convert(String value) {
            try {
                return VerifyMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("must be none, openpgp, ssh or any");
            }
        }
    }

    /** {@code true} or {@code false}: MicroProfile reads any other word as false, and a typo would turn a switch off. */
    public static final class TrueOrFalse implements Converter<Boolean> {
        @Override
        public Boolean convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("must be true or false");
            };
        }
    }

    /** How many events the history keeps: a whole number from 1 to {@link EventHistory#MAX_RETAINED}. */
    public static final class EventCount implements Converter<Integer> {
        @Override
        public Integer convert(String value) {
            String digits = value.strip();
            if (!digits.matches("[0-9]{1,6}") || Integer.parseInt(digits) < 1
                    || Integer.parseInt(digits) > EventHistory.MAX_RETAINED) {
                throw new IllegalArgumentException("must be a whole number from 1 to " + EventHistory.MAX_RETAINED);
            }
            return Integer.parseInt(digits);
        }
    }
}
