import DverCore
import DverStore

/// What `RemoteIndex.decode` checks beyond JSON syntax. A remote is hostile until proven
/// otherwise: its names become file names and paths in the project, its sizes become
/// allocations and offsets. Every problem names the field and its (escaped) value.
extension RemoteIndex {
    /// The first thing wrong with a decoded index, or nil. Integer ranges are checked while
    /// decoding (`decodeInteger`); this checks names, ids, and what fields imply together.
    func problem() -> String? {
        var packNames = Set<String>()
        for (position, pack) in packs.enumerated() {
            let field = "packs[\(position)]"
            if let problem = pack.problem() { return "\(field).\(problem)" }
            if !packNames.insert(pack.name).inserted { return "\(field).name \(pack.name.quotedForMessage) is listed twice" }
        }
        for name in repos.keys.sorted() {
            guard let repo = repos[name] else { continue }
            if let problem = NameRules.repoNameProblem(name) { return "repo name \(name.quotedForMessage): \(problem)" }
            if let problem = repo.problem() { return "repos[\(name.quotedForMessage)].\(problem)" }
        }
        return mountOverlap() ?? pipelinesProblem()
    }

    /// Pipeline names follow the repo-name rules (a pipeline's output repo bears its name, and
    /// the name becomes a file name in `.dver/pipelines/`); spec hashes become remote keys and
    /// cache file names.
    private func pipelinesProblem() -> String? {
        for name in pipelines.keys.sorted() {
            if let problem = NameRules.repoNameProblem(name) { return "pipeline name \(name.quotedForMessage): \(problem)" }
            if let hash = pipelines[name], !hash.isObjectHex {
                return "pipelines[\(name.quotedForMessage)] \(hash.quotedForMessage) is not a spec hash (64 lowercase hex digits)"
            }
        }
        return nil
    }

    /// Two repos whose mounts are equal or nested (compared without case, for case-insensitive
    /// file systems): checking one out would write into the other.
    private func mountOverlap() -> String? {
        var owners = [String: String]()
        for name in repos.keys.sorted() {
            guard let mount = repos[name]?.mount.lowercased() else { continue }
            if let other = owners.updateValue(name, forKey: mount) {
                return "repos \(other.quotedForMessage) and \(name.quotedForMessage) have the same mount"
            }
        }
        for (mount, name) in owners.sorted(by: { $0.key < $1.key }) {
            var ancestor = RepoPath.parent(mount)
            while !ancestor.isEmpty {
                if let other = owners[ancestor] {
                    return "the mount of repo \(name.quotedForMessage) lies inside the mount of repo \(other.quotedForMessage)"
                }
                ancestor = RepoPath.parent(ancestor)
            }
        }
        return nil
    }
}

extension RemotePackRecord {
    /// Pack names become local file names and remote keys; the index size must be the one an
    /// index of `objects` entries has, and the pack must hold at least that many record headers.
    func problem() -> String? {
        guard NameRules.isPackName(name) else {
            return "name \(name.quotedForMessage) is not 'pack-' and 64 lowercase hex digits"
        }
        // objects <= maximumObjects (decodeInteger): no overflow here.
        let count = UInt64(objects)
        let expectedIndex = Self.minimumIndexSize + count * UInt64(PackFormat.indexEntrySize)
        if indexSize != expectedIndex {
            return "index_size \(indexSize) does not match objects \(objects) (an index of \(objects) entries has \(expectedIndex) bytes)"
        }
        let smallestPack = Self.minimumPackSize + count * UInt64(PackFormat.recordHeaderSize)
        if packSize < smallestPack {
            return "pack_size \(packSize) is too small for objects \(objects) (at least \(smallestPack) bytes)"
        }
        return nil
    }
}

extension RemoteRepoRecord {
    func problem() -> String? {
        if let problem = NameRules.mountProblem(mount) { return "mount \(mount.quotedForMessage): \(problem)" }
        if let problem = NameRules.branchNameProblem(defaultBranch) {
            return "default_branch \(defaultBranch.quotedForMessage): \(problem)"
        }
        for branch in branches.keys.sorted() {
            if let problem = NameRules.branchNameProblem(branch) { return "branches: name \(branch.quotedForMessage): \(problem)" }
            if let head = branches[branch], !head.isObjectHex {
                return "branches[\(branch.quotedForMessage)] \(head.quotedForMessage) is not a commit id (64 lowercase hex digits)"
            }
        }
        return nil
    }
}
