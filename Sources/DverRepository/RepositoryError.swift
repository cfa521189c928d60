/// DverRepository: repos, the workspace index, add/commit/checkout/status/diff/log, fsck and du,
/// built on the object store. No printing: results are values; DverCLI renders them.
import DverCore
import DverStore

/// Errors of repository operations. Each names the problem and, where possible, the fix.
public enum RepositoryError: Error, Sendable {
    case alreadyInitialized(path: String)
    case pathOutsideProject(String)
    case pathInsideStore(String)
    case pathNotFound(String)
    case notInAnyRepo(String)
    case unknownRepo(String)
    case repoExists(String)
    case mountOverlaps(path: String, repo: String)
    case invalidRepoName(String, reason: String)
    case invalidMount(String, reason: String)
    case unknownRevision(String, reason: String)
    case ambiguousRevision(String, candidates: [String])
    case symlinkEscapes(path: String, target: String)
    case pathThroughSymlink(String)
    case invalidFileNames([String])
    /// `.dver/index` fails its checksum or does not parse.
    case damagedIndex(path: String, reason: String)
    /// A checkout was killed part-way; the workspace mixes two commits.
    case checkoutInterrupted(repo: String, target: String, branch: String?)
    /// A staged version names an object the store does not have (a damaged index or store).
    case stagedObjectMissing(repo: String, id: ObjectID)
    case equivalentNames(String, String)
    case unsupportedFileType(String)
    case uncommittedChanges(operation: String, paths: [String])
    case branchExists(repo: String, branch: String)
    case unknownBranch(repo: String, branch: String)
    case cannotDeleteCurrentBranch(repo: String, branch: String)
    case notAFile(String)
    case nothingToCommit
    case invalidConfig(path: String, reason: String)
    case fileTooLarge(path: String)
    /// A tree (from a remote, git pin or damaged store) expands beyond what dver will walk.
    case treeTooLarge(tree: ObjectID, reason: String)
    case mergeInProgress(repo: String)
    case messageRequired
    case branchCheckedOut(repo: String, branch: String, operation: String)
    case mergeCollision(path: String, reason: String)
    case noMergeInProgress(repo: String)
    case unresolvedConflicts(repo: String, paths: [String])
}

extension RepositoryError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .alreadyInitialized(let path):
            return "a dver store already exists at '\(path)/.dver'"
        case .pathOutsideProject(let path):
            return "'\(path)' is outside the project; dver only tracks paths below the directory holding .dver/"
        case .pathInsideStore(let path):
            return "'\(path)' is inside .dver/, dver's own store; choose a data path"
        case .pathNotFound(let path):
            return "'\(path)' does not exist"
        case .notInAnyRepo(let path):
            return "'\(path)' is not inside a repo; add its directory ('dver add DIR' creates a repo) or run 'dver repo create NAME --path DIR'"
        case .unknownRepo(let name):
            return "no repo named '\(name)'; 'dver repo list' shows the repos"
        case .repoExists(let name):
            return "a repo named '\(name)' already exists"
        case .mountOverlaps(let path, let repo):
            return "'\(path)' overlaps the mount of repo '\(repo)'; repos cannot be nested"
        case .invalidRepoName(let name, let reason):
            return "invalid repo name '\(name)': \(reason) (repo names use letters, digits, '.', '_' and '-')"
        case .invalidMount(let path, let reason):
            return "cannot mount a repo at '\(path)': \(reason); choose a directory inside the project such as data/NAME"
        case .unknownRevision(let revision, let reason):
            return "unknown revision '\(revision)': \(reason)"
        case .ambiguousRevision(let revision, let candidates):
            return "'\(revision)' is ambiguous; it matches \(candidates.joined(separator: ", ")); give more digits"
        case .symlinkEscapes(let path, let target):
            return "symlink '\(path)' points outside the workspace ('\(target)'); replace it with a copy of its target or remove it"
        case .pathThroughSymlink(let path):
            return "'\(path)' is reached through a symlinked directory; dver never follows symlinks inside the project (add the directory the link points to instead)"
        case .damagedIndex(let path, let reason):
            return "the workspace index '\(path)' is damaged (\(reason)); nothing was changed. Run 'dver restore --staged .' at the project root to rebuild it from the branch heads (workspace files are kept; staged but uncommitted changes must be added again)"
        case .checkoutInterrupted(let repo, let target, let branch):
            let revision = branch ?? String(target.prefix(12))
            return "a checkout of '\(repo)' to \(revision) was interrupted, so its workspace mixes two commits; finish it with 'dver checkout \(repo)@\(revision)' (or check out another revision), then retry"
        case .stagedObjectMissing(let repo, let id):
            return "cannot commit '\(repo)': a staged file needs object \(id.hex), which is not in the store; nothing was committed. Run 'dver fsck', then 'dver add' the files again"
        case .invalidFileNames(let paths):
            let shown = paths.prefix(10).joined(separator: "\n  ")
            let more = paths.count > 10 ? "\n  ... and \(paths.count - 10) more" : ""
            return "these names are not valid UTF-8 (invalid bytes shown as \\xNN) and cannot be stored:\n  \(shown)\(more)\nrename them to UTF-8 (e.g. with 'convmv -f latin1 -t utf8'); nothing was added"
        case .equivalentNames(let first, let second):
            return "'\(first)' and '\(second)' differ only in Unicode normalization (composed vs decomposed accents); many file systems and tools treat them as one name — rename one of them; nothing was added"
        case .unsupportedFileType(let path):
            return "'\(path)' is not a regular file, directory or symlink (sockets, FIFOs and devices cannot be tracked)"
        case .mergeInProgress(let repo):
            return "repo '\(repo)' has a merge in progress; resolve its conflicts and 'dver commit', or 'dver merge --abort \(repo)'"
        case .mergeCollision(let path, let reason):
            return "\(path): \(reason), so their version cannot simply replace ours; move or remove the files in the way, write the file, 'dver add' the directory (or keep ours with 'dver checkout --ours \(path)')"
        case .branchCheckedOut(let repo, let branch, let operation):
            return "cannot \(operation) branch '\(branch)' of repo '\(repo)': it is checked out; use 'dver reset \(repo)@REV' to move it, or check out another branch first"
        case .messageRequired:
            return "a commit needs a message: dver commit -m MESSAGE (--message)"
        case .noMergeInProgress(let repo):
            return "repo '\(repo)' has no merge in progress"
        case .unresolvedConflicts(let repo, let paths):
            let shown = paths.prefix(20).map { "  " + $0 }.joined(separator: "\n")
            let more = paths.count > 20 ? "\n  ... and \(paths.count - 20) more" : ""
            return "the merge in repo '\(repo)' still has conflicts:\n\(shown)\(more)\nresolve each: edit it and 'dver add' it (or 'dver rm' it), or 'dver checkout --ours/--theirs PATH'; 'dver merge --abort \(repo)' gives up"
        case .uncommittedChanges(let operation, let paths):
            let shown = paths.prefix(20).map { "  " + $0 }.joined(separator: "\n")
            let more = paths.count > 20 ? "\n  ... and \(paths.count - 20) more" : ""
            return "\(operation) would overwrite or delete uncommitted changes in:\n\(shown)\(more)\ncommit them ('dver add' + 'dver commit'), or pass --force to discard them"
        case .branchExists(let repo, let branch):
            return "branch '\(branch)' already exists in repo '\(repo)'"
        case .unknownBranch(let repo, let branch):
            return "repo '\(repo)' has no branch '\(branch)'; 'dver branch -r \(repo)' lists them"
        case .cannotDeleteCurrentBranch(let repo, let branch):
            return "cannot delete '\(branch)': it is checked out in repo '\(repo)'; check out another branch first"
        case .notAFile(let path):
            return "'\(path)' is not a file"
        case .nothingToCommit:
            return "nothing to commit"
        case .invalidConfig(let path, let reason):
            return "cannot read '\(path)': \(reason)"
        case .treeTooLarge(let tree, let reason):
            return "tree \(tree.shortHex()) is refused: \(reason); if it came from a remote, the remote is damaged or hostile"
        case .fileTooLarge(let path):
            return "'\(path)' changed size while being read; retry when it is no longer being written"
        }
    }
}
