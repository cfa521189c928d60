#!/usr/bin/env python3
"""Runs a command and reports its peak anonymous memory (RssAnon), which, unlike the peak
RSS of `time -v`, leaves out mapped file pages (dver maps its packs and indexes).

    peak-anon.py OUT CMD...    runs CMD (its output passes through), samples
                               /proc/PID/status every 5 ms, writes "PEAK SECONDS" to OUT
                               (the peak RssAnon in KiB, and CMD's wall time from its
                               start to its exit, without Python's own start-up), and
                               exits with CMD's status.

Sampling can miss a peak shorter than 5 ms; for the benchmarks' commands (seconds of
steady growth) it reads within a few percent of the true peak.
"""

import subprocess
import sys
import threading
import time


def rss_anon_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: peak-anon.py OUT CMD...")
    out, command = sys.argv[1], sys.argv[2:]
    start = time.monotonic()
    child = subprocess.Popen(command)
    ended = []
    waiter = threading.Thread(target=lambda: (child.wait(), ended.append(time.monotonic())))
    waiter.start()
    peak = 0
    while waiter.is_alive():
        peak = max(peak, rss_anon_kib(child.pid))
        time.sleep(0.005)
    waiter.join()
    with open(out, "w") as handle:
        handle.write(f"{peak} {ended[0] - start:.4f}\n")
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
