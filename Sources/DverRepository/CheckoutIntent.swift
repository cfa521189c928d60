import DverCore
import DverStore
import DverSystem
import Foundation

/// `.dver/checkout.json`: the checkouts under way, written (durably) before a checkout touches
/// the first file and removed once the index and repo list record the result (FORMAT.md,
/// "Interrupted checkouts"). If dver is killed between the two, the workspace is half
/// switched: a file may hold its `from` version or its `to` version. Neither is a user edit,
/// so the next checkout of that repo — to `to`, back to `from`, or anywhere — overwrites such
/// files without `--force`, and only real edits are still protected. `status` names the
/// interrupted checkout; `add` and `commit` refuse until it is finished.
public struct CheckoutIntent: Codable, Sendable, Equatable {
    public struct Switch: Codable, Sendable, Equatable {
        /// The commit being checked out.
        public var to: String
        /// The branch to record once it is (nil: detached).
        public var branch: String?
        /// Every commit whose file versions may be in the workspace: the one the index described
        /// when the checkout started, the target, and those of earlier interrupted attempts.
        public var sides: [String]
    }

    public var version = 1
    /// Repo name → the switch under way.
    public var repos: [String: Switch] = [:]

    static func path(_ layout: StoreLayout) -> String { "\(layout.storeDirectory)/checkout.json" }

    /// The recorded intents (empty when there is no file).
    /// - Throws: `StoreError.corruptFile` when the file is not a valid record.
    static func load(_ layout: StoreLayout) throws -> CheckoutIntent {
        let path = path(layout)
        guard let intent = try JSONFile.load(CheckoutIntent.self, from: path) else { return CheckoutIntent() }
        for (repo, change) in intent.repos {
            guard NameRules.repoNameProblem(repo) == nil, ObjectID(hex: change.to) != nil,
                  change.sides.allSatisfy({ ObjectID(hex: $0) != nil }), change.sides.count <= 64,
                  change.branch.map({ NameRules.branchNameProblem($0) == nil }) ?? true else {
                throw StoreError.corruptFile(path: path, reason: "the interrupted checkout of '\(repo)' is not a valid record")
            }
        }
        return intent
    }

    /// Writes the record, or removes the file when no checkout is under way; durable either way.
    func save(_ layout: StoreLayout, durable: Bool) throws {
        let path = Self.path(layout)
        if repos.isEmpty {
            guard FileSystem.exists(path) else { return }
            try FileSystem.removeIfExists(path)
            if durable { try FileSystem.syncDirectory(layout.storeDirectory) }
        } else {
            try JSONFile.save(self, to: path, durable: durable)
        }
    }
}

extension Workspace {
    /// Records that `repo` is about to switch from what the index describes to `commit`.
    mutating func recordIntent(_ repo: RepoRecord, to commit: ObjectID, branch: String?) throws {
        var sides = intent.repos[repo.name]?.sides ?? []
        for side in [index.bases[repo.name], commit].compactMap({ $0?.hex }) where !sides.contains(side) { sides.append(side) }
        intent.repos[repo.name] = .init(to: commit.hex, branch: branch, sides: Array(sides.suffix(64)))
        try intent.save(project.layout, durable: project.writeSettings.durable)
    }

    /// Paths of an interrupted checkout of `repo` whose workspace content is the version of
    /// either side of that checkout: files it wrote or had yet to write, not user edits. Empty
    /// when no checkout of the repo was interrupted.
    func interruptedSwitchPaths(_ repo: RepoRecord, status: RepoStatus) throws -> Set<String> {
        guard let change = intent.repos[repo.name] else { return [] }
        var sides = [String: [FileRef]]()
        let reader = TreeReader(store: project.store)
        for hex in change.sides {
            guard let id = ObjectID(hex: hex), project.store.contains(id) else { continue }
            for file in try reader.files(try project.store.decodeCommit(id).tree, prefix: repo.mount) {
                sides[file.path, default: []].append(file.ref)
            }
        }
        func matches(_ path: String, _ ref: FileRef?) -> Bool {
            guard let ref else { return true }  // a file the checkout deleted
            return sides[path]?.contains { $0.sameContent(as: ref) } ?? false
        }
        var recognized = Set(status.unstaged.filter { matches($0.path, $0.new) }.map(\.path))
        // Untracked files the checkout wrote before it was killed: hash those the sides name.
        let candidates = status.untracked.filter { sides[$0] != nil }
        let items = try candidates.compactMap { path -> IngestItem? in
            guard let status = try FileSystem.linkStatusIfExists(project.absolutePath(path)) else { return nil }
            return IngestItem(absolutePath: project.absolutePath(path), displayPath: path, status: status)
        }
        let refs = try Ingester(writer: HashingSink(), progress: SilentProgress()).ingest(items)
        for (item, ref) in zip(items, refs) where matches(item.displayPath, ref) { recognized.insert(item.displayPath) }
        return recognized
    }
}
