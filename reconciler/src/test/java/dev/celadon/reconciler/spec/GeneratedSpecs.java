package dev.celadon.reconciler.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.IntFunction;

/** Spec files made to measure, for the tests of the input limits. */
final class GeneratedSpecs {

    static final String HEAD = "apiVersion: celadon.dev/v1alpha1\nkind: Partition\n";
    static final String SPEC = "spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}}\n";

    private GeneratedSpecs() {
    }

    static String minimal(String name) {
        return HEAD + "metadata: {name: " + name + "}\n" + SPEC;
    }

    static String minimal(int index) {
        return minimal(name(index));
    }

    /** PlanBenchmark's partition: a label, two disks, a network with a forwarded port of its own. */
    static String ordinary(int index) {
        return HEAD + """
                metadata:
                  name: %s
                  labels: {tier: web}
                spec:
                  guest: {profile: enlightened}
                  cpus: 1
                  memory: 128Mi
                  maxMemory: 256Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0
                  disks:
                    - name: root
                      image: tiny/base.qcow2
                    - name: scratch
                      size: 1Gi
                  networks:
                    - name: mgmt
                      user: {forwards: [{host: %d, guest: 22}]}
                """.formatted(name(index), 20000 + index);
    }

    static String withThousandLabels(int index) {
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            labels.append(i == 0 ? "" : ", ").append('k').append(i).append(": v");
        }
        return HEAD + "metadata:\n  name: " + name(index) + "\n  labels: {" + labels + "}\n" + SPEC;
    }

    /** Issue 14's commit: a label value of 100 KiB anchored once and aliased 1,999 times, 133 KB in all. */
    static String aliasBomb() {
        StringBuilder bomb = new StringBuilder(HEAD + "metadata:\n  name: bomb\n  labels:\n")
                .append("    k0: &big ").append("a".repeat(100 * 1024)).append('\n');
        for (int i = 1; i < 2000; i++) {
            bomb.append("    k").append(i).append(": *big\n");
        }
        return bomb.append(SPEC).toString();
    }

    /** {@code content} and a comment, {@code bytes} long in UTF-8. */
    static String padded(String content, int bytes) {
        StringBuilder padded = new StringBuilder(content);
        int missing = bytes - content.getBytes(StandardCharsets.UTF_8).length;
        while (missing > 0) {
            int line = Math.min(missing, 100);
            padded.append('#').append("x".repeat(Math.max(0, line - 2))).append(line > 1 ? "\n" : "");
            missing -= line;
        }
        return padded.toString();
    }

    /**
     * {@code count} documents in files {@code part-00000.yaml}, ..., each file holding as many as fit in
     * {@code maxFileBytes}, and one at least.
     */
    static SortedMap<String, String> inFiles(int count, IntFunction<String> document, int maxFileBytes) {
        SortedMap<String, String> files = new TreeMap<>();
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < count; i++) {
            String next = "---\n" + document.apply(i);
            if (!file.isEmpty() && file.length() + next.length() > maxFileBytes) {
                files.put("part-%05d.yaml".formatted(files.size()), file.toString());
                file.setLength(0);
            }
            file.append(next);
        }
        files.put("part-%05d.yaml".formatted(files.size()), file.toString());
        return files;
    }

    static String oneFile(int count, IntFunction<String> document) {
        return inFiles(count, document, Integer.MAX_VALUE).get("part-00000.yaml");
    }

    static Path write(Path dir, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(dir.resolve(file.getKey()), file.getValue());
        }
        return dir;
    }

    private static String name(int index) {
        return "vm-%05d".formatted(index);
    }
}
