#!/usr/bin/env python3
"""Seeded, deterministic test data for dver's benchmarks, demo and tests.

The same subcommand with the same arguments and seed writes the same bytes on
any machine (Python 3.9 or later; standard library only).

    random FILE --size BYTES --seed N       incompressible bytes
    csv FILE --size BYTES --seed N          sensor CSV: header, then ~64-byte rows
    csv-append FILE --fraction F --seed N   append F * (file size) bytes of new rows
    csv-insert FILE --seed N                insert one new row right after the header
    small DIR --count C --dirs D --min A --max B --seed N
                                            C text files of A..B bytes in D subdirectories
    touch-one DIR --seed N                  modify one file under DIR (prints its path)

Sizes accept suffixes K, M, G (powers of 1024): --size 512M.
"""

import argparse
import calendar
import os
import random
import sys
import time

BLOCK = 16 << 20  # bytes generated and written per step for big files

CSV_HEADER = b"id,timestamp,sensor,value,label\n"
CSV_LABELS = ["ok", "ok", "ok", "ok", "ok", "ok", "warn", "alarm", "calib", "offline"]
CSV_KINDS = ["temp", "humidity", "pressure", "flow", "vibration", "voltage"]
CSV_EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
CSV_STEP_MS = 250  # average spacing of rows in time


def parse_size(text):
    """Parses '1024', '64K', '512M', '1G' (binary multiples) into bytes."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def note(message):
    print(f"gen-data: {message}", file=sys.stderr)


# ---------------------------------------------------------------- random


def write_random(path, size, seed):
    """Writes `size` incompressible bytes from a Mersenne Twister seeded with `seed`."""
    rng = random.Random(f"random:{seed}")
    with open(path, "wb", buffering=0) as out:
        remaining = size
        while remaining > 0:
            n = min(BLOCK, remaining)
            out.write(rng.randbytes(n))
            remaining -= n


# ---------------------------------------------------------------- csv


def _sensor_names(rng):
    names = []
    for site in range(1, 13):
        for kind in CSV_KINDS:
            for unit in range(1, 9):
                names.append(f"site{site:02d}/{kind}-{rng.randrange(1000):03d}{unit}")
    return names


def _second_prefix(second):
    """Formats epoch seconds as 'YYYY-MM-DDTHH:MM:SS.' (UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(second))


class CsvRows:
    """Generates CSV rows with ids from `first_id` on; deterministic for a seed."""

    def __init__(self, seed, first_id, first_ms):
        self.rng = random.Random(f"csv:{seed}")
        self.sensors = _sensor_names(random.Random("csv-sensors"))  # same set in every file
        self.next_id = first_id
        self.ms = first_ms

    def batch(self, count):
        """Returns `count` rows as one bytes object."""
        uniform = self.rng.random  # C-fast; randrange and gauss are pure Python
        sensors, labels = self.sensors, CSV_LABELS
        n_sensors, n_labels, step = len(sensors), len(labels), 2 * CSV_STEP_MS
        row_id, ms = self.next_id, self.ms
        second, prefix = ms // 1000, _second_prefix(ms // 1000)
        lines = []
        append = lines.append
        for row_id in range(row_id, row_id + count):
            ms += int(uniform() * step)
            if ms // 1000 != second:
                second = ms // 1000
                prefix = _second_prefix(second)
            # roughly normal around 50 (sum of three uniforms)
            value = 50.0 + 40.0 * (uniform() + uniform() + uniform() - 1.5)
            append(
                f"{row_id},{prefix}{ms % 1000:03d}Z,{sensors[int(uniform() * n_sensors)]},"
                f"{value:.4f},{labels[int(uniform() * n_labels)]}\n"
            )
        self.next_id, self.ms = row_id + 1, ms
        return "".join(lines).encode()


def write_rows(out, rows, size):
    """Writes rows until `size` bytes are written (the last row may cross it)."""
    written = 0
    while written < size:
        data = rows.batch(max(1, min(65536, (size - written) // 80)))
        out.write(data)
        written += len(data)
    return written


def write_csv(path, size, seed):
    rows = CsvRows(seed, first_id=1, first_ms=CSV_EPOCH_MS)
    with open(path, "wb") as out:
        out.write(CSV_HEADER)
        write_rows(out, rows, max(0, size - len(CSV_HEADER)))


def _last_row(path):
    """Returns (id, epoch ms) of the last row of a CSV written by this tool."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        f.seek(max(0, end - 4096))
        tail = f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
    fields = tail.split(b",")
    if tail == CSV_HEADER.strip() or len(fields) != 5:
        return 0, CSV_EPOCH_MS
    stamp = fields[1].decode()
    seconds = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S"))
    ms = seconds * 1000 + int(stamp[20:23])
    return int(fields[0]), ms


def csv_append(path, fraction, seed):
    last_id, last_ms = _last_row(path)
    size = int(os.path.getsize(path) * fraction)
    rows = CsvRows(f"append:{seed}", first_id=last_id + 1, first_ms=last_ms)
    with open(path, "ab") as out:
        return write_rows(out, rows, size)


def csv_insert(path, seed):
    """Inserts one row after the header by rewriting the file (temp file, then rename)."""
    rows = CsvRows(f"insert:{seed}", first_id=0, first_ms=CSV_EPOCH_MS - 1000)
    row = rows.batch(1)
    temp = f"{path}.gen-data-tmp"
    with open(path, "rb") as src, open(temp, "wb") as dst:
        dst.write(src.readline())
        dst.write(row)
        while block := src.read(BLOCK):
            dst.write(block)
    os.replace(temp, path)
    return row


# ---------------------------------------------------------------- small files

WORDS = (
    "the of and to in is for on that with as by at from data sensor model run batch "
    "value error label train test split image audio frame sample epoch loss score "
    "user order item price region store county river station window result metric "
    "alpha beta gamma delta north south east west red green blue quick lazy brown fox "
    "report summary config version release update change commit branch merge record"
).split()


def _text_lines(rng, n):
    lines = []
    for _ in range(n):
        k = rng.randrange(4, 16)
        words = rng.choices(WORDS, k=k)
        words[0] = words[0].capitalize()
        lines.append(" ".join(words) + ".")
    return lines


def _csv_lines(rng, n):
    return [
        f"{rng.randrange(10**6)},{rng.choice(WORDS)},{rng.uniform(-1e3, 1e3):.3f},{rng.randrange(100)}"
        for _ in range(n)
    ]


def _json_lines(rng, n):
    return [
        f'{{"id": {rng.randrange(10**7)}, "name": "{rng.choice(WORDS)}_{rng.randrange(1000)}", '
        f'"score": {rng.random():.5f}, "tags": ["{rng.choice(WORDS)}", "{rng.choice(WORDS)}"]}}'
        for _ in range(n)
    ]


def _log_lines(rng, n):
    levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
    return [
        f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} "
        f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d} "
        f"{rng.choice(levels)} [{rng.choice(WORDS)}] {' '.join(rng.choices(WORDS, k=rng.randrange(3, 12)))}"
        for _ in range(n)
    ]


SMALL_KINDS = [("txt", _text_lines), ("csv", _csv_lines), ("json", _json_lines), ("log", _log_lines)]


def write_small(root, count, dirs, min_size, max_size, seed):
    """Writes `count` files spread evenly over `dirs` subdirectories of `root`.

    Every file starts with a line naming it, so no two files are identical; the
    rest is drawn from line pools of one kind (prose, CSV, JSON lines, logs)."""
    if os.path.isdir(root) and os.listdir(root):
        sys.exit(f"gen-data: {root} is not empty; remove it first")
    rng = random.Random(f"small:{seed}")
    pools = []
    for ext, make in SMALL_KINDS:
        lines = make(rng, 4000)
        average = sum(len(line) + 1 for line in lines) / len(lines)
        pools.append((ext, lines, average))
    dir_names = [os.path.join(root, f"d{d:03d}") for d in range(dirs)]
    for name in dir_names:
        os.makedirs(name, exist_ok=True)
    total = 0
    for i in range(count):
        ext, lines, average = pools[rng.randrange(len(pools))]
        size = rng.randint(min_size, max_size)
        text = f"# file {i} seed {seed} kind {ext}\n"
        while len(text) < size:
            text += "\n".join(rng.choices(lines, k=int(size / average * 1.2) + 2))
        data = text.encode()[: size - 1] + b"\n"
        path = os.path.join(dir_names[i * dirs // count], f"f{i:06d}.{ext}")
        with open(path, "wb") as out:
            out.write(data)
        total += len(data)
    return total


def _all_files(root):
    found = []
    for base, subdirs, files in os.walk(root):
        subdirs.sort()
        found.extend(os.path.join(base, name) for name in sorted(files))
    return found


def touch_one(root, seed):
    """Appends a line to one file chosen by `seed`; returns its path."""
    files = _all_files(root)
    if not files:
        sys.exit(f"gen-data: no files under {root}")
    path = files[random.Random(f"touch:{seed}").randrange(len(files))]
    with open(path, "ab") as out:
        out.write(f"modified by gen-data touch-one seed {seed}\n".encode())
    return path


# ---------------------------------------------------------------- command line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, target, help_text):
        p = sub.add_parser(name, help=help_text)
        p.add_argument(target)
        p.add_argument("--seed", default="0", help="any integer or string (default 0)")
        return p

    p = command("random", "file", "incompressible bytes")
    p.add_argument("--size", type=parse_size, required=True)
    p = command("csv", "file", "sensor CSV")
    p.add_argument("--size", type=parse_size, required=True)
    p = command("csv-append", "file", "append new rows")
    p.add_argument("--fraction", type=float, default=0.01)
    command("csv-insert", "file", "insert one row after the header")
    p = command("small", "dir", "many small text files")
    p.add_argument("--count", type=int, default=100_000)
    p.add_argument("--dirs", type=int, default=100)
    p.add_argument("--min", type=parse_size, default=1024)
    p.add_argument("--max", type=parse_size, default=8192)
    command("touch-one", "dir", "modify one file")
    args = parser.parse_args(argv)

    started = time.monotonic()
    if args.command == "random":
        write_random(args.file, args.size, args.seed)
        done = f"{args.file}: {args.size} random bytes"
    elif args.command == "csv":
        write_csv(args.file, args.size, args.seed)
        done = f"{args.file}: {os.path.getsize(args.file)} bytes of CSV"
    elif args.command == "csv-append":
        added = csv_append(args.file, args.fraction, args.seed)
        done = f"{args.file}: appended {added} bytes"
    elif args.command == "csv-insert":
        row = csv_insert(args.file, args.seed)
        done = f"{args.file}: inserted {len(row)}-byte row after the header"
    elif args.command == "small":
        if not (0 < args.min <= args.max and args.dirs > 0 and args.count >= 0):
            parser.error("need 0 < --min <= --max and --dirs > 0")
        total = write_small(args.dir, args.count, args.dirs, args.min, args.max, args.seed)
        done = f"{args.dir}: {args.count} files, {total} bytes, {args.dirs} directories"
    else:
        path = touch_one(args.dir, args.seed)
        print(path)
        done = f"modified {path}"
    note(f"{done} ({time.monotonic() - started:.1f} s)")


if __name__ == "__main__":
    main()
