package dev.celadon.reconciler.images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageHttpTest {

    @TempDir
    Path dir;

    @Test
    void aCaBundleMadeByOpensslIsTrusted() throws Exception {
        Path ca = dir.resolve("ca.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=celadon-test-ca", "-keyout", dir.resolve("ca.key").toString(), "-out", ca.toString())
                .redirectErrorStream(true).start();
        openssl.getInputStream().readAllBytes();
        assertThat(openssl.waitFor(60, TimeUnit.SECONDS) && openssl.exitValue() == 0).isTrue();
        assertThat(ImageHttp.trusting(ca).getProtocol()).isEqualTo("TLS");
    }

    @Test
    void aFileThatIsNoBundleNamesTheKeyAndValue() throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        assertThatThrownBy(() -> ImageHttp.check(notPem)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("celadon.images.ca-file=" + notPem + ": ");
        assertThatThrownBy(() -> ImageHttp.check(dir.resolve("absent.pem")))
                .hasMessageStartingWith("celadon.images.ca-file=" + dir.resolve("absent.pem") + ": ");
    }
}
