package dev.celadon.reconciler.spec;

/** Placeholder until the spec parser lands: formats bytes as the shortest exact binary unit. */
public final class Quantities {
    private Quantities() {
    }

    public static String format(long bytes) {
        String[] units = {"", "Ki", "Mi", "Gi", "Ti"};
        int unit = 0;
        while (unit < units.length - 1 && bytes != 0 && bytes % 1024 == 0) {
            bytes /= 1024;
            unit++;
        }
        return bytes + units[unit];
    }
}
