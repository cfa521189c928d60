/// DverStore: append-only pack files and their indexes, chunk codecs, branch refs with
/// compare-and-swap, locks and the store's on-disk layout. See docs/FORMAT.md.
import DverCore
import DverSystem

/// Errors of the object store and refs.
public enum StoreError: Error, Sendable {
    case notAStore(path: String)
    case newerFormat(path: String, version: Int, supported: Int)
    case objectNotFound(ObjectID)
    case corruptPack(path: String, reason: String)
    case corruptObject(ObjectID, reason: String)
    /// A small store file (format file, ref) does not hold what it must.
    case corruptFile(path: String, reason: String)
    case unexpectedKind(ObjectID, expected: ObjectKind, actual: ObjectKind)
    case refConflict(ref: String, expected: ObjectID?, actual: ObjectID?)
    case lockTimeout(path: String, seconds: Double)
    case objectTooLarge(kind: ObjectKind, size: Int, limit: Int)
    case invalidRefName(String, reason: String)
    case invalidRepoName(String, reason: String)
}

extension StoreError: CustomStringConvertible {
    public var description: String {
        hint.map { "\(problem); \($0)" } ?? problem
    }

    /// What to do about it, when the problem itself does not say.
    public var hint: String? {
        switch self {
        case .objectNotFound: return "run 'dver fsck' (or fetch it from a remote)"
        case .corruptPack: return "run 'dver fsck' to see what is affected"
        case .corruptFile: return "restore it from a backup or remove it (run 'dver fsck' to see what else is affected)"
        case .corruptObject: return "run 'dver fsck'"
        default: return nil
        }
    }

    /// What is wrong, without the advice (`fsck`, which reports it, needs other advice).
    public var problem: String {
        switch self {
        case .notAStore(let path):
            return "no dver store found at or above '\(path)'; run 'dver init' first"
        case .newerFormat(let path, let version, let supported):
            return "'\(path)' was written by a newer dver (format \(version); this dver reads up to \(supported)); upgrade dver"
        case .objectNotFound(let id):
            return "object \(id.hex) is missing from the store"
        case .corruptPack(let path, let reason):
            return "pack '\(path)' is corrupt: \(reason)"
        case .corruptFile(let path, let reason):
            return "'\(path)' is damaged: \(reason)"
        case .corruptObject(let id, let reason):
            return "object \(id.hex) is corrupt: \(reason)"
        case .unexpectedKind(let id, let expected, let actual):
            return "object \(id.hex) is a \(actual), expected a \(expected)"
        case .refConflict(let ref, let expected, let actual):
            let was = expected.map { $0.shortHex() } ?? "nothing"
            let now = actual.map { $0.shortHex() } ?? "nothing"
            return "ref '\(ref)' moved while updating (expected \(was), found \(now)); another dver process committed first — check 'dver log' and retry"
        case .lockTimeout(let path, let seconds):
            return "timed out after \(seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)) s waiting for lock '\(path)'; another dver process is still running (the lock frees itself when it exits)"
        case .objectTooLarge(let kind, let size, let limit):
            return "a \(kind) of \(size) bytes is larger than the \(limit) bytes dver stores in one object (a commit message or name that long?)"
        case .invalidRefName(let name, let reason):
            return "invalid branch name '\(name)': \(reason) (branch names use letters, digits, '.', '_', '-' and '/', not starting with '.' or '-')"
        case .invalidRepoName(let name, let reason):
            return "invalid repo name '\(name)': \(reason)"
        }
    }
}

