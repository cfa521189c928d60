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
    /// Some object is damaged or missing: the errors name the branches and paths that need it.
    public var objectsDamagedOrMissing = false
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
        let damaged = try checkPacks(&report)
        for problem in store.multiPackIndexProblems() {
            report.errors.append("\(problem); lookups search every pack meanwhile, and `dver gc` writes it anew")
        }
        do {
            _ = try registry()
        } catch {
            // Nothing else can be checked without the repo list.
            report.errors.append(Self.describe(error))
            return report
        }
        try checkReferences(&report, damaged: damaged)
        try checkCommitSets(&report)
        try checkIndexPaths(&report)
        return report
    }

    /// Every commit-set record parses, names valid repos and commits, and each commit it names
    /// is in the store as a commit of that repo.
    private func checkCommitSets(_ report: inout FsckReport) throws {
        for entry in try FileSystem.list(layout.commitSetsDirectory) where entry.name.hasSuffix(".json") {
            let path = "\(layout.commitSetsDirectory)/\(entry.name)"
            do {
                let record = try CommitSetRecord.load(path)
                for (repo, hex) in record.commits.sorted(by: { $0.key < $1.key }) {
                    guard let id = ObjectID(hex: hex), store.contains(id) else {
                        report.errors.append("sets/\(entry.name): commit \(hex) of '\(repo)' is missing")
                        continue
                    }
                    if try store.decodeCommit(id).repo != repo {
                        report.errors.append("sets/\(entry.name): \(id.shortHex()) is not a commit of '\(repo)'")
                    }
                }
            } catch {
                report.errors.append(Self.describe(error))
            }
        }
    }

    /// Every path the index tracks lies in a repo's mount (a mount changed by hand in
    /// `repos.json` leaves the index describing files no repo owns).
    private func checkIndexPaths(_ report: inout FsckReport) throws {
        let mounts = try repos().map(\.mount)
        let index = try WorkspaceIndex.load(layout.workspaceIndexFile)
        let stray = index.entries.filter { entry in !mounts.contains { RepoPath.isWithin(entry.path, $0) } }
        if let first = stray.first {
            report.errors.append("index: \(stray.count) tracked paths (e.g. '\(first.path)') lie in no repo's mount; was .dver/repos.json edited? Restore the mount or run 'dver restore --staged .'")
        }
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

    /// - Returns: the objects whose records are damaged (or in a pack that cannot be read).
    private func checkPacks(_ report: inout FsckReport) throws -> Set<ObjectID> {
        let damaged = Mutex<Set<ObjectID>>([])
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
                report.errors.append(Self.describe(error))
                damaged.withLock { set in set.formUnion((0..<index.count).compactMap { index.entry(at: $0)?.id }) }
                continue
            }
            // A damaged trailer: the records are still checked one by one, to tell which are affected.
            do { try handle.verifyTrailer() } catch { report.errors.append(Self.describe(error)) }
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
                        let problem = index.entryProblem(at: position) ?? "entry \(position) is invalid"
                        problems.withLock { $0.append("\(name).idx: \(problem)") }
                        continue
                    }
                    do {
                        try handle.verifyRecordHeader(entry)
                        let bytes = try handle.read(entry, verify: true)
                        verified.wrappingAdd(UInt64(bytes.count), ordering: .relaxed)
                        progress.advance(bytes: UInt64(entry.storedLength), items: 1)
                        if entry.kind != .chunk {
                            do { try Self.decodeCheck(entry.kind, bytes) } catch {
                                throw StoreError.corruptObject(entry.id, reason: "\(error)")
                            }
                        }
                    } catch {
                        problems.withLock { $0.append("\(name): \(Self.describe(error))") }
                        damaged.withLock { _ = $0.insert(entry.id) }
                    }
                }
            }
            report.objectsChecked += count
            report.bytesVerified += verified.load(ordering: .relaxed)
            report.errors.append(contentsOf: problems.withLock { $0 }.sorted())
        }
        let result = damaged.withLock { $0 }
        if !result.isEmpty { report.objectsDamagedOrMissing = true }
        return result
    }

    /// An error as fsck reports it: without the advice to run fsck that other commands give.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? StoreError else { return "\(error)" }
        if case .corruptFile = error { return error.problem + "; restore it from a backup or remove it" }
        return error.problem
    }

    private static func decodeCheck(_ kind: ObjectKind, _ bytes: [UInt8]) throws {
        switch kind {
        case .chunk: return
        case .chunkList: _ = try ChunkListNode.decode(bytes)
        case .tree: _ = try TreeNode.decode(bytes)
        case .commit: _ = try Commit.decode(bytes)
        }
    }

    private func checkReferences(_ report: inout FsckReport, damaged: Set<ObjectID>) throws {
        var checked = Set<ObjectID>()
        var errors = [String]()
        @discardableResult
        func need(_ id: ObjectID, _ kind: ObjectKind, _ context: String) -> PackEntry? {
            // A pack sealed by another writer after the reload above holds what a newer ref names.
            guard let (_, entry) = store.locate(id) ?? ((try? store.reload()).flatMap { store.locate(id) }) else {
                errors.append("\(context): missing \(kind) \(id.hex)")
                report.objectsDamagedOrMissing = true
                return nil
            }
            if damaged.contains(id) {
                // What the damage affects: the first branch and path found needing the object.
                errors.append("\(context): needs the damaged \(kind) \(id.hex)")
            }
            if entry.kind != kind {
                errors.append("\(context): \(id.hex) is a \(entry.kind), expected a \(kind)")
                return nil
            }
            return entry
        }
        func checkFile(_ ref: FileRef, _ context: String) {
            guard checked.insert(ref.id).inserted else { return }
            if ref.kind.isFile, ref.chunked {
                guard need(ref.id, .chunkList, context) != nil else { return }
                do {
                    let chunks = try ChunkListBuilder.chunks(of: ref.id, store: store)
                    var total: UInt64 = 0
                    for chunk in chunks {
                        total += chunk.length
                        if checked.insert(chunk.id).inserted { need(chunk.id, .chunk, context) }
                    }
                    if total != ref.size { errors.append("\(context): chunk list covers \(total) bytes, tree says \(ref.size)") }
                } catch {
                    errors.append("\(context): \(Self.describe(error))")
                }
            } else if let entry = need(ref.id, .chunk, context), UInt64(entry.rawLength) != ref.size {
                errors.append("\(context): the tree says \(ref.size) bytes, its chunk holds \(entry.rawLength)")
            }
        }
        /// A symlink's target must stay inside its repo (`relative` is its path in the repo).
        func checkSymlink(_ ref: FileRef, relative: String, _ context: String) {
            guard let bytes = try? store.withChunk(ref.id, { Array($0) }) else { return }  // a missing chunk is reported
            guard let target = FileName.decode(bytes), Symlinks.staysInside(relative, target: target, mount: "") else {
                errors.append("\(context): symlink target leaves the repo or is not UTF-8; checkout refuses it")
                return
            }
        }
        func checkTree(_ id: ObjectID, _ context: String, relative: String) {
            guard checked.insert(id).inserted, need(id, .tree, context) != nil else { return }
            do {
                for entry in try TreeReader(store: store).entries(id) {
                    let path = "\(context)/\(entry.name)"
                    let inRepo = RepoPath.join(relative, entry.name)
                    switch entry.kind {
                    case .directory: checkTree(entry.id, path, relative: inRepo)
                    case .symlink:
                        checkFile(FileRef(entry), path)
                        checkSymlink(FileRef(entry), relative: inRepo, path)
                    case .file, .executable: checkFile(FileRef(entry), path)
                    }
                }
            } catch {
                errors.append("\(context): \(Self.describe(error))")
            }
        }
        for record in try repos() {
            var heads = [(String, ObjectID)]()
            for branch in try refs.branches(repo: record.name) {
                do {
                    if let id = try refs.read(repo: record.name, branch: branch) { heads.append(("\(record.name)@\(branch)", id)) }
                } catch {
                    errors.append(Self.describe(error))
                }
            }
            if let detached = record.detachedCommit {
                if let id = ObjectID(hex: detached) { heads.append(("\(record.name)@\(id.shortHex())", id)) } else {
                    errors.append("repo \(record.name): detached commit '\(detached)' is not an id")
                }
            }
            var pending = heads
            while let (context, id) = pending.popLast() {
                guard checked.insert(id).inserted, need(id, .commit, context) != nil else { continue }
                report.commitsChecked += 1
                do {
                    let commit = try store.decodeCommit(id)
                    if commit.repo != record.name {
                        errors.append("\(context): commit \(id.shortHex()) belongs to repo '\(commit.repo)'")
                    }
                    pending.append(contentsOf: commit.parents.map { (context, $0) })
                    // Bounds the walk below (depth, size, node bombs) and checks directory sizes.
                    if need(commit.tree, .tree, context) != nil { _ = try TreeReader(store: store).census(commit.tree) }
                    checkTree(commit.tree, "\(record.name)@\(id.shortHex())", relative: "")
                } catch {
                    errors.append("\(context): \(Self.describe(error))")
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
