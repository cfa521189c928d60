import CZlib
import CZstd
import DverCore

/// How a record's bytes are stored in a pack.
public enum Codec: UInt8, Sendable, CustomStringConvertible {
    case raw = 0
    case zstd = 1
    case zlib = 2

    public var description: String {
        switch self {
        case .raw: "raw"
        case .zstd: "zstd"
        case .zlib: "zlib"
        }
    }

    public init?(name: String) {
        switch name {
        case "raw", "none": self = .raw
        case "zstd": self = .zstd
        case "zlib": self = .zlib
        default: return nil
        }
    }
}

/// Compresses records for one pack writer. Not thread-safe: one per writer.
public final class Compressor {
    public let codec: Codec
    public let level: Int32
    private let zstdContext: OpaquePointer?
    private var scratch: [UInt8] = []

    public init(codec: Codec, level: Int32? = nil) {
        self.codec = codec
        switch codec {
        case .zstd:
            self.level = level ?? 1
            zstdContext = ZSTD_createCCtx()
        case .zlib:
            self.level = level ?? 1
            zstdContext = nil
        case .raw:
            self.level = 0
            zstdContext = nil
        }
    }

    deinit {
        if let zstdContext { ZSTD_freeCCtx(zstdContext) }
    }

    /// Returns the compressed bytes when they save at least 1/32 of the input; nil otherwise
    /// (the caller then stores the record raw). Inputs that look random are not tried.
    public func compress(_ input: UnsafeRawBufferPointer) -> (Codec, ArraySlice<UInt8>)? {
        guard codec != .raw, input.count >= 64, let base = input.baseAddress else { return nil }
        if input.count >= 1024, ByteEntropy.looksIncompressible(input) { return nil }
        let limit = input.count - input.count / 32
        switch codec {
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
            let written = scratch.withUnsafeMutableBytes { out in
                ZSTD_compressCCtx(zstdContext, out.baseAddress, out.count, base, input.count, level)
            }
            guard ZSTD_isError(written) == 0, written < limit else { return nil }
            return (.zstd, scratch[..<written])
        case .zlib:
            var length = compressBound(uLong(input.count))
            if scratch.count < Int(length) { scratch = [UInt8](repeating: 0, count: Int(length)) }
            let status = scratch.withUnsafeMutableBytes { out in
                compress2(out.baseAddress?.assumingMemoryBound(to: Bytef.self), &length,
                          base.assumingMemoryBound(to: Bytef.self), uLong(input.count), level)
            }
            guard status == Z_OK, Int(length) < limit else { return nil }
            return (.zlib, scratch[..<Int(length)])
        case .raw:
            return nil
        }
    }
}

/// Decompression of stored records.
public enum Decompressor {
    /// Decodes `stored` into exactly `rawLength` bytes at `output`.
    /// - Throws: a description of the failure.
    public static func decode(_ codec: Codec, _ stored: UnsafeRawBufferPointer,
                              into output: UnsafeMutableRawBufferPointer) throws(DecompressionFailure) {
        switch codec {
        case .raw:
            guard stored.count == output.count else { throw DecompressionFailure("length mismatch") }
            if let source = stored.baseAddress, let destination = output.baseAddress {
                destination.copyMemory(from: source, byteCount: stored.count)
            }
        case .zstd:
            let result = ZSTD_decompress(output.baseAddress, output.count, stored.baseAddress, stored.count)
            if ZSTD_isError(result) != 0 {
                throw DecompressionFailure("zstd: " + String(cString: ZSTD_getErrorName(result)))
            }
            guard result == output.count else { throw DecompressionFailure("zstd produced \(result) bytes, expected \(output.count)") }
        case .zlib:
            var length = uLongf(output.count)
            let status = uncompress(output.baseAddress?.assumingMemoryBound(to: Bytef.self), &length,
                                    stored.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(stored.count))
            guard status == Z_OK else { throw DecompressionFailure("zlib error \(status)") }
            guard Int(length) == output.count else { throw DecompressionFailure("zlib produced \(length) bytes, expected \(output.count)") }
        }
    }
}

public struct DecompressionFailure: Error, Sendable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// A cheap test for data that will not compress: order-0 entropy of a byte sample.
enum ByteEntropy {
    /// True when a sample of up to 4 KiB has more than 7.5 bits of entropy per byte.
    static func looksIncompressible(_ input: UnsafeRawBufferPointer) -> Bool {
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        let sampleCount = min(input.count, 4096)
        let stride = max(1, input.count / sampleCount)
        var histogram = [UInt32](repeating: 0, count: 256)
        histogram.withUnsafeMutableBufferPointer { counts in
            var position = 0
            for _ in 0..<sampleCount {
                counts[Int(base[position])] += 1
                position += stride
            }
        }
        var entropy = 0.0
        let total = Double(sampleCount)
        for count in histogram where count > 0 {
            let p = Double(count) / total
            entropy -= p * log2(p)
        }
        // A 4 KiB sample of uniform random bytes measures ~7.95 bits; text is below 6.
        return entropy > 7.5
    }
}

#if canImport(Glibc)
import Glibc
#endif
