import DverStore
import DverSystem
import Foundation

/// `.dver/config.json`: store-wide settings.
public struct ProjectConfig: Codable, Sendable, Equatable {
    /// "zstd" (default), "zlib" or "raw".
    public var compression: String = "zstd"
    /// Codec level; nil uses the codec's default (zstd 1, zlib 1; docs/decisions/0004).
    public var compressionLevel: Int?
    /// Chunks smaller than this many bytes are stored raw by `add` and compressed by `gc`.
    public var compressionMinimumBytes: Int = 16384
    /// Author recorded in commits when DVER_AUTHOR is not set.
    public var author: String?
    /// Seconds to wait for another dver process's lock before giving up.
    public var lockTimeoutSeconds: Double = 600
    /// Whether `dver commit` runs the pipelines downstream of what it committed.
    public var triggerPipelines = true
    /// What git's pre-commit hook does when data is not committed to dver: "warn" or "block"
    /// (validated by DverGit's `GitSettings`).
    public var gitPreCommitPolicy = "warn"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case compression
        case compressionLevel = "compression_level"
        case compressionMinimumBytes = "compression_min_bytes"
        case author
        case lockTimeoutSeconds = "lock_timeout_seconds"
        case triggerPipelines = "trigger_pipelines"
        case gitPreCommitPolicy = "git_pre_commit_policy"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        compression = try container.decodeIfPresent(String.self, forKey: .compression) ?? "zstd"
        compressionLevel = try container.decodeIfPresent(Int.self, forKey: .compressionLevel)
        compressionMinimumBytes = try container.decodeIfPresent(Int.self, forKey: .compressionMinimumBytes) ?? 16384
        author = try container.decodeIfPresent(String.self, forKey: .author)
        lockTimeoutSeconds = try container.decodeIfPresent(Double.self, forKey: .lockTimeoutSeconds) ?? 600
        triggerPipelines = try container.decodeIfPresent(Bool.self, forKey: .triggerPipelines) ?? true
        gitPreCommitPolicy = try container.decodeIfPresent(String.self, forKey: .gitPreCommitPolicy) ?? "warn"
    }

    /// Write settings derived from the config.
    public func writeSettings(path: String) throws -> WriteSettings {
        guard let codec = Codec(name: compression) else {
            throw RepositoryError.invalidConfig(path: path, reason: "compression must be zstd, zlib or raw, not '\(compression)'")
        }
        return WriteSettings(codec: codec, level: compressionLevel.map { Int32($0) },
                             minimumCompressedChunk: max(0, compressionMinimumBytes))
    }

    static func load(_ path: String) throws -> ProjectConfig {
        try JSONFile.load(ProjectConfig.self, from: path) ?? ProjectConfig()
    }

    func save(_ path: String) throws { try JSONFile.save(self, to: path) }
}

/// Small JSON files of the project (config, repo list, commit sets, and the pipeline and
/// remote records of the modules above): sorted keys, pretty printed, replaced atomically.
public enum JSONFile {
    /// The decoded file, or nil when it does not exist.
    /// - Throws: `DecodingError` (callers name the file in their own error), system errors.
    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T? {
        guard FileSystem.exists(path) else { return nil }
        return try JSONDecoder().decode(type, from: Data(try FileSystem.readFile(path)))
    }

    /// The decoded file, or nil when it does not exist.
    /// - Throws: `RepositoryError.invalidConfig` naming the file when it does not parse.
    static func load<T: Decodable>(_ type: T.Type, from path: String) throws -> T? {
        do {
            return try read(type, from: path)
        } catch let error as DecodingError {
            throw RepositoryError.invalidConfig(path: path, reason: "\(error)")
        }
    }

    /// Writes `value` atomically (temporary file, rename; fsync unless `durable` is false).
    /// - Throws: encoding and system errors.
    public static func save<T: Encodable>(_ value: T, to path: String, durable: Bool = true) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileSystem.writeAtomically(path, Array(try encoder.encode(value)) + [10], durable: durable)
    }
}
