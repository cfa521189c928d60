/// Where a remote lives: a directory, or a bucket and key prefix in S3-compatible storage.
public enum RemoteLocation: Sendable, Equatable, CustomStringConvertible {
    case directory(path: String)
    case s3(bucket: String, prefix: String)

    /// Parses `s3://BUCKET[/PREFIX]`, `file:///PATH` or a directory path; a relative path is
    /// taken relative to `workingDirectory`.
    /// - Throws: `RemoteError.invalidURL`.
    public init(parsing url: String, workingDirectory: String) throws {
        if url.hasPrefix("s3://") {
            let rest = url.dropFirst(5)
            let parts = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let bucket = String(parts.first ?? "")
            guard Self.isValidBucket(bucket) else {
                throw RemoteError.invalidURL(url, reason: "bucket names have 3 to 63 lowercase letters, digits, '.' and '-'")
            }
            let prefix = parts.count > 1 ? String(parts[1]).split(separator: "/").joined(separator: "/") : ""
            self = .s3(bucket: bucket, prefix: prefix)
            return
        }
        if url.contains("://"), !url.hasPrefix("file://") {
            throw RemoteError.invalidURL(url, reason: "unsupported scheme")
        }
        var path = url.hasPrefix("file://") ? String(url.dropFirst(7)) : url
        guard !path.isEmpty else { throw RemoteError.invalidURL(url, reason: "empty path") }
        if !path.hasPrefix("/") { path = workingDirectory + "/" + path }
        self = .directory(path: Self.normalize(path))
    }

    /// The URL as stored in the configuration and shown to users.
    public var description: String {
        switch self {
        case .directory(let path): return path
        case .s3(let bucket, let prefix): return prefix.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(prefix)"
        }
    }

    static func isValidBucket(_ name: String) -> Bool {
        let count = name.utf8.count
        guard count >= 3, count <= 63, !name.hasPrefix("-"), !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D }
    }

    /// Removes `.`, `..` and repeated slashes.
    static func normalize(_ path: String) -> String {
        var components = [Substring]()
        for component in path.split(separator: "/") {
            if component == "." { continue }
            if component == ".." { _ = components.popLast(); continue }
            components.append(component)
        }
        return "/" + components.joined(separator: "/")
    }
}
