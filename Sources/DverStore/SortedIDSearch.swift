import DverCore

/// Finds an id in a table of records sorted by id (a pack index, a multi-pack index layer).
///
/// SHA-256 ids are spread evenly, so the search starts where the id's bytes after the first
/// place it within its fan-out bucket, widens from there by doubling steps until the id is
/// bracketed, then halves: its probes stay within a page or two of a large table (the first
/// guess is off by about the square root of the bucket's size), where halving from the
/// bucket's ends touches a dozen pages (a 10M-object first commit, which looks up every
/// object: 30.3 s → 27.5–29.1 s). Every probe stays inside the bucket and every step narrows
/// it, so a table that is not sorted (a damaged file) gives a wrong answer, never a trap or an
/// endless loop.
enum SortedIDSearch {
    /// The position of `id` among `count` records, looked for in its fan-out bucket (`fanout`:
    /// 256 big-endian running counts of ids by first byte).
    static func position(of id: ObjectID, in records: UnsafeRawPointer, stride: Int, fanout: UnsafeRawPointer, count: Int) -> Int? {
        let range = bucket(Int(id.firstByte), fanout: fanout, count: count)
        return position(of: id, in: records, stride: stride, low: range.lowerBound, high: range.upperBound)
    }

    /// The positions of ids whose first byte is `first`, as the fan-out table says, within
    /// `0..<count`; empty when the table is damaged and its counts fall.
    static func bucket(_ first: Int, fanout: UnsafeRawPointer, count: Int) -> Range<Int> {
        let low = first == 0 ? 0 : Int(UInt32(bigEndian: fanout.loadUnaligned(fromByteOffset: (first - 1) * 4, as: UInt32.self)))
        let high = min(count, Int(UInt32(bigEndian: fanout.loadUnaligned(fromByteOffset: first * 4, as: UInt32.self))))
        return low < high ? low..<high : high..<high
    }

    /// The position of `id` in `low..<high` of the records at `records`, `stride` bytes apart,
    /// each starting with its 32-byte id; nil when it is not there.
    static func position(of id: ObjectID, in records: UnsafeRawPointer, stride: Int, low: Int, high: Int) -> Int? {
        guard low < high else { return nil }
        func key(at position: Int) -> ObjectID { ObjectID(bytes: records + position * stride) }
        var low = low
        var high = high
        // Bytes 1-8 of the id as a fraction of the bucket (byte 0 chose the bucket).
        let fraction = id.w0 << 8 | id.w1 >> 56
        let guess = low + Int(truncatingIfNeeded: fraction.multipliedFullWidth(by: UInt64(high - low)).high)
        let found = key(at: guess)
        if found == id { return guess }
        if found < id {
            low = guess + 1
            var step = 1
            while guess + step < high {
                let probe = key(at: guess + step)
                if probe == id { return guess + step }
                if id < probe {
                    high = guess + step
                    break
                }
                low = guess + step + 1
                step *= 2
            }
        } else {
            high = guess
            var step = 1
            while guess - step >= low {
                let probe = key(at: guess - step)
                if probe == id { return guess - step }
                if probe < id {
                    low = guess - step + 1
                    break
                }
                high = guess - step
                step *= 2
            }
        }
        while low < high {
            let middle = (low + high) / 2
            let candidate = key(at: middle)
            if candidate == id { return middle }
            if candidate < id { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}
