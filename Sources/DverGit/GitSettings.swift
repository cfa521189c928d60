import DverRepository
import DverSystem
import Foundation

/// dver's git settings, kept in `.dver/config.json` beside the store's own keys:
/// `git_pre_commit_policy` is `warn` (default) or `block`. Other keys in the file are
/// preserved when a setting is written.
public struct GitSettings: Sendable, Equatable {
    /// What the pre-commit hook does when repos hold data not committed to dver.
    public enum Policy: String, Sendable, CaseIterable {
        /// Print which repos differ; let the git commit proceed.
        case warn
        /// Refuse the git commit until the data is committed (`git commit --no-verify` overrides).
        case block
    }

    public static let policyKey = "git_pre_commit_policy"

    public var preCommitPolicy: Policy = .warn

    public init(preCommitPolicy: Policy = .warn) { self.preCommitPolicy = preCommitPolicy }

    /// Reads the settings.
    /// - Throws: `RepositoryError.invalidConfig` for an unknown policy value or a broken file.
    public static func load(_ project: Project) throws -> GitSettings {
        let object = try configObject(project)
        guard let value = object[policyKey] else { return GitSettings() }
        guard let text = value as? String, let policy = Policy(rawValue: text) else {
            throw RepositoryError.invalidConfig(path: project.layout.configFile,
                                                reason: "\(policyKey) must be \"warn\" or \"block\"")
        }
        return GitSettings(preCommitPolicy: policy)
    }

    /// Writes the settings into `.dver/config.json`, keeping its other keys.
    /// - Throws: system errors.
    public func save(_ project: Project) throws {
        var object = try Self.configObject(project)
        object[Self.policyKey] = preCommitPolicy.rawValue
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try FileSystem.writeAtomically(project.layout.configFile, Array(data) + [10])
    }

    private static func configObject(_ project: Project) throws -> [String: Any] {
        let path = project.layout.configFile
        guard FileSystem.exists(path) else { return [:] }
        let data = Data(try FileSystem.readFile(path))
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RepositoryError.invalidConfig(path: path, reason: "not a JSON object")
        }
        return object
    }
}
