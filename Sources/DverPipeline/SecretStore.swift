import DverSystem
import Foundation

/// Where a pipeline's secrets come from: never the spec, never a job record or log
/// (docs/PIPELINES.md, "Secrets"). A key's value is the environment variable
/// `DVER_SECRET_<NAME>_<KEY>` (upper-cased, other characters as `_`) if set, else the file
/// `<directory>/<name>/<key>`; the directory is `$DVER_SECRETS_DIR`, by default
/// `~/.config/dver/secrets`. Secrets mounted as files (`mount_path`) take every file of
/// `<directory>/<name>/`.
public struct SecretStore: Sendable {
    /// A value larger than this is refused (Kubernetes Secrets hold at most 1 MiB too).
    public static let maximumBytes = 1 << 20

    public let directory: String
    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, directory: String? = nil) {
        self.environment = environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        self.directory = directory ?? environment["DVER_SECRETS_DIR"] ?? "\(home)/.config/dver/secrets"
    }

    /// The environment variable holding a key's value.
    public static func variable(name: String, key: String) -> String {
        "DVER_SECRET_" + String("\(name)_\(key)".uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// - Throws: `PipelineError.secretMissing` naming where it looked.
    public func value(name: String, key: String) throws -> String {
        let variable = Self.variable(name: name, key: key)
        if let value = environment[variable] { return value }
        let path = "\(directory)/\(name)/\(key)"
        guard let bytes = try? read(path) else {
            throw PipelineError.secretMissing(name: name, key: key, tried: ["$\(variable)", path])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every key of a secret directory with its value (regular files only).
    /// - Throws: `PipelineError.secretMissing` when the directory is missing or empty.
    public func files(name: String) throws -> [(key: String, value: [UInt8])] {
        let path = "\(directory)/\(name)"
        let entries = (try? FileSystem.list(path)) ?? []
        var result = [(key: String, value: [UInt8])]()
        for entry in entries.sorted(by: { $0.name < $1.name }) where !entry.name.hasPrefix(".") {
            guard let bytes = try? read("\(path)/\(entry.name)") else { continue }
            result.append((entry.name, bytes))
        }
        if result.isEmpty { throw PipelineError.secretMissing(name: name, key: nil, tried: ["files in \(path)/"]) }
        return result
    }

    /// Checks that every secret a transform names can be read, before any datum runs.
    public func check(_ secrets: [SecretReference]) throws {
        for secret in secrets {
            if let key = secret.key, secret.envVar != nil { _ = try value(name: secret.name, key: key) }
            if secret.mountPath != nil { _ = try files(name: secret.name) }
        }
    }

    /// A regular file (symlinks followed: Kubernetes mounts secrets as links) of at most
    /// `maximumBytes`.
    private func read(_ path: String) throws -> [UInt8] {
        let status = try FileSystem.status(path)
        guard status.kind == .regular, status.size <= Int64(Self.maximumBytes) else {
            throw PipelineError.secretMissing(name: path, key: nil, tried: [path])
        }
        return try FileSystem.readFile(path)
    }
}
