#!/usr/bin/env python3
"""Independent reference for dver's FastCDC chunking rule; writes the known-answer vectors.

This is deliberately the plainest possible reading of the rule documented in
Sources/DverChunking/FastCDC.swift and docs/FORMAT.md ("Chunking"), one byte at a time,
with no shared code and no optimisation, so that it can catch mistakes in the fast Swift loop:

    gear[b]  = first 8 bytes, big-endian, of SHA-256(bytes([b]))
    mask(n)  = n one-bits ending at bit 62: ((1 << n) - 1) << (63 - n)
    small    = mask(log2(avg) + 2), large = mask(log2(avg) - 2)   (normalization level 2)

    chunk starting at offset s with r = remaining bytes:
      if r <= min: the chunk is the r bytes
      fp = 0
      for i in min .. min(r, max) - 1:           # i counts from the chunk start
          fp = ((fp << 1) + gear[data[s + i]]) mod 2^64
          if fp & (small if i < avg else large) == 0: the chunk is i + 1 bytes
      otherwise the chunk is min(r, max) bytes

The seeded input generator is SplitMix64: state += 0x9e3779b97f4a7c15, then the usual
finalizer; each output contributes its 8 bytes little-endian, the last output truncated.

Usage: python3 scripts/reference/fastcdc_reference.py [OUTPUT.json]
(default: Tests/DverChunkingTests/Vectors/fastcdc.json beside this script's repository root)
"""

import hashlib
import json
import os
import sys

MASK64 = (1 << 64) - 1

GEAR = [int.from_bytes(hashlib.sha256(bytes([b])).digest()[:8], "big") for b in range(256)]


def mask(bits):
    return ((1 << bits) - 1) << (63 - bits)


def log2_exact(value):
    assert value > 0 and value & (value - 1) == 0, "average size must be a power of two"
    return value.bit_length() - 1


def cut_point(data, start, minimum, average, maximum):
    """Length of the chunk beginning at data[start]."""
    remaining = len(data) - start
    if remaining <= minimum:
        return remaining
    bits = log2_exact(average)
    small, large = mask(bits + 2), mask(bits - 2)
    end = min(remaining, maximum)
    fp = 0
    for i in range(minimum, end):
        fp = ((fp << 1) + GEAR[data[start + i]]) & MASK64
        if fp & (small if i < average else large) == 0:
            return i + 1
    return end


def chunk_lengths(data, minimum, average, maximum):
    lengths = []
    offset = 0
    while offset < len(data):
        length = cut_point(data, offset, minimum, average, maximum)
        lengths.append(length)
        offset += length
    return lengths


def splitmix64_bytes(seed, length):
    state = seed & MASK64
    out = bytearray()
    while len(out) < length:
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z = z ^ (z >> 31)
        out += z.to_bytes(8, "little")
    return bytes(out[:length])


def generate(input_spec):
    if input_spec["generator"] == "splitmix64":
        return splitmix64_bytes(input_spec["seed"], input_spec["length"])
    if input_spec["generator"] == "zeros":
        return bytes(input_spec["length"])
    raise ValueError("unknown generator " + input_spec["generator"])


STANDARD = {"minimum": 16384, "average": 65536, "maximum": 262144}
# Small sizes give many cuts per case, exercising both masks and the maximum often.
SMALL = {"minimum": 256, "average": 1024, "maximum": 4096}

CASES = [
    ("4 MiB seed 1", {"generator": "splitmix64", "seed": 1, "length": 4 << 20}, STANDARD),
    ("1 MiB seed 42", {"generator": "splitmix64", "seed": 42, "length": 1 << 20}, STANDARD),
    ("1 MiB zeros", {"generator": "zeros", "length": 1 << 20}, STANDARD),
    ("100 bytes seed 3", {"generator": "splitmix64", "seed": 3, "length": 100}, STANDARD),
    ("exactly min seed 5", {"generator": "splitmix64", "seed": 5, "length": 16384}, STANDARD),
    ("min plus one seed 5", {"generator": "splitmix64", "seed": 5, "length": 16385}, STANDARD),
    ("300000 bytes seed 7", {"generator": "splitmix64", "seed": 7, "length": 300000}, STANDARD),
    ("max plus one seed 9", {"generator": "splitmix64", "seed": 9, "length": 262145}, STANDARD),
    ("empty", {"generator": "zeros", "length": 0}, STANDARD),
    ("256 KiB seed 11, small parameters", {"generator": "splitmix64", "seed": 11, "length": 262144}, SMALL),
    ("64 KiB zeros, small parameters", {"generator": "zeros", "length": 65536}, SMALL),
    ("100003 bytes seed 13, small parameters",
     {"generator": "splitmix64", "seed": 13, "length": 100003}, SMALL),
]


def build_vectors():
    cases = []
    for name, input_spec, parameters in CASES:
        data = generate(input_spec)
        lengths = chunk_lengths(data, parameters["minimum"], parameters["average"], parameters["maximum"])
        hashes = []
        offset = 0
        for length in lengths:
            hashes.append(hashlib.sha256(data[offset:offset + length]).hexdigest())
            offset += length
        cases.append({
            "name": name,
            "input": input_spec,
            "parameters": parameters,
            "inputSHA256": hashlib.sha256(data).hexdigest(),
            "chunkLengths": lengths,
            "chunkSHA256": hashes,
        })
    return {
        "comment": "Generated by scripts/reference/fastcdc_reference.py; do not edit by hand.",
        "gearSample": {str(b): "%016x" % GEAR[b] for b in (0, 1, 127, 255)},
        "cases": cases,
    }


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    default = os.path.join(root, "Tests", "DverChunkingTests", "Vectors", "fastcdc.json")
    output = sys.argv[1] if len(sys.argv) > 1 else default
    vectors = build_vectors()
    with open(output, "w") as handle:
        json.dump(vectors, handle, indent=1)
        handle.write("\n")
    for case in vectors["cases"]:
        print("%-40s %3d chunks" % (case["name"], len(case["chunkLengths"])))


if __name__ == "__main__":
    main()
