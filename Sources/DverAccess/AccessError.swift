import DverCore

/// Why a read through `dver serve` or `dver mount` cannot be answered. Each case maps to one S3
/// error code and one errno (`S3Error`, the mount's FUSE callbacks).
public enum AccessError: Error, Sendable, Equatable {
    /// The repo does not exist (S3 NoSuchBucket).
    case noSuchRepo(String)
    /// The revision names no branch, commit or commit set of the repo (S3 NoSuchKey).
    case noSuchRevision(repo: String, revision: String, reason: String)
    /// A commit id prefix that matches several commits.
    case ambiguousRevision(repo: String, revision: String, candidates: [String])
    /// No file at the path in that revision (S3 NoSuchKey, ENOENT).
    case noSuchPath(String)
    /// A path with an empty, `.` or `..` component, or one that is not a plain repo path.
    case invalidPath(String, reason: String)
    /// The requested byte range does not overlap the file (S3 InvalidRange).
    case invalidRange(size: UInt64)
}

extension AccessError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .noSuchRepo(let repo):
            return "no repo '\(repo)'"
        case .noSuchRevision(let repo, let revision, let reason):
            return "no revision '\(revision)' in repo '\(repo)': \(reason)"
        case .ambiguousRevision(let repo, let revision, let candidates):
            return "'\(revision)' matches several commits of repo '\(repo)' (\(candidates.joined(separator: ", "))); give more hex digits"
        case .noSuchPath(let path):
            return "no file '\(path)'"
        case .invalidPath(let path, let reason):
            return "invalid path '\(path)': \(reason)"
        case .invalidRange(let size):
            return "the range is outside the file (\(size) bytes)"
        }
    }
}
