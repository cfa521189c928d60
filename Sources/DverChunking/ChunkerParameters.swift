/// DverChunking: content-defined chunking (FastCDC 2020) over byte buffers.

/// Minimum, average and maximum chunk sizes, and the normalized-chunking masks they imply.
public struct ChunkerParameters: Sendable, Equatable {
    public let minimumSize: Int
    public let averageSize: Int
    public let maximumSize: Int
    /// Stricter mask used before the average size (log2(avg) + 2 bits, normalization level 2).
    public let smallMask: UInt64
    /// Looser mask used after the average size (log2(avg) - 2 bits).
    public let largeMask: UInt64

    /// dver's fixed parameters: 16 KiB / 64 KiB / 256 KiB.
    public static let standard = ChunkerParameters(minimumSize: 16 << 10, averageSize: 64 << 10,
                                                   maximumSize: 256 << 10)

    /// - Precondition: sizes are powers of two with min < avg < max.
    public init(minimumSize: Int, averageSize: Int, maximumSize: Int, normalization: Int = 2) {
        precondition(minimumSize > 0 && minimumSize < averageSize && averageSize < maximumSize,
                     "chunk sizes must satisfy 0 < min < avg < max")
        precondition(averageSize.nonzeroBitCount == 1, "average chunk size must be a power of two")
        self.minimumSize = minimumSize
        self.averageSize = averageSize
        self.maximumSize = maximumSize
        let bits = averageSize.trailingZeroBitCount
        smallMask = Self.mask(bits: bits + normalization)
        largeMask = Self.mask(bits: bits - normalization)
    }

    /// `bits` one-bits ending at bit 62, so that the mask shifted left once still fits.
    public static func mask(bits: Int) -> UInt64 {
        ((UInt64(1) << UInt64(bits)) - 1) << UInt64(63 - bits)
    }
}
