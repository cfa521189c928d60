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

    /// Branch names: letters, digits and `._-/`, no `..`, not starting with `.`, `-` or `/`, and
    /// nothing `branches` would hide: no `.lock` suffix, no `.tmp-` (temporary ref files).
    public static func validateBranchName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "/")
        }
        guard allowed, !name.isEmpty, name.utf8.count <= 200, !name.hasPrefix("."), !name.hasPrefix("-"),
              !name.hasPrefix("/"), !name.hasSuffix("/"), !name.contains(".."), !name.contains("//"),
              !name.hasSuffix(".lock"), !name.contains(".tmp-") else {
            throw StoreError.invalidRefName(name)
        }
    }

    private func headsDirectory(_ repo: String) -> String { "\(layout.refsDirectory)/\(repo)/heads" }

    private func path(_ repo: String, _ branch: String) -> String { "\(headsDirectory(repo))/\(branch)" }

    /// The commit a branch points at, or nil if the branch does not exist.
    /// - Throws: `StoreError.corruptPack` when the ref file does not hold an id.
    public func read(repo: String, branch: String) throws -> ObjectID? {
        let file = path(repo, branch)
        guard FileSystem.exists(file) else { return nil }
        let text = try FileSystem.readText(file).trimmingTrailingNewlines()
        guard let id = ObjectID(hex: text) else {
            throw StoreError.corruptFile(path: file, reason: "a branch ref must hold a 64-digit commit id")
        }
        return id
    }

    /// Branch names of a repo, sorted.
    public func branches(repo: String) throws -> [String] {
        try refNames(under: headsDirectory(repo))
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
            let file = path(repo, branch)
            try FileSystem.createDirectories(FileSystem.parentPath(file))
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
            try FileSystem.removeIfExists(path(repo, branch))
            try FileSystem.syncDirectory(FileSystem.parentPath(path(repo, branch)))
        }
    }

    /// Removes every ref of a repo.
    public func deleteAll(repo: String) throws {
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
