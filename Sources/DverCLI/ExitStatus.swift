import ArgumentParser
import DverCore
import DverRemote
import DverRepository
import DverStore
import DverSystem

/// dver's exit codes (docs/CLI.md, "Exit codes").
enum ExitStatus: Int32 {
    case success = 0
    /// The operation failed; the message says why.
    case failure = 1
    /// Refused because uncommitted changes (or a pipeline spec changed here and on the remote,
    /// in a pull) would be lost (retry with --force).
    case wouldLoseChanges = 2
    /// Integrity problem: fsck found damage, or a corrupt object or pack was read.
    case integrity = 3
    /// Another process holds a lock too long, or moved a branch during the update.
    case concurrency = 4
    /// The command's own work succeeded (e.g. the commit), but a pipeline job failed.
    case jobFailed = 5
    /// A merge stopped on conflicts (listed); resolve them and commit, or `merge --abort`.
    case mergeConflicts = 6
    /// Usage error (bad arguments), as swift-argument-parser reports it.
    case usage = 64

    static func of(_ error: any Error) -> ExitStatus {
        switch error {
        case RepositoryError.unresolvedConflicts: return .mergeConflicts
        case RepositoryError.messageRequired: return .usage
        case RepositoryError.uncommittedChanges, RemoteError.specConflict(_, _, pushing: false): return .wouldLoseChanges
        case StoreError.corruptPack, StoreError.corruptObject, StoreError.corruptFile, StoreError.objectNotFound,
             StoreError.unexpectedKind:
            return .integrity
        case CoreError.malformedObject, CoreError.hashMismatch: return .integrity
        case RepositoryError.damagedIndex, RepositoryError.treeTooLarge, RepositoryError.stagedObjectMissing: return .integrity
        case StoreError.lockTimeout, StoreError.refConflict: return .concurrency
        case RemoteError.corruptRemote, RemoteError.corruptRemoteObject, RemoteError.missingRemoteObject: return .integrity
        case RemoteError.concurrentUpdate: return .concurrency
        default: return .failure
        }
    }
}

/// A failure already reported to the user; carries only the exit status.
struct ReportedFailure: Error {
    let status: ExitStatus
}
