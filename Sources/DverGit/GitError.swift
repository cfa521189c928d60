/// DverGit: dver beside git, through libgit2. Owns `dver.lock` (its format, reading it at any
/// git revision, merging it), the hook blocks `dver hooks install` manages, the managed block
/// in `.gitignore`, and finding which data commits the pushed git commits pin. No printing and
/// no `git` processes: everything git-side goes through libgit2.
import DverCore

/// Errors of the git integration. Each names the problem and, where possible, the fix.
public enum GitError: Error, Sendable, Equatable {
    /// No git repository encloses the path.
    case notARepository(path: String)
    /// A libgit2 call failed.
    case library(operation: String, code: Int32, message: String)
    /// A git revision did not resolve.
    case unknownRevision(String)
    /// The revision's tree has no `dver.lock` at the project's path.
    case noLockFile(revision: String, path: String)
    /// A lock file did not parse.
    case malformedLock(source: String, line: Int, reason: String)
    /// The git repository has no working tree (bare).
    case bareRepository(path: String)
    /// The project lies outside the git repository's working tree.
    case projectOutsideWorkTree(project: String, workTree: String)
    /// An unknown hook name was given to `dver hooks run`.
    case unknownHook(String)
    /// A hook file exists but is not a regular file dver can extend.
    case hookNotAFile(path: String)
    /// A line of pre-push input did not have four fields.
    case malformedPushLine(String)
    /// `dver add` was given paths under which git tracks files (data would be in both).
    /// `paths` and `sample` (some of the files) are project-relative; `untrack` is the argument
    /// for `git rm -r --cached`, shell-quoted, relative to the user's working directory.
    case filesTrackedByGit(paths: [String], untrack: String, count: Int, sample: [String])
}

extension GitError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notARepository(let path):
            return "'\(path)' is not inside a git repository; run 'git init' first (dver's git integration needs one)"
        case .library(let operation, let code, let message):
            return "git: \(operation) failed (libgit2 error \(code)): \(message)"
        case .unknownRevision(let revision):
            return "unknown git revision '\(revision)'; 'git log --oneline' shows commits"
        case .noLockFile(let revision, let path):
            return "git revision '\(revision)' has no '\(path)': no data was pinned there (commit dver.lock with 'git add dver.lock', or install the hooks with 'dver hooks install')"
        case .malformedLock(let source, let line, let reason):
            return "\(source):\(line): not a valid dver.lock: \(reason); resolve merge conflicts with 'dver hooks merge-lock' or rewrite it with 'dver hooks run pre-commit'"
        case .bareRepository(let path):
            return "'\(path)' is a bare git repository; dver needs a working tree"
        case .projectOutsideWorkTree(let project, let workTree):
            return "the dver project '\(project)' is not inside the git working tree '\(workTree)'"
        case .unknownHook(let name):
            return "unknown hook '\(name)'; dver handles pre-commit, post-checkout, post-merge, post-rewrite and pre-push"
        case .hookNotAFile(let path):
            return "'\(path)' is not a regular file; move it away so dver can add its hook block"
        case .filesTrackedByGit(let paths, let untrack, let count, let sample):
            let more = count > sample.count ? ["    ... and \(count - sample.count) more"] : []
            return ([
                "git tracks \(count == 1 ? "1 file" : "\(count) files") under \(paths.joined(separator: ", ")); "
                    + "dver does not take data that is also in git, so nothing was staged:",
            ] + sample.map { "    " + $0 } + more + [
                "  to move it to dver: 'git rm -r -q --cached \(untrack)' (git stops tracking it; the files stay on disk),",
                "  then 'dver add' again: dver's .gitignore block then keeps git away from it",
            ]).joined(separator: "\n")
        case .malformedPushLine(let line):
            return "pre-push input line '\(line)' does not have four fields (<local ref> <local sha> <remote ref> <remote sha>)"
        }
    }
}
