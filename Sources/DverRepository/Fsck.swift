import DverCore
import DverStore
import DverSystem
import Dispatch
import Synchronization

/// What `dver fsck` found.
public struct FsckReport: Sendable {
    /// Damage: corrupt or missing objects, broken refs.
    public var errors: [String] = []
    /// Harmless leftovers, e.g. packs from an interrupted write, reclaimable.
    public var warnings: [String] = []
    public var packsChecked = 0
    public var objectsChecked = 0
    public var commitsChecked = 0
    public var bytesVerified: UInt64 = 0

    public var isHealthy: Bool { errors.isEmpty }
}

extension Project {
    /// Verifies every pack (index checksum, bounds, and each object's hash after decoding) and
    /// every reference: refs → commits → trees → chunk lists → chunks, and the index's staged ids.
    public func fsck() throws -> FsckReport {
        var report = FsckReport()
        try store.reload()
        try checkLeftovers(&report)
        try checkPacks(&report)
        try checkReferences(&report)
        return report
    }

    private func checkLeftovers(_ report: inout FsckReport) throws {
        let names = Set(try FileSystem.list(layout.packsDirectory).map(\.name))
        for name in names.sorted() where name.hasSuffix(".pack") && !names.contains(String(name.dropLast(5)) + ".idx") {
            report.warnings.append("packs/\(name) has no index (left by an interrupted write); it is unreferenced and can be deleted")
        }
        for entry in try temporaryEntries() where entry.runningPush == nil {
            report.warnings.append(entry.warning)
        }
    }

    private func checkPacks(_ report: inout FsckReport) throws {
        let indexes = store.packIndexes
        let total = indexes.reduce(UInt64(0)) { $0 + $1.packSize }
        progress.start("verifying packs", totalBytes: total, totalItems: nil)
        defer { progress.finish() }
        for index in indexes {
            report.packsChecked += 1
            let name = "packs/\(index.name)"
            if !index.verifyChecksum() { report.errors.append("\(name).idx: index checksum mismatch") }
            if !index.verifyOrder() { report.errors.append("\(name).idx: ids out of order or fan-out table wrong") }
            guard let handle = store.locateHandle(pack: index.name) else { continue }
            do {
                _ = try handle.mapped()
            } catch {
                report.errors.append("\(error)")
                continue
            }
            let problems = Mutex<[String]>([])
            let verified = Atomic<UInt64>(0)
            let count = index.count
            let workers = System.coreCount
            let progress = self.progress
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var position = worker
                while position < count {
                    defer { position += workers }
                    guard let entry = index.entry(at: position) else {
                        problems.withLock { $0.append("\(name).idx: entry \(position) has an unknown kind or codec") }
                        continue
                    }
                    do {
                        let bytes = try handle.read(entry, verify: true)
                        verified.wrappingAdd(UInt64(bytes.count), ordering: .relaxed)
                        progress.advance(bytes: UInt64(entry.storedLength), items: 1)
                        if entry.kind != .chunk {
                            do { try Self.decodeCheck(entry.kind, bytes) } catch {
                                throw StoreError.corruptObject(entry.id, reason: "\(error)")
                            }
                        }
                    } catch {
                        problems.withLock { $0.append("\(name): \(error)") }
                    }
                }
            }
            report.objectsChecked += count
            report.bytesVerified += verified.load(ordering: .relaxed)
            report.errors.append(contentsOf: problems.withLock { $0 }.sorted())
        }
    }

    private static func decodeCheck(_ kind: ObjectKind, _ bytes: [UInt8]) throws {
        switch kind {
        case .chunk: return
        case .chunkList: _ = try ChunkListNode.decode(bytes)
        case .tree: _ = try TreeNode.decode(bytes)
        case .commit: _ = try Commit.decode(bytes)
        }
    }

    private func checkReferences(_ report: inout FsckReport) throws {
        var checked = Set<ObjectID>()
        var errors = [String]()
        func need(_ id: ObjectID, _ kind: ObjectKind, _ context: String) -> Bool {
            // A pack sealed by another writer after the reload above holds what a newer ref names.
            guard let (_, entry) = store.locate(id) ?? ((try? store.reload()).flatMap { store.locate(id) }) else {
                errors.append("\(context): missing \(kind) \(id.hex)")
                return false
            }
            if entry.kind != kind {
                errors.append("\(context): \(id.hex) is a \(entry.kind), expected a \(kind)")
                return false
            }
            return true
        }
        func checkFile(_ ref: FileRef, _ context: String) {
            guard checked.insert(ref.id).inserted else { return }
            if ref.kind.isFile, ref.chunked {
                guard need(ref.id, .chunkList, context) else { return }
                do {
                    let chunks = try ChunkListBuilder.chunks(of: ref.id, store: store)
                    var total: UInt64 = 0
                    for chunk in chunks {
                        total += chunk.length
                        if checked.insert(chunk.id).inserted { _ = need(chunk.id, .chunk, context) }
                    }
                    if total != ref.size { errors.append("\(context): chunk list covers \(total) bytes, tree says \(ref.size)") }
                } catch {
                    errors.append("\(context): \(error)")
                }
            } else {
                _ = need(ref.id, .chunk, context)
            }
        }
        func checkTree(_ id: ObjectID, _ context: String) {
            guard checked.insert(id).inserted, need(id, .tree, context) else { return }
            do {
                for entry in try TreeReader(store: store).entries(id) {
                    let path = "\(context)/\(entry.name)"
                    if entry.kind == .directory { checkTree(entry.id, path) } else { checkFile(FileRef(entry), path) }
                }
            } catch {
                errors.append("\(context): \(error)")
            }
        }
        for record in try repos() {
            var heads = [(String, ObjectID)]()
            for branch in try refs.branches(repo: record.name) {
                do {
                    if let id = try refs.read(repo: record.name, branch: branch) { heads.append(("\(record.name)@\(branch)", id)) }
                } catch {
                    errors.append("\(error)")
                }
            }
            if let detached = record.detachedCommit {
                if let id = ObjectID(hex: detached) { heads.append(("\(record.name)@\(id.shortHex())", id)) } else {
                    errors.append("repo \(record.name): detached commit '\(detached)' is not an id")
                }
            }
            var pending = heads
            while let (context, id) = pending.popLast() {
                guard checked.insert(id).inserted, need(id, .commit, context) else { continue }
                report.commitsChecked += 1
                do {
                    let commit = try store.decodeCommit(id)
                    checkTree(commit.tree, "\(record.name)@\(id.shortHex())")
                    pending.append(contentsOf: commit.parents.map { (context, $0) })
                } catch {
                    errors.append("\(context): \(error)")
                }
            }
        }
        let index = try WorkspaceIndex.load(layout.workspaceIndexFile)
        for entry in index.entries {
            if let staged = entry.staged { checkFile(staged, "index: \(entry.path)") }
        }
        report.errors.append(contentsOf: errors)
    }
}
