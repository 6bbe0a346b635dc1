package dev.celadon.reconciler.status;

import java.util.List;
import java.util.regex.Pattern;

/** The {@code limit} of {@code GET /status/events}: how many of the newest events, every one kept by default. */
final class EventLimit {

    static final String PARAMETER = "limit";
    /** Decimal digits only: no sign, no spaces, no exponent. */
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,10}");
    /** A value quoted back in an error: what was sent, cut short, never the whole of a hostile query string. */
    private static final int QUOTED = 40;

    private EventLimit() {
    }

    /** A {@code limit} that is no count of events. */
    static final class BadLimit extends Exception {
        private final InvalidParameter body;

        BadLimit(String value) {
            super(null, null, false, false);
            String quoted = value.length() > QUOTED ? value.substring(0, QUOTED) + "…" : value;
            this.body = new InvalidParameter(PARAMETER, quoted, PARAMETER + "='" + quoted
                    + "' is not a whole number of events from 1 to " + EventHistory.MAX_RETAINED);
        }

        InvalidParameter body() {
            return body;
        }
    }

    /** The events asked for by the query's {@code limit} values: {@code all} when there are none, one value else. */
    static int asked(List<String> values, int all) throws BadLimit {
        if (values.isEmpty()) {
            return all;
        }
        if (values.size() > 1) {
            throw new BadLimit(String.join(",", values));
        }
        String value = values.getFirst();
        if (!DIGITS.matcher(value).matches()) {
            throw new BadLimit(value);
        }
        long limit = Long.parseLong(value);
        if (limit < 1 || limit > EventHistory.MAX_RETAINED) {
            throw new BadLimit(value);
        }
        return (int) limit;
    }
}
