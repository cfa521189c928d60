import Foundation

/// One object found by `RemoteTransport.list(prefix:)`.
public struct RemoteListing: Sendable, Equatable, Hashable {
    /// The key, relative to the remote's root, in the form of every other key
    /// (`packs/pack-NAME.pack`).
    public var key: String
    /// Its size in bytes.
    public var size: UInt64
    /// When it was last written: S3's `LastModified`, a file's mtime.
    public var modified: Date

    public init(key: String, size: UInt64, modified: Date) {
        self.key = key
        self.size = size
        self.modified = modified
    }

    /// The most objects one listing returns: a remote holding more is refused (as damaged)
    /// rather than let it grow the listing without bound. About 2.5 times what the largest
    /// `index.json` can list (its packs, their indexes, and the spec blobs).
    public static let maximumCount = 2_000_000
}

/// What a key (or a listing prefix) may be: a relative `/`-separated path of at most 1,024
/// bytes (S3's limit), without empty, `.` or `..` components and without control characters.
/// Keys found in a listing come from the remote and are checked before they are returned;
/// keys given to `delete` are checked before anything is removed.
enum RemoteKey {
    static let maximumLength = 1024

    /// Why `key` is not a key, or nil when it is one.
    static func problem(_ key: String) -> String? {
        if key.isEmpty { return "it is empty" }
        return pathProblem(key, partialLast: false)
    }

    /// Why `prefix` cannot be listed, or nil: as a key, except that it may be empty, and its
    /// last component may be empty (`packs/`) or part of a name (`packs/pack-ab`).
    static func prefixProblem(_ prefix: String) -> String? {
        prefix.isEmpty ? nil : pathProblem(prefix, partialLast: true)
    }

    private static func pathProblem(_ path: String, partialLast: Bool) -> String? {
        guard path.utf8.count <= maximumLength else { return "it is longer than \(maximumLength) bytes" }
        if let byte = path.utf8.first(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "it holds the control character \\x\(String(byte, radix: 16).leftPadded(to: 2))"
        }
        if path.hasPrefix("/") { return "it is absolute" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        for (position, component) in components.enumerated() {
            let isLast = position == components.count - 1
            if component.isEmpty, !(isLast && partialLast) { return "it has an empty path component" }
            if component == "." || component == ".." { return "it has a '\(component)' path component" }
        }
        return nil
    }
}

extension String {
    /// Whether the UTF-8 bytes start with those of `prefix` (`hasPrefix` compares characters,
    /// so a combining mark after a `/` would hide the slash from it).
    func hasBytePrefix(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }
}

extension RemoteError {
    /// A key or prefix from the remote's listing that is not a plain relative key under the
    /// prefix that was listed.
    /// `fix` says what to do (by default: remove the object, as no dver writes such a key).
    static func badListedKey(_ key: String, prefix: String, url: String, problem: String,
                             fix: String = "no dver writes such a key; remove or rename that object by other means") -> RemoteError {
        .corruptRemote(url: url, reason: "the listing of \(prefix.isEmpty ? "the remote" : prefix.quotedForMessage) holds the key "
                       + "\(key.quotedForMessage): \(problem); \(fix)")
    }

    /// A listing that went past `RemoteListing.maximumCount` objects (or its page limit).
    static func listingTooLong(prefix: String, url: String, detail: String) -> RemoteError {
        .corruptRemote(url: url, reason: "the listing of \(prefix.isEmpty ? "the remote" : prefix.quotedForMessage) \(detail); "
                       + "stopped there (a remote holds far fewer objects; is the server answering the same pages again?)")
    }
}
