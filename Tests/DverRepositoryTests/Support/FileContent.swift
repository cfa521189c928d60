import DverTestSupport
import DverCore
import Foundation

/// What a fixture path holds: bytes (optionally executable), a symlink, or a FIFO.
struct FileContent: ExpressibleByStringLiteral, Sendable {
    enum Kind: Sendable {
        case bytes([UInt8], executable: Bool)
        case symlink(String)
        case fifo
    }

    var kind: Kind

    init(stringLiteral text: String) { kind = .bytes(Array(text.utf8), executable: false) }

    init(_ kind: Kind) { self.kind = kind }

    static func bytes(_ bytes: [UInt8]) -> FileContent { FileContent(.bytes(bytes, executable: false)) }

    static func executable(_ text: String) -> FileContent { FileContent(.bytes(Array(text.utf8), executable: true)) }

    static func symlink(to target: String) -> FileContent { FileContent(.symlink(target)) }

    static let fifo = FileContent(.fifo)

    /// Incompressible bytes from a seeded generator.
    static func random(size: Int, seed: UInt64) -> FileContent { .bytes(TestBytes.random(size, seed: seed)) }

    /// CSV-like text rows from a seeded generator.
    static func csv(size: Int, seed: UInt64) -> FileContent { .bytes(TestBytes.csv(size, seed: seed)) }

    /// Whether this is an executable regular file.
    var isExecutable: Bool {
        if case .bytes(_, let executable) = kind { return executable }
        return false
    }

    /// The bytes of a regular file (empty for symlinks and FIFOs).
    var bytes: [UInt8] {
        if case .bytes(let bytes, _) = kind { return bytes }
        return []
    }
}

/// Deterministic test data.
enum TestBytes {
    /// SplitMix64 output, eight bytes little-endian per step, truncated to `count`.
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            withUnsafeBytes(of: generator.next().littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    /// Rows like `1234,sensor-07,0.5123,ok\n` with seeded values, truncated to `count`.
    static func csv(_ count: Int, seed: UInt64, firstRow: Int = 0) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes = [UInt8]()
        bytes.reserveCapacity(count + 64)
        var row = firstRow
        while bytes.count < count {
            bytes.append(contentsOf: csvRow(row, &generator))
            row += 1
        }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    static func csvRow(_ row: Int, _ generator: inout SplitMix64) -> [UInt8] {
        let value = generator.next()
        let sensor = value % 97
        let reading = (value >> 8) % 100_000
        let state = value >> 40 & 1 == 0 ? "ok" : "warn"
        return Array("\(row),sensor-\(sensor),\(reading / 1000).\(reading % 1000),\(state)\n".utf8)
    }
}

