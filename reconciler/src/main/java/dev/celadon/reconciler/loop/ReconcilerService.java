package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.reconciler.config.CeladonConfig;
import dev.celadon.reconciler.config.ConfigException;
import dev.celadon.reconciler.config.DemoRepository;
import dev.celadon.reconciler.config.StateDirLock;
import dev.celadon.reconciler.config.StateDirs;
import dev.celadon.reconciler.images.ImageCredentials;
import dev.celadon.reconciler.images.ImageHttp;
import dev.celadon.reconciler.images.ImageSettings;
import dev.celadon.reconciler.source.GitSettings;
import dev.celadon.reconciler.source.GitSource;
import dev.celadon.reconciler.source.Snapshot;
import dev.celadon.reconciler.source.TrustedKeys;
import dev.celadon.reconciler.spec.Durations;
import dev.celadon.reconciler.spec.Quantities;
import dev.celadon.reconciler.spec.SpecLoader;
import dev.celadon.reconciler.spec.SpecRules;
import dev.celadon.reconciler.spec.SpecSet;
import dev.celadon.reconciler.status.Event;
import dev.celadon.reconciler.status.EventHistory;
import dev.celadon.reconciler.status.ReconcileMetrics;
import dev.celadon.reconciler.status.StatusStore;
import dev.celadon.reconciler.upgrade.ApplianceUpgrades;
import dev.celadon.reconciler.upgrade.BootInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Builds the reconcile loop from configuration when the application starts, and stops it (never the
 * partitions) when the application stops.
 */
@ApplicationScoped
public class ReconcilerService {

    private static final Logger LOG = Logger.getLogger(ReconcilerService.class);
    /** How often the loop looks at the workers, independent of Git's poll interval. */
    static final Duration TICK = Duration.ofSeconds(1);

    private final CeladonConfig config;
    private final StatusStore store;
    private final ReconcileMetrics metrics;
    private final EventHistory events;
    private final Instance<Hypervisor> hypervisor;
    private final Instance<ObjectMapper> mapper;
    private final boolean enabled;
    private final String version;
    private StateDirLock lock;
    private ReconcileLoop loop;

    public ReconcilerService(CeladonConfig config, StatusStore store, ReconcileMetrics metrics, EventHistory events,
                             Instance<Hypervisor> hypervisor, Instance<ObjectMapper> mapper,
                             @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.config = config;
        this.store = store;
        this.metrics = metrics;
        this.events = events;
        this.hypervisor = hypervisor;
        this.mapper = mapper;
        this.enabled = config.loop().enabled();
        this.version = version;
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            LOG.info("the reconcile loop is disabled (celadon.loop.enabled=false)");
            return;
        }
        StateDirs dirs = StateDirs.from(config);
        // Before anything touches the workers: a second reconciler on this state dir stops here.
        lock = StateDirLock.acquire(dirs);
        // The history of earlier runs, before this one records anything.
        events.persistIn(dirs.events());
        GitSettings git;
        TrustedKeys trustedKeys;
        try {
            git = gitSettings(dirs);
            trustedKeys = new TrustedKeys(config.git().verify(), config.git().trustedKeysFile(),
                    config.git().allowedSignersFile());
        } catch (IllegalArgumentException e) {
            // Its messages name the key, and a URL in them is without its userinfo: one line, exit 2.
            throw new ConfigException(e.getMessage(), e);
        }
        GitSource source = new GitSource(git, dirs.clone(), trustedKeys, Clock.systemUTC());
        SpecRules rules = new SpecRules(config.passthrough().allowed().orElse(List.of()));
        Optional<BootInfo> boot = bootInfo();
        LoopSettings settings = new LoopSettings(applianceName(), config.appliance().labels(),
                Quantities.parse(config.hypervisor().reservedMemory()), config.git().pollInterval(), TICK,
                boot.map(BootInfo::version).orElse(version), boot.flatMap(BootInfo::slot).orElse(null),
                git.redactedUrl(), git.target(), List.copyOf(config.network().bridges().keySet()),
                config.network().address().isPresent() ? "static" : "dhcp");
        loop = new ReconcileLoop(settings, imageSettings(dirs), gitRevisions(source), dir -> load(dir, rules), hypervisor.get(),
                new Ledger(dirs.ledger(), mapper::get), store, metricsListener(), upgradeSetup(boot, dirs), Clock.systemUTC());
        loop.start();
        LOG.infof("reconciling %s (%s) every %s; state in %s; images from %s; signatures required: %s",
                git.redactedUrl(), settings.branch(), Durations.format(config.git().pollInterval()), dirs.root(),
                dirs.images(config), trustedKeys.mode().value());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (loop != null) {
            // Only the loop stops: every worker keeps running and is adopted by the next start.
            loop.close();
        }
        if (lock != null) {
            lock.close();
        }
    }

    private LoopListener metricsListener() {
        return new LoopListener() {
            @Override
            public void synced(String result) {
                metrics.recordSync(result);
            }

            @Override
            public void reconciled(Duration took) {
                metrics.recordReconcile(took);
            }

            @Override
            public void recorded(Event event) {
                events.record(event);
            }
        };
    }

    /** The appliance's upgrades: its slots, the reboot through PID 1; nothing to upgrade off the appliance. */
    private static ApplianceUpgrades.Setup upgradeSetup(Optional<BootInfo> boot, StateDirs dirs) {
        if (boot.isEmpty()) {
            return ApplianceUpgrades.Setup.none(dirs.upgrade());
        }
        try {
            return ApplianceUpgrades.Setup.of(boot.get(), dirs.upgrade());
        } catch (IOException e) {
            throw new ConfigException("celadon.appliance.boot-file: this is not the appliance's kernel: " + e.getMessage(), e);
        }
    }

    /** What the appliance booted; off the appliance, nothing. A file that cannot be read is a configuration error. */
    private Optional<BootInfo> bootInfo() {
        try {
            return config.appliance().bootFile().map(BootInfo::read);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("celadon.appliance.boot-file: " + e.getMessage(), e);
        }
    }

    private GitSettings gitSettings(StateDirs dirs) {
        CeladonConfig.Git git = config.git();
        String url = git.url().orElseGet(() -> {
            String demo = DemoRepository.ensure(dirs.demoRepository());
            LOG.infof("no celadon.git.url set: using the embedded demo repository %s; commit to its partitions.d/"
                    + " to change what runs", dirs.demoRepository());
            return demo;
        });
        return new GitSettings(url, git.branch(), git.ref(), git.path(), git.sshKeyFile(), git.knownHostsFile(),
                git.tokenFile());
    }

    /** The keys under celadon.images; a credential or CA file that cannot be used stops the start, in one line. */
    private ImageSettings imageSettings(StateDirs dirs) {
        CeladonConfig.Images images = config.images();
        try {
            List<ImageCredentials> credentials = images.credentials().entrySet().stream()
                    .sorted(java.util.Map.Entry.comparingByKey())
                    .map(e -> ImageCredentials.of("celadon.images.credentials." + e.getKey(), e.getKey(),
                            e.getValue().urlPrefix(), e.getValue().tokenFile(), e.getValue().passwordFile()))
                    .toList();
            ImageSettings settings = new ImageSettings(dirs.hypervisor(), dirs.images(config),
                    Quantities.parse(images.maxBytes()), images.cacheRetention(), credentials, images.caFile(),
                    ImageSettings.CONNECT_TIMEOUT, ImageSettings.STALL_TIMEOUT, ImageSettings.THREADS);
            images.caFile().ifPresent(ImageHttp::check);
            return settings;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    private static RevisionSource gitRevisions(GitSource source) {
        return new RevisionSource() {
            @Override
            public Fetched fetch() throws Exception {
                return fetched(source.sync());
            }

            @Override
            public Optional<Fetched> lastKnown() {
                return source.lastCheckout().map(ReconcilerService::fetched);
            }
        };
    }

    private static RevisionSource.Fetched fetched(Snapshot snapshot) {
        return new RevisionSource.Fetched(snapshot.revision(), snapshot.specDir(), snapshot.verification());
    }

    private static SpecSet load(Path dir, SpecRules rules) {
        try {
            return SpecLoader.load(dir, rules);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the specs in " + dir + ": " + e.getMessage(), e);
        }
    }

    private String applianceName() {
        return config.appliance().name().orElseGet(() -> {
            try {
                return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            } catch (IOException e) {
                return "localhost";
            }
        });
    }
}
