import DverCore
import DverStore
import DverSystem
import Foundation

/// `.dver/sets/<id>.json`: the commits one `dver commit` made, so `dver checkout <set id>`
/// can restore every repo at once.
public struct CommitSetRecord: Codable, Sendable {
    public var id: String
    public var time: Int64
    public var message: String
    /// Repo name → commit id (hex).
    public var commits: [String: String]

    init(id: CommitSetID, time: Int64, message: String, commits: [String: String]) {
        self.id = id.hex
        self.time = time
        self.message = message
        self.commits = commits
    }

    func save(in directory: String, durable: Bool) throws {
        try JSONFile.save(self, to: "\(directory)/\(id).json", durable: durable)
    }

    /// The records whose id starts with `prefix`.
    /// - Throws: `StoreError.corruptFile` for a record that is not valid.
    static func find(prefix: String, in directory: String) throws -> [CommitSetRecord] {
        let names = try FileSystem.list(directory).map(\.name).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }
        return try names.map { try load("\(directory)/\($0)") }
    }

    /// Loads and validates one record: its id is its file name, repo names and commit ids are
    /// well formed.
    /// - Throws: `StoreError.corruptFile` naming what is wrong, `RepositoryError.invalidConfig`.
    static func load(_ path: String) throws -> CommitSetRecord {
        guard let record = try JSONFile.load(CommitSetRecord.self, from: path) else {
            throw StoreError.corruptFile(path: path, reason: "the commit-set record vanished")
        }
        guard CommitSetID(hex: record.id) != nil, FileSystem.parentPath(path) + "/" + record.id + ".json" == path else {
            throw StoreError.corruptFile(path: path, reason: "the record's id '\(record.id)' does not match its file name")
        }
        for (repo, hex) in record.commits where NameRules.repoNameProblem(repo) != nil || ObjectID(hex: hex) == nil {
            throw StoreError.corruptFile(path: path, reason: "it names '\(repo)' → '\(hex)', not a repo and a commit id (the record only groups commits: remove it if it cannot be restored)")
        }
        return record
    }
}

extension Project {
    /// Writes the commit-set records that commits name but the project lacks (after a fetch:
    /// commits carry their set id, repo, message and time, so `dver checkout SET` works in a
    /// clone). Walks the given commits and their ancestors; existing records only gain repos.
    /// - Returns: how many records were written.
    @discardableResult
    public func recordCommitSets(reachableFrom heads: [ObjectID]) throws -> Int {
        var sets = [CommitSetID: (time: Int64, message: String, commits: [String: String])]()
        var pending = heads
        var seen = Set<ObjectID>()
        while let id = pending.popLast() {
            guard seen.insert(id).inserted, store.contains(id) else { continue }
            let commit = try store.decodeCommit(id)
            pending.append(contentsOf: commit.parents)
            guard let set = commit.commitSet else { continue }
            sets[set, default: (commit.time, commit.message, [:])].commits[commit.repo] = id.hex
        }
        var written = 0
        for (id, set) in sets {
            let path = "\(layout.commitSetsDirectory)/\(id.hex).json"
            var record = try JSONFile.load(CommitSetRecord.self, from: path)
                ?? CommitSetRecord(id: id, time: set.time, message: set.message, commits: [:])
            let before = record.commits
            record.commits.merge(set.commits) { existing, _ in existing }
            if FileSystem.exists(path), record.commits == before { continue }
            try record.save(in: layout.commitSetsDirectory, durable: writeSettings.durable)
            written += 1
        }
        return written
    }
}
