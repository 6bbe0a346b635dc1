# Celadon: the two commands a newcomer needs are `make run` and `make test`.
# Everything a fresh Debian 12 machine lacks is installed here (apt-get as root, Maven dependencies).

SHELL := /bin/bash
JAVA_HOME ?= $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk-amd64) $(wildcard /usr/lib/jvm/temurin-2[6-9]-jdk-amd64))
export JAVA_HOME
MVN := mvn -B -ntp
IMAGES := $(CURDIR)/image-builder/target/images
APP := reconciler/target/quarkus-app/quarkus-run.jar
APPLIANCE := $(IMAGES)/appliance/celadon.raw
# The demo's state (Git clone, worker records, disks, the embedded demo repository); not under target/,
# so `mvn clean` never pulls the disks from under running demo partitions.
DEMO_STATE := $(CURDIR)/.demo
# The demo's workers run under their own accounts (celadon.hypervisor.isolation=user) where they can reach its
# state: every folder above it lets others pass. A checkout in a private folder (/root is 0700) runs them as
# root (none) instead, and `make run` says so.
DEMO_ISOLATION := $(shell d='$(CURDIR)'; while [ "$$d" != / ]; do case $$(stat -c %A "$$d") in (*x | *t) ;; (*) echo none; exit;; esac; d=$$(dirname "$$d"); done; echo user)
# How a run uses the AOT cache `make build` trains: the same no-machine-code flags it was trained with.
AOT_RUN := -XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching -XX:-AOTStubCaching \
	-XX:AOTCache=$(CURDIR)/reconciler/target/quarkus-app/app.aot

# Debian packages the build, the tests and the demo use.
DEB_PACKAGES := qemu-system-x86 qemu-utils ovmf busybox-static qemu-guest-agent \
	mtools dosfstools gdisk systemd-boot-efi cpio zstd xz-utils git curl chromium python3 openssh-server openssh-client \
	binutils e2fsprogs seabios ipxe-qemu socat zip unzip mmdebstrap gnupg swtpm

# Only the benchmarks use these: wrk for status throughput, libvirt and virt-install for the side-by-side rows.
BENCH_PACKAGES := wrk libvirt-daemon-system libvirt-clients virtinst

.PHONY: deps bench-deps guest guest-debian build image test unit run validate bench clean

## Install what a fresh machine lacks (idempotent; a no-op when everything is there).
deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEB_PACKAGES)"
	@test -x "$(JAVA_HOME)/bin/java" || { echo "no JDK >= 21 found; set JAVA_HOME" >&2; exit 1; }

## The benchmarks' extra packages, and libvirt's daemons started (there is no init system to do it here).
## /dev/kvm gets the group udev would give it (there is no udev either): while libvirt's QEMU user cannot open
## it, libvirtd throws its capabilities cache away at every call and probes QEMU again (2 s each, ~90 s per
## domain start), which would be measured as libvirt's. KVM itself is not used: the benchmarks ask for TCG.
bench-deps: deps
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(BENCH_PACKAGES)"
	@if [ -c /dev/kvm ] && getent group kvm >/dev/null; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
	@pgrep -x virtlogd >/dev/null || /usr/sbin/virtlogd -d
	@pgrep -x libvirtd >/dev/null || /usr/sbin/libvirtd -d

.PHONY: install-packages
install-packages:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "need root to apt-get install:" $$missing >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

## The tiny guest (Debian cloud kernel + busybox initramfs + qemu-guest-agent) under $(IMAGES)/tiny.
guest: deps
	bash image-builder/build-guest.sh $(IMAGES)

## The Debian 12 guest (UEFI: shim + GRUB from its own ESP; cloud-init, qemu-guest-agent, sshd) under
## $(IMAGES)/debian, from this machine's apt sources; see image-builder/README.md. RealGuestIT and DemoIT boot it.
guest-debian: deps
	bash image-builder/build-debian.sh $(IMAGES)

## Packages the reconciler, then trains its AOT cache (JDK 25: faster start; ignored by older JDKs).
build: deps
	$(MVN) -DskipTests package
	bash reconciler/src/main/aot/train.sh $(JAVA_HOME)/bin/java reconciler/target/quarkus-app appliance/jvm.options

## The bootable appliance image (UEFI, GPT: systemd-boot, the UKI and celadon.properties on the ESP, a data
## partition) and its qcow2, under $(IMAGES)/appliance, with two more versions of its UKI for the upgrade
## test; see image-builder/README.md.
image: deps guest build
	bash image-builder/build-appliance.sh $(IMAGES)
	bash image-builder/build-appliance.sh $(IMAGES) --version 0.2-test
	bash image-builder/build-appliance.sh $(IMAGES) --version 0.3-broken --cmdline celadon.upgrade-test-broken=1

## Unit tests only: no QEMU, seconds.
unit: deps
	$(MVN) test

## Every tier: unit tests, 60 s of fuzzing the spec reader (reconciler's `fuzz` profile: Jazzer on
## SpecReaderFuzzTest, about 90 s in all), then integration tests against real QEMU (TCG) and a real
## git daemon, the appliance image booted under OVMF and the Debian guest provisioned by cloud-init among them.
test: deps guest guest-debian image
	$(MVN) verify -Pfuzz -Dceladon-test.images=$(IMAGES) -Dceladon-test.appliance=$(APPLIANCE)

## The reconciler on the embedded demo repository; status on http://localhost:8080.
run: deps guest build
	@echo
	@echo "Celadon: status on http://localhost:8080 (JSON: /status). Stop with Ctrl-C: the partitions keep running."
	@bash reconciler/demo-hints $(DEMO_STATE)
	@[ $(DEMO_ISOLATION) = user ] || echo "Celadon: a folder above $(CURDIR) keeps others out, so the demo's workers run as root (celadon.hypervisor.isolation=none); clone elsewhere to isolate them."
	@echo
	CELADON_STATE_DIR=$(DEMO_STATE) CELADON_IMAGES_DIRS=$(IMAGES) QUARKUS_HTTP_HOST=127.0.0.1 \
		CELADON_HYPERVISOR_ISOLATION=$(DEMO_ISOLATION) \
		$(JAVA_HOME)/bin/java @appliance/jvm.options $(AOT_RUN) -jar $(CURDIR)/$(APP)

## Validate a spec folder without starting anything: make validate DIR=partitions.d
validate: $(APP)
	@reconciler/celadon validate $(or $(DIR),partitions.d)

# The packaged reconciler, for `validate`: packaged again only when a main source or a POM changed, without
# the AOT training of `build`, which a check of specs does not need. Maven's output shows only if it fails.
$(APP): pom.xml hypervisor/pom.xml reconciler/pom.xml $(shell find hypervisor/src/main reconciler/src/main -type f)
	@echo "Packaging the reconciler (Maven; minutes on a first run)"
	@log=$$(mktemp) && trap 'rm -f "$$log"' EXIT && \
		$(MVN) -q -DskipTests -pl reconciler -am package >"$$log" 2>&1 || { cat "$$log" >&2; exit 1; }
	@touch $@

## Benchmarks (JMH, then whole-process with real QEMU); copy the medians to benchmarks/RESULTS.md with the machine.
bench: bench-deps build guest guest-debian image
	$(JAVA_HOME)/bin/java -jar benchmarks/target/benchmarks.jar -rf json -rff benchmarks/target/jmh.json
	$(JAVA_HOME)/bin/java -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
		-cp benchmarks/target/benchmarks.jar dev.celadon.benchmarks.WorkerBenchmark $(IMAGES)
	$(JAVA_HOME)/bin/java -cp benchmarks/target/benchmarks.jar dev.celadon.benchmarks.ConvergeBenchmark \
		$(APP) $(IMAGES) 10 appliance/jvm.options
	$(JAVA_HOME)/bin/java -cp benchmarks/target/benchmarks.jar dev.celadon.benchmarks.StartupBenchmark $(APP) 10 \
		@$(CURDIR)/appliance/jvm.options $(AOT_RUN)
	bash benchmarks/status-throughput.sh $(JAVA_HOME)/bin/java
	$(JAVA_HOME)/bin/java -cp benchmarks/target/benchmarks.jar dev.celadon.benchmarks.ImageDownloadBenchmark 512 7
	$(JAVA_HOME)/bin/java -cp benchmarks/target/benchmarks.jar dev.celadon.benchmarks.DebianBootBenchmark \
		$(APP) $(IMAGES)/debian/debian-12.qcow2 3 appliance/jvm.options
	$(MVN) -pl reconciler -am verify -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false \
		-Dit.test=PartitionThroughputBenchmark -Dfailsafe.failIfNoSpecifiedTests=false \
		-Dceladon-test.images=$(IMAGES) -Dceladon-test.appliance=$(APPLIANCE)

clean:
	$(MVN) -q clean
