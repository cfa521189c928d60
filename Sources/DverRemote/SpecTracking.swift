import DverCore
import DverRepository
import DverSystem
import Foundation

/// `.dver/remotes/REMOTE/pipelines.json`: what the project knows of one remote's pipeline specs.
/// Written by fetch, pull and push; deleted with the rest of the remote's cache by
/// `dver remote remove` (after which the first pull or push of a spec both sides changed needs
/// `--force`). Read back through the same name and hash checks as `index.json`.
struct SpecTracking: Codable, Equatable {
    static let version = 1

    var version = SpecTracking.version
    /// Remote-tracking specs: name → spec hash as the remote listed them at the last fetch,
    /// pull or push (the counterpart of `refs/REPO/remotes/REMOTE/BRANCH`).
    var remote: [String: String] = [:]
    /// Name → the spec hash the local catalog and the remote last had in common (a pull took
    /// it, a push published it, or either found both equal): the base of `SpecComparison`. A
    /// fetch does not move it, so a spec fetched but not yet pulled still counts as changed on
    /// the remote.
    var base: [String: String] = [:]

    static func path(_ remote: Remote) -> String { "\(remote.cacheDirectory)/pipelines.json" }

    /// The remote's tracking state; empty when none was recorded.
    /// - Throws: `RemoteError.invalidConfig` naming the file and the bad entry.
    static func load(_ remote: Remote) throws -> SpecTracking {
        let file = path(remote)
        let tracking: SpecTracking
        do {
            guard let read = try JSONFile.read(SpecTracking.self, from: file) else { return SpecTracking() }
            tracking = read
        } catch let error as DecodingError {
            throw RemoteError.invalidConfig(path: file, reason: RemoteIndexProblem.describe(error))
        }
        if let problem = tracking.problem() { throw RemoteError.invalidConfig(path: file, reason: problem) }
        return tracking
    }

    func save(_ remote: Remote) throws {
        try FileSystem.createDirectories(remote.cacheDirectory, durable: true)
        try JSONFile.save(self, to: Self.path(remote))
    }

    /// The base of one spec.
    func base(_ name: String) -> ObjectID? { base[name].flatMap { ObjectID(hex: $0) } }

    private func problem() -> String? {
        guard version == Self.version else { return "version \(version) is not \(Self.version) (written by another dver)" }
        for (field, map) in [("remote", remote), ("base", base)] {
            for name in map.keys.sorted() {
                if let problem = NameRules.repoNameProblem(name) { return "\(field): pipeline name \(name.quotedForMessage): \(problem)" }
                if let hash = map[name], !hash.isObjectHex { return "\(field)[\(name.quotedForMessage)] is not a spec hash" }
            }
        }
        return nil
    }
}
