import DverCore
import DverSystem

/// The packs of a store as lookups see them: every pack, the multi-pack index layers with the
/// pack each of their pack numbers stands for, and the packs no layer covers.
struct PackSet: Sendable {
    var handles: [PackHandle] = []
    /// Each layer with, per pack number, that pack's handle (nil when the pack is gone).
    var layers: [(index: MultiPackIndex, packs: [PackHandle?])] = []
    /// Packs no layer covers, in `handles` order.
    var uncovered: [PackHandle] = []

    var layerIndexes: [MultiPackIndex] { layers.map(\.index) }

    init() {}

    init(handles: [PackHandle], layers: [MultiPackIndex]) {
        let byName = Dictionary(handles.map { ($0.index.name, $0) }, uniquingKeysWith: { first, _ in first })
        var covered = Set<String>()
        for layer in layers { covered.formUnion(layer.packNames) }
        self.handles = handles
        self.layers = layers.map { ($0, $0.packNames.map { byName[$0] }) }
        uncovered = handles.filter { !covered.contains($0.index.name) }
    }

    /// Uncovered packs newest first, then the layers newest first. A layer's answer is checked
    /// against the pack's own index; if they disagree the pack's index is searched.
    func locate(_ id: ObjectID) -> (PackHandle, PackEntry)? {
        for handle in uncovered.reversed() {
            if let entry = handle.index.find(id) { return (handle, entry) }
        }
        for layer in layers.reversed() {
            guard layer.index.isIntact else {
                // A damaged layer: its packs are searched one by one.
                for case let handle? in layer.packs.reversed() {
                    if let entry = handle.index.find(id) { return (handle, entry) }
                }
                continue
            }
            guard let (number, position) = layer.index.find(id), number < layer.packs.count, let handle = layer.packs[number] else { continue }
            if position < handle.index.count, handle.index.id(at: position) == id, let entry = handle.index.entry(at: position) {
                return (handle, entry)
            }
            if let entry = handle.index.find(id) { return (handle, entry) }
        }
        return nil
    }
}

/// `packs/multi-pack-index`: which layers are in use (FORMAT.md, "Multi-pack index").
enum MultiPackChain {
    static let fileName = "multi-pack-index"
    static let header = "dver multi-pack-index 1"

    /// The layer names the chain lists, oldest first; nil when there is no chain or it is not
    /// one (then every pack is searched on its own).
    static func names(directory: String) -> [String]? {
        guard let text = try? FileSystem.readText("\(directory)/\(fileName)") else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == Substring(header), lines.last == "" else { return nil }
        let names = lines.dropFirst().dropLast().map(String.init)
        guard names.count <= 64, names.allSatisfy(MultiPackIndex.isValidName) else { return nil }
        return names
    }

    /// The chain's layers that can be read; the others are left out (their packs are searched
    /// one by one, and fsck reports them).
    static func load(directory: String, known: [MultiPackIndex]) -> [MultiPackIndex] {
        let byName = Dictionary(known.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return (names(directory: directory) ?? []).compactMap { name in
            byName[name] ?? (try? MultiPackIndex(directory: directory, name: name))
        }
    }

    static func save(_ names: [String], directory: String, durable: Bool) throws {
        let text = ([header] + names).joined(separator: "\n") + "\n"
        try FileSystem.writeAtomically("\(directory)/\(fileName)", text: text, durable: durable)
    }
}

extension ObjectStore {
    /// Uncovered packs that make `updateMultiPackIndex` write a layer.
    static let layerThreshold = 8

    /// Keeps lookups at one binary search per layer: once `layerThreshold` packs are covered by
    /// no layer, writes a layer for them, then merges the newest layer into the one before while
    /// that one is at most twice its size (so there are about log2(objects) layers, and each
    /// object is rewritten that many times over the store's life). `rebuild` writes one layer
    /// for every pack instead (gc). Skipped when another process is doing it.
    /// - Throws: `SystemError` when a layer or the chain cannot be written; lookups stay
    ///   correct without them.
    public func updateMultiPackIndex(durable: Bool, rebuild: Bool = false) throws {
        guard let lock = try? FileLock(path: "\(layout.locksDirectory)/multi-pack-index.lock", timeout: 0) else { return }
        defer { lock.unlock() }
        try reload()
        let directory = layout.packsDirectory
        // Damaged layers are dropped from the list: their packs count as uncovered.
        let current = PackSet(handles: packHandles, layers: multiPackLayers)
        let listed = MultiPackChain.names(directory: directory) ?? []
        var chain: [(name: String, packs: [PackIndex], count: Int)]
        if rebuild {
            guard !current.handles.isEmpty || !listed.isEmpty else { return }
            let packs = current.handles.map(\.index)
            chain = packs.isEmpty ? [] : [(try MultiPackIndex.write(packs: packs, directory: directory, durable: durable), packs, 0)]
        } else {
            guard current.uncovered.count >= Self.layerThreshold else { return }
            chain = current.layers.map { layer in
                (layer.index.name, layer.packs.compactMap { $0?.index }, layer.index.count)
            }
            let fresh = current.uncovered.map(\.index)
            chain.append((try MultiPackIndex.write(packs: fresh, directory: directory, durable: durable), fresh, fresh.reduce(0) { $0 + $1.count }))
            while chain.count >= 2, chain[chain.count - 2].count <= 2 * chain[chain.count - 1].count {
                let newer = chain.removeLast()
                let older = chain.removeLast()
                let packs = older.packs + newer.packs
                try? FileSystem.removeIfExists("\(directory)/\(newer.name)")
                chain.append((try MultiPackIndex.write(packs: packs, directory: directory, durable: durable), packs, packs.reduce(0) { $0 + $1.count }))
            }
        }
        try MultiPackChain.save(chain.map(\.name), directory: directory, durable: durable)
        // Readers that mapped a superseded layer keep reading it until they unmap it.
        let kept = Set(chain.map(\.name))
        for name in listed where !kept.contains(name) { try? FileSystem.removeIfExists("\(directory)/\(name)") }
        try reload()
    }
}

extension ObjectStore {
    /// The layer names `packs/multi-pack-index` lists (none when it is missing or damaged).
    public var multiPackChain: [String] { MultiPackChain.names(directory: layout.packsDirectory) ?? [] }

    /// What is wrong with the multi-pack index, one line each (fsck): a chain that is not one, a
    /// listed layer that is missing or damaged, an entry that disagrees with its pack's index.
    public func multiPackIndexProblems() -> [String] {
        let directory = layout.packsDirectory
        guard FileSystem.exists("\(directory)/\(MultiPackChain.fileName)") else { return [] }
        guard let names = MultiPackChain.names(directory: directory) else {
            return ["packs/\(MultiPackChain.fileName) is damaged"]
        }
        let packs = Dictionary(packIndexes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return names.compactMap { name in
            do {
                let layer = try MultiPackIndex(directory: directory, name: name)
                guard layer.isIntact else { return "packs/\(name): checksum mismatch (the file is damaged)" }
                return layer.problem(packs: packs).map { "packs/\(name): \($0)" }
            } catch {
                return "\(error)"
            }
        }
    }
}
