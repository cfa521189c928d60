import DverCore
import DverSystem

/// Branch refs: `refs/<repo>/heads/<branch>` files holding a commit id in hex. Updates are
/// compare-and-swap under a waiting lock, written by temp file + fsync + rename.
public struct RefStore: Sendable {
    public let layout: StoreLayout
    public var lockTimeout: Double

    public init(layout: StoreLayout, lockTimeout: Double = 60) {
        self.layout = layout
        self.lockTimeout = lockTimeout
    }

    /// Branch names follow `NameRules.branchNameProblem`.
    /// - Throws: `StoreError.invalidRefName` with the reason.
    public static func validateBranchName(_ name: String) throws {
        if let problem = NameRules.branchNameProblem(name) { throw StoreError.invalidRefName(name, reason: problem) }
    }

    /// Repo names follow `NameRules.repoNameProblem`: every ref path is built from a checked
    /// repo and branch name, whoever passes them in, so no ref is written outside `refs/`.
    /// - Throws: `StoreError.invalidRepoName` with the reason.
    public static func validateRepoName(_ name: String) throws {
        if let problem = NameRules.repoNameProblem(name) { throw StoreError.invalidRepoName(name, reason: problem) }
    }

    private func headsDirectory(_ repo: String) throws -> String {
        try Self.validateRepoName(repo)
        return "\(layout.refsDirectory)/\(repo)/heads"
    }

    private func path(_ repo: String, _ branch: String) throws -> String {
        try Self.validateBranchName(branch)
        return "\(try headsDirectory(repo))/\(branch)"
    }

    /// The commit a branch points at, or nil if the branch does not exist.
    /// - Throws: `StoreError.corruptPack` when the ref file does not hold an id.
    public func read(repo: String, branch: String) throws -> ObjectID? {
        let file = try path(repo, branch)
        // A directory is where longer names live (`feature` holds `feature/x`): no branch.
        guard FileSystem.exists(file), !FileSystem.isDirectory(file) else { return nil }
        let text = try FileSystem.readText(file).trimmingTrailingNewlines()
        guard let id = ObjectID(hex: text) else {
            throw StoreError.corruptFile(path: file, reason: "a branch ref must hold a 64-digit commit id")
        }
        return id
    }

    /// Branch names of a repo, sorted.
    public func branches(repo: String) throws -> [String] {
        try refNames(under: try headsDirectory(repo))
    }

    /// Names of the ref files below `directory` (slash-separated, so `feature/x` is one name),
    /// sorted; leftovers of interrupted atomic writes are skipped. Empty when it does not exist.
    func refNames(under directory: String) throws -> [String] {
        var names = [String]()
        func walk(_ directory: String, _ prefix: String) throws {
            for entry in try FileSystem.list(directory) where !entry.name.contains(".tmp-") {
                let full = "\(directory)/\(entry.name)"
                let name = prefix.isEmpty ? entry.name : "\(prefix)/\(entry.name)"
                if FileSystem.isDirectory(full) { try walk(full, name) } else { names.append(name) }
            }
        }
        if FileSystem.isDirectory(directory) { try walk(directory, "") }
        return names.sorted()
    }

    /// Sets `branch` to `new` if it currently points at `expected` (nil: must not exist).
    /// - Throws: `StoreError.refConflict` when the branch moved; `.lockTimeout`.
    public func update(repo: String, branch: String, to new: ObjectID, expected: ObjectID?) throws {
        try Self.validateBranchName(branch)
        try withLock {
            let current = try read(repo: repo, branch: branch)
            guard current == expected else {
                throw StoreError.refConflict(ref: "\(repo)@\(branch)", expected: expected, actual: current)
            }
            let file = try path(repo, branch)
            try FileSystem.createDirectories(FileSystem.parentPath(file), durable: true)
            try FileSystem.writeAtomically(file, text: new.hex + "\n")
        }
    }

    /// Deletes a branch if it points at `expected`.
    public func delete(repo: String, branch: String, expected: ObjectID?) throws {
        try withLock {
            let current = try read(repo: repo, branch: branch)
            guard current == expected else {
                throw StoreError.refConflict(ref: "\(repo)@\(branch)", expected: expected, actual: current)
            }
            let file = try path(repo, branch)
            try FileSystem.removeIfExists(file)
            try FileSystem.syncDirectory(FileSystem.parentPath(file))
        }
    }

    /// Removes every ref of a repo.
    public func deleteAll(repo: String) throws {
        try Self.validateRepoName(repo)
        try withLock { try FileSystem.removeTree("\(layout.refsDirectory)/\(repo)") }
    }

    /// Runs `body` holding the refs lock.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        let lock: FileLock
        do {
            lock = try FileLock(path: "\(layout.locksDirectory)/refs.lock", timeout: lockTimeout)
        } catch FileLock.Failure.timedOut(let path, let seconds) {
            throw StoreError.lockTimeout(path: path, seconds: seconds)
        }
        defer { lock.unlock() }
        return try body()
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var result = Substring(self)
        while result.last == "\n" || result.last == "\r" || result.last == " " { result = result.dropLast() }
        return String(result)
    }
}
