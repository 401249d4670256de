#!/usr/bin/env python3
"""make bench-deb: the packaged programs' start-up against the build `make install` copies.

For each stage, runs it with empty input (start-up, a little work, exit) from the .deb and
from the dynamic release build in turn, A B A B ..., and takes the ratio pair by pair, so a
machine that slows down mid-run moves both sides of a pair alike. Each stage's median ratio
must be at most 1.00: the package may not start slower than the binaries it replaces.
Usage: bench-startup.py DEB RELEASE_BIN_DIR [PAIRS]
"""
import os, statistics, subprocess, sys, tempfile, time

# cxv-sandbox is left out: with no input it serves until stopped.
STAGES = ["cxv-report", "cxv-chunk", "cxv-gzip", "cxv-upload", "cxv-poll", "cxv-validate"]

def wall(cmd):
    with open(os.devnull, "rb") as empty:
        start = time.perf_counter()
        subprocess.run(cmd, stdin=empty, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={"PATH": "/usr/bin:/bin"})
        return time.perf_counter() - start

def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[-1])
    deb, release = sys.argv[1], sys.argv[2]
    pairs = int(sys.argv[3]) if len(sys.argv) == 4 else 200
    slower = []
    print(f"start-up with empty input, median of {pairs} pairs:")
    print(f"  {'stage':14} {'packaged ms':>11} {'release ms':>10} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as root:
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        for stage in STAGES:
            # The links of /usr/bin, which name the tool to the multi-call program.
            packaged = os.path.join(root, "usr/bin", stage)
            dynamic = os.path.join(release, stage)
            for _ in range(5):  # warm the page cache for both
                wall([packaged]); wall([dynamic])
            timed = [(wall([packaged]), wall([dynamic])) for _ in range(pairs)]
            a = statistics.median(p for p, _ in timed)
            b = statistics.median(d for _, d in timed)
            ratio = statistics.median(p / d for p, d in timed)
            print(f"  {stage:14} {a * 1000:11.2f} {b * 1000:10.2f} {ratio:6.3f}", flush=True)
            if ratio > 1.0:
                slower.append(f"{stage} {ratio:.3f}")
    print("target: every ratio <= 1.00")
    if slower:
        sys.exit("bench-deb: the package starts slower than the release build: " + ", ".join(slower))

main()
