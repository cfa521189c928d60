/// FastCDC 2020 cut-point search ("rolling two bytes", normalized chunking).
///
/// The boundary rule is the plain gear rule, one byte at a time: skip `min` bytes, then for each
/// byte `fp = (fp << 1) &+ gear[byte]`; the chunk ends after the first byte where
/// `fp & mask == 0`, using the small mask before `avg` bytes and the large mask after, and at
/// `max` bytes at the latest. The loops (`FastCDC+Lanes.swift`) compute the same cuts two bytes
/// per step; the tests hold them to a byte-at-a-time rendering of this rule and to known-answer
/// vectors from an independent implementation.
public struct FastCDC: Sendable {
    public let parameters: ChunkerParameters

    public init(parameters: ChunkerParameters = .standard) {
        self.parameters = parameters
    }

    /// All chunk lengths of a complete in-memory buffer.
    public func chunkLengths(_ buffer: UnsafeRawBufferPointer) -> [Int] {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return [] }
        return chunkLengths(base, count: buffer.count, isLast: true)
    }

    public func chunkLengths(_ bytes: [UInt8]) -> [Int] {
        bytes.withUnsafeBytes { chunkLengths($0) }
    }
}
