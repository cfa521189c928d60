import DverCore
import DverGit
import DverRepository

/// How commands outside `dver hooks` use the git side of a project.
enum GitSupport {
    /// The project's git side, nil when no git repository encloses it (or it cannot be used:
    /// dver then works without git, after saying why).
    static func open(_ project: Project, console: Console) -> GitProject? {
        do {
            return try GitProject.open(project)
        } catch {
            console.notice("dver: git integration skipped: \(error)")
            return nil
        }
    }

    /// Refreshes the managed `.gitignore` block after repos were created or deleted.
    static func refreshIgnoreFile(_ project: Project, console: Console) {
        guard let git = open(project, console: console) else { return }
        do {
            if try git.updateIgnoreFile() { console.notice("dver: updated dver's block in .gitignore (the store and repo paths)") }
        } catch {
            console.notice("dver: could not update .gitignore: \(error)")
        }
    }

    /// One line per restored/kept/missing repo of a lock restore.
    static func describe(_ report: LockRestore.Report, pinnedBy: String) -> [String] {
        var lines = [String]()
        for name in report.created { lines.append("repo \(name): created (pinned by \(pinnedBy))") }
        for result in report.restored {
            let position = result.branch.map { "branch \($0) at" } ?? "detached at"
            lines.append("repo \(result.repo): restored to \(position) \(result.commit.shortHex()) (pinned by \(pinnedBy)); "
                + "wrote \(Format.count(result.written, "file")) (\(Format.bytes(result.bytesWritten))), removed \(result.removed)")
        }
        for kept in report.kept {
            let shown = kept.paths.prefix(20).map { "    " + $0 }.joined(separator: "\n")
            let more = kept.paths.count > 20 ? "\n    ... and \(kept.paths.count - 20) more" : ""
            lines.append("""
                repo \(kept.repo): NOT restored to \(kept.commit.shortHex()) (pinned by \(pinnedBy)): it would overwrite uncommitted changes, which were kept:
                \(shown)\(more)
                  to restore: commit them first ('dver add PATH && dver commit -m MSG') and run 'dver checkout --git \(pinnedBy)',
                  or discard them with 'dver checkout --git \(pinnedBy) --force'
                """)
        }
        for missing in report.missing {
            lines.append("repo \(missing.repo): pinned commit \(missing.commit.shortHex()) is not in the local store; data not restored "
                + "(fetch it from the machine or remote that has it)")
        }
        return lines
    }
}

extension GitSupport {
    /// The dver.lock a git revision committed.
    /// - Throws: `GitError.notARepository`, `.noLockFile`.
    static func lock(at revision: String, project: Project) throws -> LockFile {
        guard let git = try GitProject.open(project) else { throw GitError.notARepository(path: project.root) }
        guard let lock = try git.lock(atCommit: try git.git.resolveCommit(revision)) else {
            throw GitError.noLockFile(revision: revision, path: git.lockPathInGit)
        }
        return lock
    }

    /// `spec` with its revision replaced by the data commit git revision `revision` pins for
    /// its repo (`dver ls --git v1.0 raw`).
    /// - Throws: `RepositoryError.unknownRevision` when the lock does not pin the repo or the
    ///   commit is not in the store.
    static func pinned(_ spec: RevisionSpec, at revision: String, project: Project) throws -> RevisionSpec {
        guard let entry = try lock(at: revision, project: project).entry(for: spec.repo) else {
            throw RepositoryError.unknownRevision("\(spec.repo) at git \(revision)", reason: "that revision's dver.lock does not pin repo '\(spec.repo)'")
        }
        try requirePresent(entry.commit, repo: spec.repo, revision: revision, project: project)
        var pinned = spec
        pinned.revision = entry.commit.hex
        return pinned
    }

    static func requirePresent(_ commit: ObjectID, repo: String, revision: String, project: Project) throws {
        guard project.store.contains(commit) else {
            throw RepositoryError.unknownRevision("\(repo)@\(commit.shortHex()) (pinned by git \(revision))",
                                                  reason: "this store does not have it; 'dver fetch' (or 'dver checkout --git \(revision)') brings it")
        }
    }
}

extension GitSupport {
    /// Tells the project git's `user.name <user.email>`, the author of the commits it makes
    /// when neither --author, $DVER_AUTHOR nor the config names one.
    static func useGitAuthor(_ git: GitProject?, for project: Project) {
        guard let git, let name = try? git.git.configString("user.name"), !name.isEmpty else { return }
        let email = (try? git.git.configString("user.email")).flatMap { $0 }.map { " <\($0)>" } ?? ""
        project.gitAuthor.withLock { $0 = name + email }
    }
}
