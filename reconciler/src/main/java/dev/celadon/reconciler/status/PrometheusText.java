package dev.celadon.reconciler.status;

import java.nio.charset.StandardCharsets;

/**
 * Prometheus' text exposition format (version 0.0.4), what {@code /q/metrics} answers with: a family's
 * HELP and TYPE lines, then its samples. Label values are the callers' constants (phases, sync results, actions and outcomes),
 * never input, so they need no escaping.
 */
final class PrometheusText {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder(2048);

    PrometheusText family(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    PrometheusText sample(String name, double value) {
        out.append(name).append(' ').append(value).append('\n');
        return this;
    }

    PrometheusText sample(String name, String label, String labelValue, double value) {
        out.append(name).append('{').append(label).append("=\"").append(labelValue).append("\"} ").append(value)
                .append('\n');
        return this;
    }

    PrometheusText sample(String name, String label, String labelValue, String label2, String label2Value,
                          double value) {
        out.append(name).append('{').append(label).append("=\"").append(labelValue).append("\",").append(label2)
                .append("=\"").append(label2Value).append("\"} ").append(value).append('\n');
        return this;
    }

    byte[] bytes() {
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
