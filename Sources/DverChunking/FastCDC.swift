/// FastCDC 2020 cut-point search ("rolling two bytes", normalized chunking).
///
/// The boundary rule is the plain gear rule, one byte at a time: skip `min` bytes, then for each
/// byte `fp = (fp << 1) &+ gear[byte]`; the chunk ends after the first byte where
/// `fp & mask == 0`, using the small mask before `avg` bytes and the large mask after, and at
/// `max` bytes at the latest. The loop below computes the same cuts two bytes per step.
public struct FastCDC: Sendable {
    public let parameters: ChunkerParameters

    public init(parameters: ChunkerParameters = .standard) {
        self.parameters = parameters
    }

    /// The length of the chunk starting at `data`.
    ///
    /// - Parameters:
    ///   - data: the bytes from the chunk's start.
    ///   - count: bytes available; must be at least `maximumSize` unless these are the last bytes
    ///     of the stream.
    public func cutPoint(_ data: UnsafePointer<UInt8>, count: Int) -> Int {
        let minimum = parameters.minimumSize
        if count <= minimum { return count }
        let end = Swift.min(count, parameters.maximumSize)
        let normal = Swift.min(parameters.averageSize, end)
        let gear = GearTable.values
        let gearShifted = GearTable.shiftedValues
        var fingerprint: UInt64 = 0
        var index = minimum

        let smallMask = parameters.smallMask
        let smallMaskShifted = smallMask << 1
        while index + 1 < normal {
            fingerprint = (fingerprint << 2) &+ gearShifted[Int(data[index])]
            if fingerprint & smallMaskShifted == 0 { return index + 1 }
            fingerprint = fingerprint &+ gear[Int(data[index + 1])]
            if fingerprint & smallMask == 0 { return index + 2 }
            index += 2
        }
        if index < normal {
            fingerprint = (fingerprint << 1) &+ gear[Int(data[index])]
            if fingerprint & smallMask == 0 { return index + 1 }
            index += 1
        }

        let largeMask = parameters.largeMask
        let largeMaskShifted = largeMask << 1
        while index + 1 < end {
            fingerprint = (fingerprint << 2) &+ gearShifted[Int(data[index])]
            if fingerprint & largeMaskShifted == 0 { return index + 1 }
            fingerprint = fingerprint &+ gear[Int(data[index + 1])]
            if fingerprint & largeMask == 0 { return index + 2 }
            index += 2
        }
        if index < end {
            fingerprint = (fingerprint << 1) &+ gear[Int(data[index])]
            if fingerprint & largeMask == 0 { return index + 1 }
        }
        return end
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
