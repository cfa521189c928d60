import DverCore
import DverSystem
import HeapModule
import Synchronization

/// One layer of the multi-pack index (FORMAT.md, "Multi-pack index"): the ids of every object of
/// a set of packs, sorted, each with its pack and its position in that pack's index, so that one
/// binary search replaces one per pack. Layers are an accelerator: every hit is checked against
/// the pack's own index, and a layer that cannot be read is ignored (its packs are then searched
/// one by one), so a damaged layer costs speed, never an object.
///
/// Opening a layer checks its size, header and fan-out; its CRC-32 (every byte: a layer that
/// lied about which objects exist would make a stored object look absent) is checked on the
/// first lookup through it, so commands that look nothing up (status) never read it whole.
public final class MultiPackIndex: Sendable {
    public static let magic = Array("DVERMIDX".utf8)
    public static let version: UInt32 = 1
    /// magic(8) version(4) pack count(4) object count(4) reserved(4)
    static let headerSize = 24
    /// pack id(32)
    static let packSize = 32
    /// id(32) pack number(4) position(4)
    static let entrySize = 40
    static let trailerSize = 4
    static let fanoutSize = 256 * 4

    public let name: String
    public let path: String
    /// Names of the packs this layer covers (`pack-<hex>`), by pack number.
    public let packNames: [String]
    public let count: Int
    private let file: MappedFile
    nonisolated(unsafe) private let fanout: UnsafeRawPointer
    nonisolated(unsafe) private let entries: UnsafeRawPointer
    /// 0 until checked, then 1 (intact) or 2 (damaged): read on every lookup, so not behind a lock.
    private let intact = Atomic<UInt8>(0)

    /// Layer file names: `midx-` and 16 lowercase hex digits, `.midx`.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 26, name.hasPrefix("midx-"), name.hasSuffix(".midx") else { return false }
        return bytes[5..<21].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Maps a layer and checks its size, header and fan-out table.
    /// - Throws: `StoreError.corruptFile` saying what is wrong.
    public init(directory: String, name: String) throws {
        guard Self.isValidName(name) else { throw StoreError.corruptFile(path: "\(directory)/\(name)", reason: "not a layer name") }
        self.name = name
        path = "\(directory)/\(name)"
        file = try MappedFile(path: path)
        let bytes = file.bytes
        func damaged(_ reason: String) -> StoreError { .corruptFile(path: "\(directory)/\(name)", reason: reason) }
        guard bytes.count >= Self.headerSize + Self.fanoutSize + Self.trailerSize, let base = bytes.baseAddress,
              Self.magic.elementsEqual(UnsafeRawBufferPointer(start: base, count: 8)) else {
            throw damaged("not a multi-pack index layer")
        }
        let version = UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == Self.version else { throw damaged("version \(version), this dver reads \(Self.version)") }
        let packs = Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        let count = Int(UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 16, as: UInt32.self)))
        guard bytes.count == Self.headerSize + packs * Self.packSize + Self.fanoutSize + count * Self.entrySize + Self.trailerSize else {
            throw damaged("size does not match \(packs) packs and \(count) objects")
        }
        packNames = (0..<packs).map { number in
            "pack-" + ObjectID(bytes: base + Self.headerSize + number * Self.packSize).hex
        }
        self.count = count
        fanout = base + Self.headerSize + packs * Self.packSize
        entries = fanout + Self.fanoutSize
        guard UInt32(bigEndian: fanout.loadUnaligned(fromByteOffset: 255 * 4, as: UInt32.self)) == UInt32(count) else {
            throw damaged("fan-out table does not end at the object count")
        }
    }

    /// Whether the layer's CRC-32 matches its bytes (computed once; two threads asking first
    /// may both compute it, and agree).
    public var isIntact: Bool {
        switch intact.load(ordering: .acquiring) {
        case 1: return true
        case 2: return false
        default:
            let bytes = file.bytes
            let stored = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
            let result = Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 4)])) == stored
            intact.store(result ? 1 : 2, ordering: .releasing)
            return result
        }
    }

    /// The pack number and index position recorded for `id`, if this layer lists it.
    public func find(_ id: ObjectID) -> (pack: Int, position: Int)? {
        guard let position = SortedIDSearch.position(of: id, in: entries, stride: Self.entrySize, fanout: fanout, count: count) else { return nil }
        let record = entries + position * Self.entrySize
        return (Int(UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 32, as: UInt32.self))),
                Int(UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 36, as: UInt32.self))))
    }

    /// What is wrong with this layer beyond its checksum (for fsck): ids out of order, a
    /// fan-out table that miscounts them, or an entry that does not match its pack's index.
    public func problem(packs: [String: PackIndex]) -> String? {
        var previous: ObjectID?
        var counts = [UInt32](repeating: 0, count: 256)
        for position in 0..<count {
            let record = entries + position * Self.entrySize
            let id = ObjectID(bytes: record)
            if let previous, id < previous { return "ids out of order at entry \(position)" }
            previous = id
            counts[Int(id.firstByte)] += 1
            let number = Int(UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 32, as: UInt32.self)))
            let slot = Int(UInt32(bigEndian: record.loadUnaligned(fromByteOffset: 36, as: UInt32.self)))
            guard number < packNames.count else { return "entry \(position) names pack \(number) of \(packNames.count)" }
            if let index = packs[packNames[number]], slot >= index.count || index.id(at: slot) != id {
                return "entry \(position) (\(id.shortHex())) does not match \(packNames[number])"
            }
        }
        var running: UInt32 = 0
        for byte in 0..<256 {
            running += counts[byte]
            if UInt32(bigEndian: fanout.loadUnaligned(fromByteOffset: byte * 4, as: UInt32.self)) != running {
                return "fan-out table miscounts ids"
            }
        }
        return nil
    }
}

// MARK: - Writing

extension MultiPackIndex {
    /// Writes a layer for `packs` (merging their sorted indexes, streamed: memory does not grow
    /// with the object count) and returns its name. An object in two packs is listed twice.
    static func write(packs: [PackIndex], directory: String, durable: Bool) throws -> String {
        var name: String
        repeat {
            name = "midx-" + HexCoding.encode((0..<8).map { _ in UInt8.random(in: 0...255) }) + ".midx"
        } while FileSystem.exists("\(directory)/\(name)")
        let total = packs.reduce(0) { $0 + $1.count }
        guard packs.count <= Int(UInt32.max), total <= Int(UInt32.max) else {
            throw StoreError.corruptFile(path: "\(directory)/\(name)", reason: "too many objects for one layer")
        }
        try FileSystem.writeAtomically("\(directory)/\(name)", durable: durable) { fd in
            var writer = ByteWriter(capacity: (1 << 20) + 4096)
            var crc: UInt32 = 0
            func drain() throws {
                try writer.bytes.withUnsafeBytes { piece in
                    crc = Checksum.crc32(piece, continuing: crc)
                    if let base = piece.baseAddress { try fd.writeAll(base, count: piece.count) }
                }
                writer.removeAll()
            }
            writer.append(contentsOf: magic)
            writer.appendBigEndian(version)
            writer.appendBigEndian(UInt32(packs.count))
            writer.appendBigEndian(UInt32(total))
            writer.appendBigEndian(UInt32(0))
            for pack in packs {
                guard NameRules.isPackName(pack.name), let id = ObjectID(hex: String(pack.name.dropFirst(5))) else {
                    throw StoreError.corruptFile(path: pack.indexPath, reason: "not a pack name")
                }
                writer.append(id)
            }
            var counts = [UInt32](repeating: 0, count: 256)
            for pack in packs {
                for position in 0..<pack.count { counts[Int(pack.id(at: position).firstByte)] += 1 }
            }
            var running: UInt32 = 0
            for byte in 0..<256 {
                running += counts[byte]
                writer.appendBigEndian(running)
            }
            var merge = PackMerge(packs)
            while let (id, pack, position) = merge.next() {
                writer.append(id)
                writer.appendBigEndian(UInt32(pack))
                writer.appendBigEndian(UInt32(position))
                if writer.bytes.count >= 1 << 20 { try drain() }
            }
            try drain()
            writer.appendBigEndian(crc)
            try drain()
        }
        return name
    }
}

/// Merges sorted pack indexes into one sorted stream with a heap of cursors, one per pack.
private struct PackMerge {
    private struct Cursor: Comparable {
        var id: ObjectID
        var pack: Int
        var position: Int
        static func < (lhs: Cursor, rhs: Cursor) -> Bool { lhs.id < rhs.id }
        static func == (lhs: Cursor, rhs: Cursor) -> Bool { lhs.id == rhs.id }
    }

    private let packs: [PackIndex]
    private var heap: Heap<Cursor>

    init(_ packs: [PackIndex]) {
        self.packs = packs
        heap = Heap(packs.indices.filter { packs[$0].count > 0 }.map { Cursor(id: packs[$0].id(at: 0), pack: $0, position: 0) })
    }

    mutating func next() -> (ObjectID, Int, Int)? {
        guard let top = heap.popMin() else { return nil }
        let following = top.position + 1
        if following < packs[top.pack].count {
            heap.insert(Cursor(id: packs[top.pack].id(at: following), pack: top.pack, position: following))
        }
        return (top.id, top.pack, top.position)
    }
}
