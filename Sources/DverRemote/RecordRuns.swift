import DverStore

/// Records of one pack grouped into byte ranges, each read with one ranged GET: records in
/// offset order, a run extended while the gap to the next record is under 256 KiB and the run
/// stays within 16 MiB (a record larger than that is a run of its own).
enum RecordRuns {
    struct Run: Sendable {
        /// Where the run starts in the pack: the first record's header.
        var offset: UInt64
        var length: Int
        var entries: [PackEntry]
    }

    /// The runs covering `entries`, which must be bounds-checked against their pack
    /// (`ReceivedRecords.checkBounds`), so no arithmetic here overflows.
    static func plan(_ entries: [PackEntry]) -> [Run] {
        var runs = [Run]()
        var current = [PackEntry]()
        var start: UInt64 = 0
        var end: UInt64 = 0
        for entry in entries.sorted(by: { $0.offset < $1.offset }) {
            let recordStart = entry.offset - UInt64(PackFormat.recordHeaderSize)
            let recordEnd = entry.offset + UInt64(entry.storedLength)
            if !current.isEmpty, recordStart <= end + (256 << 10), recordEnd - start <= 16 << 20 {
                current.append(entry)
                end = max(end, recordEnd)
                continue
            }
            if !current.isEmpty { runs.append(Run(offset: start, length: Int(end - start), entries: current)) }
            current = [entry]
            start = recordStart
            end = recordEnd
        }
        if !current.isEmpty { runs.append(Run(offset: start, length: Int(end - start), entries: current)) }
        return runs
    }

    /// The record of `entry` (header and stored bytes) inside `bytes`, which start at pack
    /// offset `base`; nil when it does not lie inside them.
    static func record(_ entry: PackEntry, in bytes: UnsafeRawBufferPointer, base: UInt64) -> UnsafeRawBufferPointer? {
        guard entry.offset >= base + UInt64(PackFormat.recordHeaderSize), let pointer = bytes.baseAddress else { return nil }
        let header = Int(entry.offset - base) - PackFormat.recordHeaderSize
        let end = Int(entry.offset - base) + Int(entry.storedLength)
        guard end <= bytes.count else { return nil }
        return UnsafeRawBufferPointer(start: pointer + header, count: end - header)
    }
}
