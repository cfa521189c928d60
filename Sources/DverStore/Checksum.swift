import CZlib

/// CRC-32 (zlib's, the ISO-HDLC polynomial) for store files that are not content-addressed,
/// such as the workspace index: it detects every single-byte change and every burst of up to
/// 32 bits, at several GB/s — SHA-256 would cost `status` ~4x as much on a 100k-file index.
public enum Checksum {
    /// The CRC-32 of `bytes`, or of what came before followed by `bytes` when `previous` is the
    /// CRC of what came before (so large files can be checksummed piece by piece).
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        var crc = uLong(previous)
        var remaining = bytes.count
        var position = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self)
        while remaining > 0, let pointer = position {
            let step = min(remaining, Int(UInt32.max))
            crc = CZlib.crc32(crc, pointer, uInt(step))
            position = pointer + step
            remaining -= step
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0) }
    }
}
