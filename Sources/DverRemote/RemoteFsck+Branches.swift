import DverCore
import DverStore

/// The walk of `RemoteFsck`: from every branch head of every repo, level by level, commits →
/// trees → chunk lists, each downloaded by ranged reads and verified; chunks looked up in the
/// pack indexes only. Every object must be in a listed, intact pack with the kind that names
/// it (a branch head a commit, a commit's tree a tree, ...). An object reached twice is
/// checked once (and reported with the first branch and path that reached it).
extension RemoteFsck {
    /// An object to check: what names it expects it to be, and where it was reached from.
    struct Reached: Sendable {
        var id: ObjectID
        var kind: ObjectKind
        /// `raw@main` for commits, `raw@main:/images/cats` for what lies in a tree.
        var context: String
        var repo: String
    }

    /// A record verified in a given pack.
    struct VerifiedRecord: Hashable, Sendable {
        var pack: String
        var id: ObjectID
    }

    /// Walks every branch.
    /// - Returns: the records downloaded and verified on the way (the pack checks do not count
    ///   them again).
    func checkBranches(_ index: RemoteIndex, objects: RemoteObjectSet, _ problems: inout ProblemList,
                       _ report: inout RemoteFsckReport) throws -> Set<VerifiedRecord> {
        var visited = Set<ObjectID>()
        var verified = Set<VerifiedRecord>()
        var frontier = [Reached]()
        for (repo, record) in index.repos.sorted(by: { $0.key < $1.key }) {
            for (branch, hex) in record.branches.sorted(by: { $0.key < $1.key }) {
                report.branches += 1
                guard let id = ObjectID(hex: hex) else {
                    problems.add("\(repo)@\(branch): head \(hex.quotedForMessage) is not a commit id")
                    continue
                }
                if visited.insert(id).inserted { frontier.append(Reached(id: id, kind: .commit, context: "\(repo)@\(branch)", repo: repo)) }
            }
        }
        while !frontier.isEmpty {
            let located = locate(frontier, in: objects, &problems)
            report.reachableObjects += located.count
            let loaded = try verifyRecords(located.map { ($0.pack, $0.entry) }, keep: true, &problems, &report)
            verified.formUnion(located.filter { loaded[$0.entry.id] != nil }.map { VerifiedRecord(pack: $0.pack.record.name, id: $0.entry.id) })
            var next = [Reached]()
            var missing = MissingChunks()
            for item in frontier {
                guard let bytes = loaded[item.id] else { continue }
                do {
                    try follow(item, bytes, next: &next, visited: &visited, missing: &missing, objects: objects, &problems, &report)
                } catch {
                    problems.add("\(item.context): \(item.kind) \(item.id.hex) does not decode: \(error)")
                }
            }
            missing.report(into: &problems)
            frontier = next
        }
        return verified
    }

    /// Finds each object in a listed pack, reporting the ones that are missing, of the wrong
    /// kind or whose index entry does not fit their pack.
    private func locate(_ frontier: [Reached], in objects: RemoteObjectSet,
                        _ problems: inout ProblemList) -> [(pack: RemoteObjectSet.Pack, entry: PackEntry)] {
        var located = [(pack: RemoteObjectSet.Pack, entry: PackEntry)]()
        for item in frontier {
            guard let (pack, entry) = objects.locate(item.id) else {
                problems.add("\(item.context): missing \(item.kind) \(item.id.hex) (in no intact listed pack)")
                continue
            }
            guard entry.kind == item.kind else {
                problems.add("\(item.context): \(item.id.hex) is a \(entry.kind), expected a \(item.kind) (in \(pack.record.packKey))")
                continue
            }
            do {
                try ReceivedRecords.checkBounds(entry, in: pack.record)
            } catch {
                problems.add(Self.damage(error) ?? "\(error)")
                continue
            }
            located.append((pack, entry))
        }
        return located
    }

    /// Decodes a verified object and queues what it references (chunks are checked at once).
    private func follow(_ item: Reached, _ bytes: [UInt8], next: inout [Reached], visited: inout Set<ObjectID>, missing: inout MissingChunks,
                        objects: RemoteObjectSet, _ problems: inout ProblemList, _ report: inout RemoteFsckReport) throws {
        func queue(_ id: ObjectID, _ kind: ObjectKind, _ context: String) {
            if visited.insert(id).inserted { next.append(Reached(id: id, kind: kind, context: context, repo: item.repo)) }
        }
        func chunk(_ id: ObjectID, _ context: String) {
            guard visited.insert(id).inserted else { return }
            guard let (pack, entry) = objects.locate(id) else {
                missing.add(id, context: context)
                return
            }
            guard entry.kind == .chunk else {
                problems.add("\(context): \(id.hex) is a \(entry.kind), expected a chunk (in \(pack.record.packKey))")
                return
            }
            report.reachableObjects += 1
        }
        switch item.kind {
        case .commit:
            let commit = try Commit.decode(bytes)
            report.commits += 1
            if commit.repo != item.repo {
                problems.add("\(item.context): commit \(item.id.hex) belongs to repo \(commit.repo.quotedForMessage)")
            }
            queue(commit.tree, .tree, "\(item.context):/")
            for parent in commit.parents { queue(parent, .commit, item.context) }
        case .tree:
            switch try TreeNode.decode(bytes).content {
            case .interior(_, let children):
                for child in children { queue(child.id, .tree, item.context) }
            case .leaf(let entries):
                for entry in entries {
                    let path = item.context + (item.context.hasSuffix("/") ? "" : "/") + entry.name.printableForMessage
                    if entry.kind == .directory {
                        queue(entry.id, .tree, path)
                    } else if entry.chunked {
                        queue(entry.id, .chunkList, path)
                    } else {
                        chunk(entry.id, path)
                    }
                }
            }
        case .chunkList:
            let node = try ChunkListNode.decode(bytes)
            for entry in node.entries {
                if node.level > 0 { queue(entry.id, .chunkList, item.context) } else { chunk(entry.id, item.context) }
            }
        case .chunk:
            break
        }
    }
}

/// The missing chunks of one level of the walk, by the path that needs them: a file whose pack
/// is gone is one line ("raw@main:/big.bin: 43 missing chunks, e.g. 3fa9…"), not 43.
struct MissingChunks {
    private var order: [String] = []
    private var byContext: [String: (count: Int, first: ObjectID)] = [:]

    mutating func add(_ id: ObjectID, context: String) {
        if let found = byContext[context] {
            byContext[context] = (found.count + 1, found.first)
        } else {
            order.append(context)
            byContext[context] = (1, id)
        }
    }

    func report(into problems: inout ProblemList) {
        for context in order {
            guard let (count, first) = byContext[context] else { continue }
            problems.add(count == 1 ? "\(context): missing chunk \(first.hex) (in no intact listed pack)"
                         : "\(context): \(count) missing chunks, e.g. \(first.hex) (in no intact listed pack)")
        }
    }
}
