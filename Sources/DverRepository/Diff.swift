import DverCore
import DverStore

extension Project {
    /// Changes between two trees, as project-relative paths under `prefix`. Identical subtrees
    /// (equal ids) are skipped without being read; a subtree on one side only is expanded after
    /// its census (`TreeReader.census`), so a node bomb fails at once.
    public func diffTrees(_ old: ObjectID?, _ new: ObjectID?, prefix: String) throws -> [Change] {
        var changes = [Change]()
        try diffDirectories(old, new, prefix: prefix, depth: 0, censused: false, into: &changes)
        return changes.sorted { $0.path.precedesInByteOrder($1.path) }
    }

    private func diffDirectories(_ old: ObjectID?, _ new: ObjectID?, prefix: String, depth: Int, censused: Bool,
                                 into changes: inout [Change]) throws {
        if old == new { return }
        let reader = TreeReader(store: store)
        guard depth < RepoPath.maximumDepth else {
            throw StoreError.corruptObject(new ?? old ?? .zero, reason: "directories nested more than \(RepoPath.maximumDepth) deep")
        }
        var censused = censused
        if !censused, old == nil || new == nil, let only = old ?? new {
            _ = try reader.census(only)
            censused = true
        }
        let oldEntries = try old.map { try reader.entries($0) } ?? []
        let newEntries = try new.map { try reader.entries($0) } ?? []
        var oldByName = [String: TreeEntry](minimumCapacity: oldEntries.count)
        for entry in oldEntries { oldByName[entry.name] = entry }
        func diffEntry(_ old: TreeEntry?, _ new: TreeEntry?) throws {
            let path = RepoPath.join(prefix, (new ?? old)?.name ?? "")
            let oldDirectory = old.flatMap { $0.kind == .directory ? $0.id : nil }
            let newDirectory = new.flatMap { $0.kind == .directory ? $0.id : nil }
            if oldDirectory != nil || newDirectory != nil {
                try diffDirectories(oldDirectory, newDirectory, prefix: path, depth: depth + 1,
                                    censused: censused && (oldDirectory == nil || newDirectory == nil), into: &changes)
            }
            let oldFile = old.flatMap { $0.kind == .directory ? nil : FileRef($0) }
            let newFile = new.flatMap { $0.kind == .directory ? nil : FileRef($0) }
            switch (oldFile, newFile) {
            case (nil, nil): return
            case (let a?, let b?) where a.sameContent(as: b): return
            default: changes.append(Change(path: path, old: oldFile, new: newFile))
            }
        }
        for entry in newEntries { try diffEntry(oldByName.removeValue(forKey: entry.name), entry) }
        for entry in oldByName.values { try diffEntry(entry, nil) }
    }

    /// Changes from a repo's revision (default: checked-out commit) to the workspace's tracked
    /// files (staged and unstaged; untracked files are not included).
    public func diffWorkspace(_ spec: RevisionSpec) throws -> [Change] {
        var workspace = try Workspace.load(self)
        guard let record = workspace.registry.record(named: spec.repo) else { throw RepositoryError.unknownRepo(spec.repo) }
        let status = try workspace.status(of: record, progress: progress)
        let files = workspace.workspaceContent(of: record, status: status).compactMapValues { $0 }
        var old = [String: FileRef]()
        let head = try headCommit(of: record)
        if spec.revision != nil || head != nil {
            let commit = try store.decodeCommit(try resolve(spec).commit)
            for file in try TreeReader(store: store).files(commit.tree, prefix: record.mount) { old[file.path] = file.ref }
        }
        var changes = [Change]()
        for (path, ref) in files {
            let previous = old.removeValue(forKey: path)
            if previous.map({ !$0.sameContent(as: ref) }) ?? true { changes.append(Change(path: path, old: previous, new: ref)) }
        }
        for (path, ref) in old { changes.append(Change(path: path, old: ref, new: nil)) }
        return changes.sorted { $0.path.precedesInByteOrder($1.path) }
    }
}
