package dev.celadon.reconciler.images;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;

/** The image downloads' HTTP client: HTTP/1.1, no redirects of its own, the configured CA bundle if any. */
public final class ImageHttp {

    private ImageHttp() {
    }

    static HttpClient build(ImageSettings settings) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.connectTimeout());
        settings.caFile().ifPresent(file -> builder.sslContext(trusting(file)));
        return builder.build();
    }

    /** Refuses a CA bundle that cannot be used, at start; the message names the key and value. */
    public static void check(Path caFile) {
        trusting(caFile);
    }

    /**
     * An SSL context that trusts the certificates of a PEM bundle, instead of the JDK's CAs: an appliance
     * fetching from an internal server trusts its CA, not the world's.
     */
    static SSLContext trusting(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("celadon.images.ca-file=" + caFile + ": holds no PEM certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("celadon.images.ca-file=" + caFile + ": " + e.getMessage(), e);
        }
    }
}
