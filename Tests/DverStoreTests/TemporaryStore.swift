import DverCore
import DverStore
import DverSystem
import Foundation
import Testing

/// A fresh store in its own temporary directory, removed when the fixture is released.
final class TemporaryStore {
    let root: String
    let layout: StoreLayout

    init() throws {
        var template = Array((NSTemporaryDirectory() + "dver-store-test-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        root = String(cString: try #require(created))
        layout = StoreLayout(root: root)
        try layout.create()
    }

    deinit { try? FileSystem.removeTree(root) }

    func openStore() throws -> ObjectStore { try ObjectStore(layout: layout) }

    /// Puts `objects` in order through one writer session and seals it.
    @discardableResult
    func write(_ objects: [StoredObject], codec: Codec = .raw, into store: ObjectStore? = nil) throws -> WriteStatistics {
        let writer = ObjectWriter(store: try store ?? openStore(), settings: WriteSettings(codec: codec, durable: false))
        for object in objects { try writer.put(object.id, kind: object.kind, bytes: object.bytes) }
        return try writer.finish()
    }

    /// File names in `.dver/packs` with the given suffix, sorted.
    func packFiles(_ suffix: String) throws -> [String] {
        try FileSystem.list(layout.packsDirectory).map(\.name).filter { $0.hasSuffix(suffix) }.sorted()
    }

    func packPath(_ name: String) -> String { "\(layout.packsDirectory)/\(name)" }

    /// Rewrites one file in place (packs are created read-only).
    func modify(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
        var bytes = try FileSystem.readFile(path)
        change(&bytes)
        try FileSystem.changeMode(path, 0o644)
        try FileSystem.writeAtomically(path, bytes, durable: false)
    }
}

/// An object to store, with its id computed from its bytes.
struct StoredObject: Sendable, CustomTestStringConvertible {
    var kind: ObjectKind
    var bytes: [UInt8]
    var id: ObjectID { SHA256.hash(bytes) }

    static func chunk(_ bytes: [UInt8]) -> StoredObject { StoredObject(kind: .chunk, bytes: bytes) }
    static func chunk(_ text: String) -> StoredObject { .chunk(Array(text.utf8)) }

    var testDescription: String { "\(kind) of \(bytes.count) bytes" }
}

enum TestData {
    /// Incompressible bytes from SplitMix64.
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        var bytes = [UInt8]()
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            withUnsafeBytes(of: (z ^ (z >> 31)).littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }

    /// Compressible CSV-like text.
    static func text(_ count: Int, seed: Int = 0) -> [UInt8] {
        var text = ""
        var row = seed
        while text.utf8.count < count {
            text += "\(row),sensor-\(row % 17),\(row * 7 % 1000).\(row % 10)\n"
            row += 1
        }
        return Array(text.utf8.prefix(count))
    }
}

/// Runs `body`, which must throw a `StoreError`, and returns it.
func storeError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        Issue.record("expected a StoreError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
