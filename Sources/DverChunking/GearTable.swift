import DverCore

/// The 256-entry gear table of dver's FastCDC (FORMAT.md, "Chunking").
///
/// `gear[b]` is the first eight bytes, big-endian, of SHA-256 of the single byte `b`. Deriving
/// the table from a published hash makes it reproducible from the spec alone.
public enum GearTable {
    /// The table, allocated once and never freed so hot loops can hold a raw pointer to it.
    // Written once during lazy initialization, read-only afterwards.
    nonisolated(unsafe) public static let values: UnsafePointer<UInt64> = {
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        for byte in 0..<256 {
            table[byte] = SHA256.hash([UInt8(byte)]).w0
        }
        return UnsafePointer(table)
    }()

    /// `values[b] << 1`, used by the two-bytes-per-step loop.
    // Written once during lazy initialization, read-only afterwards.
    nonisolated(unsafe) public static let shiftedValues: UnsafePointer<UInt64> = {
        let table = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        for byte in 0..<256 { table[byte] = values[byte] << 1 }
        return UnsafePointer(table)
    }()
}
