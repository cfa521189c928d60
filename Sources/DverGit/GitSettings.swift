import DverRepository

/// dver's git settings, kept in `.dver/config.json` (`ProjectConfig`):
/// `git_pre_commit_policy` is `warn` (default) or `block`.
public struct GitSettings: Sendable, Equatable {
    /// What the pre-commit hook does when repos hold data not committed to dver.
    public enum Policy: String, Sendable, CaseIterable {
        /// Print which repos differ; let the git commit proceed.
        case warn
        /// Refuse the git commit until the data is committed (`git commit --no-verify` overrides).
        case block
    }

    public var preCommitPolicy: Policy = .warn

    public init(preCommitPolicy: Policy = .warn) { self.preCommitPolicy = preCommitPolicy }

    /// Reads the settings from the project's configuration.
    /// - Throws: `RepositoryError.invalidConfig` for an unknown policy value.
    public static func load(_ project: Project) throws -> GitSettings {
        guard let policy = Policy(rawValue: project.config.gitPreCommitPolicy) else {
            throw RepositoryError.invalidConfig(path: project.layout.configFile,
                                                reason: "git_pre_commit_policy must be \"warn\" or \"block\"")
        }
        return GitSettings(preCommitPolicy: policy)
    }

    /// Writes the settings into `.dver/config.json`.
    /// - Throws: `RepositoryError.invalidConfig`, system errors.
    public func save(_ project: Project) throws {
        try project.updateConfig { $0.gitPreCommitPolicy = preCommitPolicy.rawValue }
    }
}
