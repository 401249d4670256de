# cxv — build, test, benchmark and install. `make help` lists the targets.
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
TOOLS := cxv-validate cxv-chunk cxv-gzip cxv-upload cxv-poll cxv-report cxv-sandbox
APT_PACKAGES := zlib1g-dev libdeflate-dev libphonenumber-dev libxml2-dev curl openssl man-db tmux iptables iproute2
BENCH_PACKAGES := gzip pigz miller time bc
DEB_PACKAGES := dpkg-dev binutils lintian debootstrap
BIN_DEBUG = $(shell $(SWIFT) build --show-bin-path)
BIN_RELEASE = $(shell $(SWIFT) build -c release --show-bin-path)

.PHONY: help deps bench-deps deb-deps build release test bench demo man completions fuzz install-files test-network soak test-asan test-tsan install uninstall deb test-deb bench-deb clean

help:
	@echo "make demo      build, start cxv-sandbox and run the six stages on samples/messy-contacts.csv"
	@echo "make test      build and run every test (what CI runs)"
	@echo "make bench     time 1M contacts: offline stages against gzip -6 and mlr, six stages against cxv-sandbox"
	@echo "make test-network   the six stages in a network namespace with packets lost, a partition and resets (root; also in make test)"
	@echo "make soak      10M contacts through the six stages against cxv-sandbox with mild faults: peak memory and time of each stage"
	@echo "make release   optimised binaries"
	@echo "make man       regenerate man/cxv-*.1 from the commands (ArgumentParser's generate-manual); man/cxv.7 is by hand"
	@echo "make completions   regenerate completions/ (bash, zsh, fish) from the commands"
	@echo "make fuzz      run the CSV, NDJSON and XLSX fuzzers (libFuzzer + ASan), FUZZ_TIME seconds each"
	@echo "make test-asan / make test-tsan   every test under the address / thread sanitizer"
	@echo "make install   release binaries, man pages (man1, man7) and bash/zsh/fish completions under \$$(DESTDIR)\$$(PREFIX)"
	@echo "make uninstall remove exactly the files make install put there"
	@echo "make deb       dist/cxv_VERSION_amd64.deb: one program with the Swift runtime linked in, for hosts without Swift"
	@echo "make bench-deb start-up of the packaged program against the release build (target: no slower)"
	@echo "make test-deb  the .deb through lintian, then installed, run and removed in a clean Debian 12 root (root only)"
	@echo "make clean     remove build products"

# Install missing system packages: as root directly, otherwise through sudo.
# A new machine's apt lists may be empty, so a failed install retries after an update.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing$$missing"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
	  { $$sudo apt-get update -q >/dev/null && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi
endef

deps:
	$(call apt_install,$(APT_PACKAGES))

bench-deps:
	$(call apt_install,$(BENCH_PACKAGES))

deb-deps:
	$(call apt_install,$(DEB_PACKAGES))

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Only the tests that break the network below HTTP (iptables in a namespace of their own).
test-network: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter NetworkFaultTests

# Man pages from the commands themselves, dated by the last commit. mdoc wants .Pp, not
# the blank lines the plugin writes between paragraphs (groff -ww warns on each), and the
# `subcommand` it puts in the SYNOPSIS of a command that has none. man/cxv.7 is written by hand.
man: deps
	$(SWIFT) package --allow-writing-to-package-directory generate-manual \
	  --date $$(git log -1 --format=%cs) --authors "cxv engineers"
	mkdir -p man
	for t in $(TOOLS); do \
	  sed -e 's/^$$/.Pp/' -e '/^\.Ar subcommand$$/d' .build/plugins/GenerateManual/outputs/$$t/$$t.1 > man/$$t.1; \
	done

# Shell completions from the commands themselves; a test fails when they are stale.
completions: build
	mkdir -p completions/bash completions/zsh completions/fish
	for t in $(TOOLS); do \
	  "$(BIN_DEBUG)/$$t" --generate-completion-script bash > completions/bash/$$t; \
	  "$(BIN_DEBUG)/$$t" --generate-completion-script zsh > completions/zsh/_$$t; \
	  "$(BIN_DEBUG)/$$t" --generate-completion-script fish > completions/fish/$$t.fish; \
	done

# libFuzzer targets (Fuzz/), built apart so the normal build never sees them. Each runs
# FUZZ_TIME seconds over its committed corpus, adding what it finds; crashes land in
# .build-fuzz/artifacts. Tests/CLITests replays the corpus through the tools on every test run.
FUZZ_TIME ?= 600
FUZZ_BIN = .build-fuzz/x86_64-unknown-linux-gnu/debug
fuzz: deps
	CXV_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address --product fuzz-csv
	CXV_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address --product fuzz-ndjson
	CXV_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address --product fuzz-xlsx
	mkdir -p .build-fuzz/artifacts
	cd .build-fuzz/artifacts && ../../$(FUZZ_BIN)/fuzz-csv -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 \
	  -print_final_stats=1 ../../Fuzz/corpus/csv
	cd .build-fuzz/artifacts && ../../$(FUZZ_BIN)/fuzz-ndjson -max_total_time=$(FUZZ_TIME) -max_len=8192 -timeout=10 \
	  -print_final_stats=1 ../../Fuzz/corpus/ndjson
	# Opening a zip file leaks Foundation's fileSystemRepresentation buffer: suppressed as in test-asan.
	cd .build-fuzz/artifacts && LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt \
	  ../../$(FUZZ_BIN)/fuzz-xlsx -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 \
	  -print_final_stats=1 ../../Fuzz/corpus/xlsx

# Every test under a sanitizer, in a build folder of its own.
test-asan: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/lsan-suppressions.txt \
	  $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan

test-tsan: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan

bench: release bench-deps
	scripts/bench.sh "$(BIN_RELEASE)"

soak: release bench-deps
	scripts/soak.sh "$(BIN_RELEASE)"

demo: build
	scripts/demo.sh "$(BIN_DEBUG)"

# Binaries, man pages, and completions where bash-completion, zsh and fish look for them.
INSTALLED = share/man/man7/cxv.7 $(foreach t,$(TOOLS),bin/$(t) share/man/man1/$(t).1 \
  share/bash-completion/completions/$(t) share/zsh/site-functions/_$(t) share/fish/vendor_completions.d/$(t).fish)

install: release
	$(MAKE) install-files INSTALL_BIN="$(BIN_RELEASE)"

# The copying alone, from INSTALL_BIN (the test installs its debug build this way).
install-files:
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" "$(DESTDIR)$(PREFIX)/share/man/man7" \
	  "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	  "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	install -m 0644 man/cxv.7 "$(DESTDIR)$(PREFIX)/share/man/man7/cxv.7"
	for t in $(TOOLS); do \
	  install -m 0755 "$(INSTALL_BIN)/$$t" "$(DESTDIR)$(PREFIX)/bin/$$t"; \
	  install -m 0644 man/$$t.1 "$(DESTDIR)$(PREFIX)/share/man/man1/$$t.1"; \
	  install -m 0644 completions/bash/$$t "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t"; \
	  install -m 0644 completions/zsh/_$$t "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$t"; \
	  install -m 0644 completions/fish/$$t.fish "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$t.fish"; \
	done

uninstall:
	rm -f $(foreach f,$(INSTALLED),"$(DESTDIR)$(PREFIX)/$(f)")

# The .deb: cxv-validate and the multi-call program `cxv` (Sources/cxv, the other six), built
# in a folder of their own with the Swift runtime and Foundation linked in statically, so the
# package needs no toolchain. They export no symbols (packaging/deb/exports.map): start-up is
# faster and the files smaller.
VERSION = $(shell sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/CXVCore/Support/Version.swift)
DEB = dist/cxv_$(VERSION)_amd64.deb
DEB_BUILD = $(SWIFT) build -c release --static-swift-stdlib --scratch-path .build-deb \
	-Xlinker --version-script=$(CURDIR)/packaging/deb/exports.map
deb: deps deb-deps
	$(DEB_BUILD) --product cxv
	$(DEB_BUILD) --product cxv-validate
	scripts/build-deb.sh "$$($(DEB_BUILD) --show-bin-path)" .build-deb/checkouts

# Timing, so a benchmark and not a test: the package's start-up against the dynamic build.
bench-deb: deb release
	scripts/bench-startup.py $(DEB) "$(BIN_RELEASE)"

# lintian fails on errors only; the warnings left are explained in the README. The clean
# root's tarball is kept in .build-deb between runs.
test-deb: deb
	lintian --fail-on error --info $(DEB)
	sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; $$sudo scripts/test-deb.sh $(DEB) .build-deb

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan .build-deb bench/out dist
