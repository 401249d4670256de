#!/usr/bin/env python3
"""Kills the nightly recipe (examples/nightly.mk) with SIGKILL inside each of its six stages,
re-running it after each kill, then runs it to the end.

Usage: kill-every-stage.py CALIBRATION_DIR CALIBRATION_URL RUN_DIR KILLS_PER_STAGE SEED

Each DIR holds a Makefile (the recipe) and lists/; the environment names RUN_DIR's server.
CALIBRATION_DIR is run once, clean, against the server at CALIBRATION_URL, to time each stage; in
RUN_DIR, for each stage in order, KILLS_PER_STAGE runs are started and the whole process
group killed at a random moment of that stage: once its process is seen, after a random
fraction of the stage's calibrated time. Before each run the finished checkpoints are noted
(inode and mtime); a run that rewrote one redid a stage it should not have.

Prints one JSON object: the calibrated seconds of each stage, the stage each kill landed in,
the checkpoints redone (must be none), the files left in out/ and the final make status.
"""
import json, os, random, signal, subprocess, sys, time

STAGES = ["validate", "chunk", "gzip", "upload", "poll", "report"]
CHECKPOINTS = ["contacts.ndjson", "chunks.ndjson", "compressed.ndjson", "submitted.ndjson", "polled.ndjson", "report.txt"]


def running_stages(session):
    """The cxv stages running in `session`, read from /proc."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getsid(int(pid)) != session:
                continue
            with open(f"/proc/{pid}/comm") as f:
                name = f.read().strip()
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
        if name.startswith("cxv-") and name[4:] in STAGES:
            found.append(name[4:])
    return found


def start(directory, env=None):
    log = open(os.path.join(directory, "make.log"), "ab")
    return subprocess.Popen(["make", "-k"], cwd=directory, stdout=log, stderr=log, env=env, start_new_session=True)


def calibrate(directory, url):
    """Seconds each stage ran in one clean run, seen every 5 ms."""
    make = start(directory, dict(os.environ, CXONE_BASE_URL=url))
    first, last = {}, {}
    while make.poll() is None:
        now = time.monotonic()
        for stage in running_stages(make.pid):
            first.setdefault(stage, now)
            last[stage] = now
        time.sleep(0.005)
    if make.returncode != 0:
        sys.exit(f"calibration run failed: make exited {make.returncode}")
    return {s: max(last.get(s, 0) - first.get(s, 0), 0.01) for s in STAGES}


def checkpoints(out):
    done = {}
    for name in CHECKPOINTS:
        try:
            st = os.stat(os.path.join(out, name))
            done[name] = (st.st_ino, st.st_mtime_ns)
        except FileNotFoundError:
            pass
    return done


def redone(before, out):
    after = checkpoints(out)
    return [name for name, mark in before.items() if after.get(name) != mark]


def main():
    calibration_dir, calibration_url, run_dir = sys.argv[1:4]
    per_stage, seed = int(sys.argv[4]), int(sys.argv[5])
    rng = random.Random(seed)
    seconds = calibrate(calibration_dir, calibration_url)
    out = os.path.join(run_dir, "out", "big")
    kills, rewritten = [], []
    for index, target in enumerate(STAGES):
        # This stage's share, and whatever the stages before could not use (a kill that came
        # after its stage ended finished that stage: it is never run again).
        for _ in range(per_stage * (index + 1) - len(kills)):
            before = checkpoints(out)
            if CHECKPOINTS[index] in before:
                break
            make = start(run_dir)
            while make.poll() is None and target not in running_stages(make.pid):
                time.sleep(0.002)
            # The last stage has no next one to land in: its kills come in its first half.
            time.sleep(rng.uniform(0, (0.5 if target == STAGES[-1] else 0.8) * seconds[target]))
            hit = running_stages(make.pid)
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
            kills.append({"target": target, "hit": hit[0] if hit else None})
            rewritten += redone(before, out)
    before = checkpoints(out)
    final = subprocess.run(["make", "-k"], cwd=run_dir, capture_output=True)
    rewritten += redone(before, out)
    print(json.dumps({
        "seconds": seconds,
        "kills": kills,
        "redone": rewritten,
        "files": sorted(os.listdir(out)),
        "final_status": final.returncode,
        "final_stderr": final.stderr.decode(errors="replace")[-2000:],
    }))


if __name__ == "__main__":
    main()
