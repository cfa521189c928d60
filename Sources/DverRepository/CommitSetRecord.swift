import DverCore
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
    static func find(prefix: String, in directory: String) throws -> [CommitSetRecord] {
        let names = try FileSystem.list(directory).map(\.name).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }
        return try names.compactMap { try JSONFile.load(CommitSetRecord.self, from: "\(directory)/\($0)") }
    }
}
